"""Helpers of the account tests: the second factor set up through the pages,
and codes made with pyotp the way a phone makes them."""

from __future__ import annotations

import html
import re
import time

import pyotp
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from staff_support import Staff, csrf_in

REQUIRED_ROLES = ["editor-in-chief", "admin"]

_SECRET = re.compile(r'<code class="totp-secret" id="totp-secret">([A-Z2-7 ]+)</code>')
_RECOVERY = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")
_SHOWN = re.compile(r'<code class="secret" id="new-(?:token|password)">([^<]+)</code>')


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


async def post_code(client: TestClient, code: str) -> ClientResponse:
    page = await client.get("/admin/login/code", allow_redirects=False)
    assert page.status == 200, page.status
    form = {"csrf_token": csrf_in(await page.text()), "code": code}
    return await client.post("/admin/login/code", data=form, allow_redirects=False)


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
