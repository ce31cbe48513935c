"""Helpers of the notification tests: staff clients with their own cookie
jars, items put straight into a state, and a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from aiosmtpd.controller import Controller

from appliance import content
from appliance.content import Item, ItemInput

STAFF_PASSWORD = "staff-password-123"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_in(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@dataclass
class Staff:
    """A browser-like client signed in as one user."""

    client: TestClient
    csrf: str

    async def get(self, path: str) -> ClientResponse:
        return await self.client.get(path, allow_redirects=False)

    async def text(self, path: str) -> str:
        response = await self.get(path)
        assert response.status == 200, (path, response.status)
        return await response.text()

    async def post(self, path: str, data: dict | None = None, *,
                   csrf: bool = True) -> ClientResponse:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        return await self.client.post(path, data=data, allow_redirects=False)


async def sign_in_as(client: TestClient, username: str, password: str) -> Staff:
    page = await client.get("/admin/login")
    response = await client.post(
        "/admin/login", allow_redirects=False,
        data={"csrf_token": csrf_in(await page.text()), "username": username,
              "password": password})
    assert response.status == 303, await response.text()
    home = await client.get("/admin/")
    assert home.status == 200
    return Staff(client, csrf_in(await home.text()))


def make_item(conn, author_id: int | None, section: str = "tin-tuc",
              title: str = "Khánh thành cầu Vàm Cống", status: str = "draft",
              lang: str = "vi") -> Item:
    """An article saved straight into a state, as the workflow would leave it."""
    return content.save_item(
        conn, ItemInput(kind="article", lang=lang, title=title, section_key=section,
                        body="<p>Nội dung.</p>"),
        user_id=author_id, status=status)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    """An aiosmtpd handler: keeps what it accepts; refuses the first
    `refuse` deliveries with a temporary error, as a busy server does."""

    refuse: int = 0
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refused: int = 0
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        """Wait (off the event loop) until `count` messages have arrived."""
        def wait() -> bool:
            with self._arrived:
                return self._arrived.wait_for(lambda: len(self.messages) >= count,
                                              timeout)
        assert await asyncio.to_thread(wait), f"{len(self.messages)} of {count} arrived"
        return self.messages


def start_smtp(mailbox: Mailbox) -> Controller:
    mailbox.port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    return controller
