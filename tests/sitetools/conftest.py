"""Fixtures of the site-tools tests: a site without the second factor (it
has tests of its own), staff accounts, signed-in clients and a few
published stories."""

from __future__ import annotations

from pathlib import Path

import pytest
from sitetools_support import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    STAFF_PASSWORD,
    Staff,
    csrf_in,
)

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction
from appliance.site import create_site
from appliance.users import add_user


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    create_site(site, ADMIN_USER, ADMIN_PASSWORD,
                overrides={"security.totp_required_roles": []})
    return site


@pytest.fixture
def add_staff(conn):
    def add(role: str, username: str | None = None):
        name = username or role.replace("-", "")
        return transaction(conn, add_user, name, role, STAFF_PASSWORD)

    return add


@pytest.fixture
def sign_in(client, aiohttp_client):
    async def sign(username: str = ADMIN_USER, password: str | None = None) -> Staff:
        """Sign in on a client of its own, with the interface in English."""
        own = await aiohttp_client(client.server)
        if password is None:
            password = ADMIN_PASSWORD if username == ADMIN_USER else STAFF_PASSWORD
        page = await own.get("/admin/login")
        response = await own.post("/admin/login", allow_redirects=False, data={
            "csrf_token": csrf_in(await page.text()), "username": username,
            "password": password})
        assert response.status == 303, await response.text()
        page = await own.get("/admin/")
        assert page.status == 200
        # English pages, so the assertions read the message ids.
        staff = Staff(own, csrf_in(await page.text()))
        switched = await staff.post("/admin/language", {"lang": "en", "next": "/admin/"})
        assert switched.status == 303
        return staff

    return sign


@pytest.fixture
async def admin(sign_in) -> Staff:
    return await sign_in()


@pytest.fixture
def stories(conn) -> dict[str, content.Item]:
    """Published news: three Vietnamese stories and one English one."""
    transaction(conn, content.save_section, "tin-tuc",
                {"vi": "Tin tức", "en": "News", "km": "ព័ត៌មាន"})
    made = {}
    for name, lang, title in (
        ("bridge", "vi", "Khởi công cầu Đình Phước mới"),
        ("rice", "vi", "Nông dân An Giang thu hoạch lúa Thu Đông"),
        ("school", "vi", "Khánh thành trường học vùng biên giới"),
        ("bridge-en", "en", "Work starts on the new Dinh Phuoc bridge"),
    ):
        data = ItemInput(kind="article", lang=lang, title=title,
                         body=f"<p>{title}.</p>", section_key="tin-tuc",
                         published_at="2026-01-10T08:00:00+07:00")
        made[name] = transaction(conn, _publish, data)
    return made


def _publish(conn, data: ItemInput) -> content.Item:
    return content.save_item(conn, data, status="published")
