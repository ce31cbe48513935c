"""Helpers of the newsroom tests: a browser-like client per staff member
(each with its own cookie jar) and the CSRF token each page carries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct-horse-battery"
STAFF_PASSWORD = "staff-password-123"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

SECTIONS = {
    "tin-tuc": {"vi": "Tin tức", "en": "News", "km": "ព័ត៌មាន"},
    "kinh-te": {"vi": "Kinh tế", "en": "Economy", "km": "សេដ្ឋកិច្ច"},
    "van-hoa": {"vi": "Văn hóa", "en": "Culture", "km": "វប្បធម៌"},
}


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

    async def post(self, path: str, data=None, **kwargs) -> ClientResponse:
        if data is None or isinstance(data, dict):
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf)
        return await self.client.post(path, data=data, allow_redirects=False, **kwargs)


async def sign_in_with(
    client: TestClient, username: str, password: str
) -> ClientResponse:
    page = await client.get("/admin/login")
    token = csrf_in(await page.text())
    return await client.post(
        "/admin/login",
        allow_redirects=False,
        data={"csrf_token": token, "username": username, "password": password},
    )


ARTICLE_TITLES = {
    "vi": "Tỉnh An Giang khởi công cầu Đình Phước mới",
    "en": "An Giang starts work on the new Dinh Phuoc bridge",
    "km": "ខេត្តអានយ៉ាងចាប់ផ្តើមសាងសង់ស្ពានថ្មី",
}


def item_id_from(response: ClientResponse) -> int:
    """The item number in the address a save redirected to."""
    assert response.status == 303, response.status
    match = re.match(r"^/admin/items/(\d+)\?done=", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def article_form(lang: str = "vi", **fields) -> dict:
    form = {
        "lang": lang,
        "title": ARTICLE_TITLES[lang],
        "section": "tin-tuc",
        "summary": "Tóm tắt ngắn.",
        "body": "<p>Nội dung <strong>chính</strong>.</p>",
        "tags": "giao thông, cầu",
        "byline": "Minh Châu",
    }
    form.update(fields)
    return form
