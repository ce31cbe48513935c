"""Fixtures of the newsroom API tests: sections, staff accounts and a token
for each, callers on the test server."""

from __future__ import annotations

from pathlib import Path

import pytest
from adminapi_support import SECTIONS, STAFF_PASSWORD, Caller

from appliance.content import save_section
from appliance.db import transaction
from appliance.site import create_site
from appliance.tokens import create_token
from appliance.users import add_user

from adminapi_support import TOKEN_ATTEMPTS


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh site that refuses wrong tokens early, so the limit is testable."""
    site = tmp_path / "site"
    create_site(site, "admin", "correct-horse-battery",
                overrides={"security.api_token_attempts": TOKEN_ATTEMPTS})
    return site


@pytest.fixture
def sections(conn):
    for key, names in SECTIONS.items():
        transaction(conn, save_section, key, names)
    return list(SECTIONS)


@pytest.fixture
def add_staff(conn):
    def add(role: str, username: str | None = None):
        name = username or role.replace("-", "")
        return transaction(conn, add_user, name, role, STAFF_PASSWORD)

    return add


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
