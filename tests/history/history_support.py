"""Helpers of the history tests: a browser-like client per member of staff
and the CSRF token each newsroom page carries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

STAFF_PASSWORD = "staff-password-123"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_in(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@dataclass
class Staff:
    client: TestClient
    csrf: str

    async def get(self, path: str, **kwargs) -> ClientResponse:
        return await self.client.get(path, allow_redirects=False, **kwargs)

    async def post(self, path: str, data: dict | None = None) -> ClientResponse:
        form = {"csrf_token": self.csrf} | (data or {})
        return await self.client.post(path, data=form, allow_redirects=False)


async def sign_in_as(client: TestClient, username: str, password: str) -> Staff:
    page = await client.get("/admin/login")
    response = await client.post(
        "/admin/login",
        allow_redirects=False,
        data={
            "csrf_token": csrf_in(await page.text()),
            "username": username,
            "password": password,
        },
    )
    assert response.status == 303, await response.text()
    home = await client.get("/admin/")
    assert home.status == 200
    return Staff(client, csrf_in(await home.text()))
