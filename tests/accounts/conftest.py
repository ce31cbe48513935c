"""Fixtures of the account tests: a site that requires the second factor
for the senior roles (as a new site does), staff accounts, signed-in clients."""

from __future__ import annotations

from pathlib import Path

import pytest
from accounts_support import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    REQUIRED_ROLES,
    STAFF_PASSWORD,
    Staff,
    enrol,
    next_code,
    post_code,
    post_password,
    staff_on,
)

from appliance.db import transaction
from appliance.site import create_site
from appliance.users import add_user


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh site whose second-factor rule is stated, not inherited."""
    site = tmp_path / "site"
    create_site(site, ADMIN_USER, ADMIN_PASSWORD,
                overrides={"security.totp_required_roles": REQUIRED_ROLES})
    return site


@pytest.fixture
def add_staff(conn):
    def add(role: str, username: str | None = None):
        name = username or role.replace("-", "")
        return transaction(conn, add_user, name, role, STAFF_PASSWORD)

    return add


@pytest.fixture
def new_client(client, aiohttp_client):
    """Another browser (its own cookies) on the same server."""

    async def make():
        return await aiohttp_client(client.server)

    return make


@pytest.fixture
def sign_in(new_client):
    """Sign in a user without a second factor; returns a Staff."""

    async def sign(username: str, password: str = STAFF_PASSWORD,
                   first_page: str = "/admin/profile") -> Staff:
        own = await new_client()
        response = await post_password(own, username, password)
        assert response.status == 303, await response.text()
        return await staff_on(own, first_page)

    return sign


@pytest.fixture
async def admin(new_client):
    """The administrator, signed in, with the second factor set up (as the
    site requires); `.secret` and `.codes` hold what the set-up showed."""
    own = await new_client()
    response = await post_password(own, ADMIN_USER, ADMIN_PASSWORD)
    assert response.status == 303
    staff = await staff_on(own, "/admin/profile/2fa")
    staff.secret, staff.codes = await enrol(staff)
    return staff


@pytest.fixture
def sign_in_with_code(new_client):
    """Sign in with the password and then a code from the authenticator."""

    async def sign(username: str, password: str, secret: str) -> Staff:
        own = await new_client()
        first = await post_password(own, username, password)
        assert first.headers["Location"] == "/admin/login/code"
        second = await post_code(own, next_code(secret))
        assert second.status == 303, await second.text()
        return await staff_on(own)

    return sign
