"""Fixtures of the newsroom tests: staff accounts, sections, signed-in clients."""

from __future__ import annotations

import pytest
from newsroom_support import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    SECTIONS,
    STAFF_PASSWORD,
    Staff,
    csrf_in,
    sign_in_with,
)

from appliance.content import save_section
from appliance.db import transaction
from appliance.users import add_user


@pytest.fixture
def add_staff(conn):
    """Add a staff account with a role; returns the user."""

    def add(role: str, username: str | None = None):
        name = username or role.replace("-", "")
        return transaction(conn, add_user, name, role, STAFF_PASSWORD)

    return add


@pytest.fixture
def sections(conn):
    """Three sections, in the order tin-tuc, kinh-te, van-hoa."""
    for key, names in SECTIONS.items():
        transaction(conn, save_section, key, names)
    return list(SECTIONS)


@pytest.fixture
def sign_in(client, aiohttp_client):
    """Sign a user in on a client of their own; returns a Staff."""

    async def sign(username: str = ADMIN_USER, password: str | None = None) -> Staff:
        own = await aiohttp_client(client.server)
        if password is None:
            password = ADMIN_PASSWORD if username == ADMIN_USER else STAFF_PASSWORD
        response = await sign_in_with(own, username, password)
        assert response.status == 303, await response.text()
        page = await own.get("/admin/")
        assert page.status == 200
        return Staff(own, csrf_in(await page.text()))

    return sign


@pytest.fixture
async def admin(sign_in) -> Staff:
    return await sign_in()
