"""Helpers of the account tests: browser-like staff clients, the second
factor set up through the pages, and codes made with pyotp the way a phone
makes them."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass

import pyotp
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct-horse-battery"
STAFF_PASSWORD = "staff-password-123"
REQUIRED_ROLES = ["editor-in-chief", "admin"]

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'<code class="totp-secret" id="totp-secret">([A-Z2-7 ]+)</code>')
_RECOVERY = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")
_SHOWN = re.compile(r'<code class="secret" id="new-(?:token|password)">([^<]+)</code>')


def csrf_in(page: str) -> str:
    match = _CSRF.search(page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def secret_in(page: str) -> str:
    match = _SECRET.search(page)
    assert match, "the page shows no authenticator key"
    return match.group(1).replace(" ", "")


def recovery_codes_in(page: str) -> list[str]:
    return _RECOVERY.findall(page)


def shown_secret(page: str) -> str:
    """The password or token a page shows once."""
    match = _SHOWN.search(page)
    assert match, "the page shows no new secret"
    return html.unescape(match.group(1))


def next_code(secret: str) -> str:
    """The code of the next time step: accepted now (the server allows one
    step of drift) and newer than any code accepted so far in a test."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def wrong_code(secret: str) -> str:
    """A six-digit code that is none of the codes the server accepts now."""
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time() + offset) for offset in range(-60, 61, 15)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


@dataclass
class Staff:
    """A browser-like client signed in as one user."""

    client: TestClient
    csrf: str

    async def get(self, path: str, **kwargs) -> ClientResponse:
        return await self.client.get(path, allow_redirects=False, **kwargs)

    async def post(self, path: str, data=None, **kwargs) -> ClientResponse:
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return await self.client.post(path, data=data, allow_redirects=False, **kwargs)


async def post_password(client: TestClient, username: str, password: str,
                        next_path: str | None = None) -> ClientResponse:
    page = await client.get("/admin/login")
    form = {"csrf_token": csrf_in(await page.text()), "username": username,
            "password": password}
    if next_path:
        form["next"] = next_path
    return await client.post("/admin/login", data=form, allow_redirects=False)


async def post_code(client: TestClient, code: str) -> ClientResponse:
    page = await client.get("/admin/login/code", allow_redirects=False)
    assert page.status == 200, page.status
    form = {"csrf_token": csrf_in(await page.text()), "code": code}
    return await client.post("/admin/login/code", data=form, allow_redirects=False)


async def staff_on(client: TestClient, path: str = "/admin/profile") -> Staff:
    """The signed-in Staff of a client, with the CSRF token of a page."""
    page = await client.get(path, allow_redirects=False)
    assert page.status == 200, page.status
    return Staff(client, csrf_in(await page.text()))


async def enrol(staff: Staff) -> tuple[str, list[str]]:
    """Set up the second factor through the pages; returns the key and the
    recovery codes shown."""
    page = await staff.get("/admin/profile/2fa")
    assert page.status == 200, page.status
    secret = secret_in(await page.text())
    done = await staff.post("/admin/profile/2fa", {"code": current_code(secret)})
    assert done.status == 200, await done.text()
    codes = recovery_codes_in(await done.text())
    assert len(codes) == 10
    return secret, codes
