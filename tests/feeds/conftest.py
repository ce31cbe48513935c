"""Fixtures of the feeds tests."""

from __future__ import annotations

import pytest
from feeds_support import fill

from appliance.db import transaction


@pytest.fixture
def news(config, conn) -> dict:
    """The known content, by name; items as saved (before translation links)."""
    return transaction(conn, fill, config.media_dir)
