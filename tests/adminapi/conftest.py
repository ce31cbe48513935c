"""Fixtures of the newsroom API tests: a site that limits wrong tokens, a
token for a member of staff, and callers on the test server."""

from __future__ import annotations

from pathlib import Path

import pytest
from adminapi_support import TOKEN_ATTEMPTS, Caller
from staff_support import new_site

from appliance.db import transaction
from appliance.tokens import create_token


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh site that refuses wrong tokens early, so the limit is testable."""
    return new_site(tmp_path, {"security.api_token_attempts": TOKEN_ATTEMPTS})


@pytest.fixture
def token_for(conn):
    def make(user) -> str:
        return transaction(conn, create_token, user.id, "tests")

    return make


@pytest.fixture
def caller(client, token_for):
    """A caller acting for the user, with a new token of theirs."""

    def make(user, language: str | None = None) -> Caller:
        return Caller(client, token_for(user), language)

    return make
