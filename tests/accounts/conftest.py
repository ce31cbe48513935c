"""Fixtures of the account tests: a site that requires the second factor
for the senior roles (as a new site does), its administrator with the second
factor set up, and signing in with a code."""

from __future__ import annotations

from pathlib import Path

import pytest
from accounts_support import REQUIRED_ROLES, enrol, next_code, post_code
from staff_support import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    Staff,
    new_site,
    sign_in_with,
    staff_on,
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh site whose second-factor rule is stated, not inherited."""
    return new_site(tmp_path, {"security.totp_required_roles": REQUIRED_ROLES})


@pytest.fixture
async def admin(new_client):
    """The administrator, signed in, with the second factor set up (as the
    site requires); `.secret` and `.codes` hold what the set-up showed."""
    own = await new_client()
    response = await sign_in_with(own, ADMIN_USER, ADMIN_PASSWORD)
    assert response.status == 303
    staff = await staff_on(own, "/admin/profile/2fa")
    staff.secret, staff.codes = await enrol(staff)
    return staff


@pytest.fixture
def sign_in_with_code(new_client):
    """Sign in with the password and then a code from the authenticator."""

    async def sign(username: str, password: str, secret: str) -> Staff:
        own = await new_client()
        first = await sign_in_with(own, username, password)
        assert first.headers["Location"] == "/admin/login/code"
        second = await post_code(own, next_code(secret))
        assert second.status == 303, await second.text()
        return await staff_on(own, "/admin/profile")

    return sign
