"""Staff in the tests: the accounts a test site starts with, a browser-like
client signed in as one member of staff (each with its own cookie jar), the
CSRF token every newsroom page carries, and the steps of signing in."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from aiohttp import ClientResponse, FormData
from aiohttp.test_utils import TestClient

from appliance.site import create_site

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct-horse-battery"
STAFF_PASSWORD = "staff-password-123"
# The second factor has tests of its own (tests/accounts); elsewhere staff
# sign in with a password alone.
NO_SECOND_FACTOR = {"security.totp_required_roles": []}

SECTIONS = {
    "tin-tuc": {"vi": "Tin tức", "en": "News", "km": "ព័ត៌មាន"},
    "kinh-te": {"vi": "Kinh tế", "en": "Economy", "km": "សេដ្ឋកិច្ច"},
    "van-hoa": {"vi": "Văn hóa", "en": "Culture", "km": "វប្បធម៌"},
}

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def new_site(folder: Path, overrides: dict) -> Path:
    """A fresh site in `folder`/site with the administrator account."""
    site = folder / "site"
    create_site(site, ADMIN_USER, ADMIN_PASSWORD, overrides=overrides)
    return site


def password_of(username: str) -> str:
    return ADMIN_PASSWORD if username == ADMIN_USER else STAFF_PASSWORD


def csrf_in(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@dataclass
class Staff:
    """A browser-like client signed in as one user."""

    client: TestClient
    csrf: str

    async def get(self, path: str, **kwargs) -> ClientResponse:
        return await self.client.get(path, allow_redirects=False, **kwargs)

    async def text(self, path: str) -> str:
        response = await self.get(path)
        assert response.status == 200, (path, response.status)
        return await response.text()

    async def post(self, path: str, data=None, *, csrf: bool = True,
                   **kwargs) -> ClientResponse:
        """Post a form; a dict gets the CSRF token unless it has one or `csrf`
        is false (a prepared FormData is sent as it is)."""
        if data is None or isinstance(data, dict):
            data = dict(data or {})
            if csrf:
                data.setdefault("csrf_token", self.csrf)
        return await self.client.post(path, data=data, allow_redirects=False, **kwargs)

    async def upload(self, path: str, name: str, raw: bytes, field: str = "file",
                     **fields: str) -> ClientResponse:
        form = FormData()
        form.add_field("csrf_token", self.csrf)
        for key, value in fields.items():
            form.add_field(key, value)
        form.add_field(field, io.BytesIO(raw), filename=name,
                       content_type="application/octet-stream")
        return await self.post(path, data=form)


async def sign_in_with(client: TestClient, username: str, password: str,
                       next_path: str | None = None) -> ClientResponse:
    """Post the sign-in form with the CSRF token of the sign-in page."""
    page = await client.get("/admin/login")
    form = {"csrf_token": csrf_in(await page.text()), "username": username,
            "password": password}
    if next_path:
        form["next"] = next_path
    return await client.post("/admin/login", data=form, allow_redirects=False)


async def staff_on(client: TestClient, path: str = "/admin/") -> Staff:
    """The signed-in Staff of a client, with the CSRF token of a page."""
    page = await client.get(path, allow_redirects=False)
    assert page.status == 200, page.status
    return Staff(client, csrf_in(await page.text()))


async def sign_in_as(client: TestClient, username: str, password: str | None = None,
                     first_page: str = "/admin/") -> Staff:
    """Sign in with a password alone; the Staff holds `first_page`'s token."""
    if password is None:
        password = password_of(username)
    response = await sign_in_with(client, username, password)
    assert response.status == 303, await response.text()
    return await staff_on(client, first_page)


async def fill_sign_in(page, username: str, password: str | None = None) -> None:
    """Sign in on a Playwright page that shows the sign-in form."""
    await page.fill("#f-username", username)
    await page.fill("#f-password", password_of(username) if password is None else password)
    await page.click("button[type=submit].button-primary")
