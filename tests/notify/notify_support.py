"""Helpers of the notification tests: items put straight into a state, and a
real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from appliance import content
from appliance.content import Item, ItemInput


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
