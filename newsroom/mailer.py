"""The newsroom's mail: notifications that also go out by e-mail.

Mail is queued in the table mail_outbox by the transaction that caused it,
so a rolled-back action sends nothing and a committed one is never lost. A
background task started with the app sends what is queued through the
configured SMTP server (mail.* in portal.toml, the password in secrets.toml
as smtp_password), in a worker thread so requests never wait for the mail
server. A failed message is tried again later, each wait twice the last, up
to MAX_ATTEMPTS in all; the last error is kept on the row for operators.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import smtplib
import socket
import sqlite3
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from aiohttp import web

from appliance.app import CONFIG, DB
from appliance.config import Config
from appliance.db import Database, utcnow

log = logging.getLogger("portal.mail")

MAX_ATTEMPTS = 5
FIRST_RETRY = 60.0  # seconds before the second attempt; doubled after each failure
POLL = 300.0  # a safety net: queued mail normally wakes the sender at once
SMTP_TIMEOUT = 30.0
KEEP_DAYS = 30  # sent and abandoned mail is kept this long for inspection
MAX_ERROR_LENGTH = 300


@dataclass(frozen=True)
class MailSettings:
    """How to reach the SMTP server, and what the mail says about the site."""

    host: str
    port: int
    username: str
    password: str = field(repr=False)
    starttls: bool
    sender: str
    site_name: str
    base_url: str

    @classmethod
    def from_config(cls, config: Config) -> MailSettings | None:
        """The settings, or None when no SMTP server is configured."""
        host = str(config["mail.host"]).strip()
        if not host:
            return None
        return cls(
            host=host,
            port=config["mail.port"],
            username=str(config["mail.username"]),
            password=str(config.secrets.get("smtp_password", "")),
            starttls=bool(config["mail.starttls"]),
            sender=str(config["mail.from_address"] or config["site.email"]),
            site_name=config.site_name("vi"),
            base_url=config.base_url,
        )


@dataclass(frozen=True)
class Mail:
    id: int
    recipient: str
    subject: str
    body: str
    attempts: int


# -- queueing (inside the caller's transaction) -------------------------------

# The running outbox of each database file. Data functions only get a
# connection, so this is how they learn whether mail is configured and whom
# to wake; the command line has none and queues nothing.
_OUTBOXES: dict[str, Outbox] = {}


def settings_for(conn: sqlite3.Connection) -> MailSettings | None:
    """The mail settings of the site this connection belongs to, or None
    when that site sends no mail."""
    outbox = _OUTBOXES.get(_database_file(conn))
    return outbox.settings if outbox else None


def plausible_address(address: str | None) -> bool:
    """Worth handing to the SMTP server: one address, no header tricks."""
    if not address or len(address) > 254 or address.count("@") != 1:
        return False
    return not any(ch.isspace() or ch in "<>,;\"" for ch in address)


def enqueue(conn: sqlite3.Connection, recipient: str, subject: str, body: str) -> int:
    """Queue one message; it is sent once the transaction commits."""
    cur = conn.execute(
        "INSERT INTO mail_outbox (created_at, recipient, subject, body)"
        " VALUES (?, ?, ?, ?)",
        (utcnow(), recipient, " ".join(subject.split()), body),
    )
    outbox = _OUTBOXES.get(_database_file(conn))
    if outbox is not None:
        outbox.wake()
    return cur.lastrowid


def _database_file(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return os.path.realpath(row[2]) if row and row[2] else ""


# -- sending ------------------------------------------------------------------


class Outbox:
    """Sends queued mail, one message at a time, off the event loop."""

    def __init__(
        self,
        db: Database,
        settings: MailSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        first_retry: float = FIRST_RETRY,
    ) -> None:
        self.db = db
        self.settings = settings
        self._clock = clock
        self._first_retry = first_retry
        self._retry_at: dict[int, float] = {}  # failed mail: when to try again
        self._wakeup = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def wake(self) -> None:
        """Ask the sender to look at the queue; callable from any thread."""
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            self._loop.call_soon_threadsafe(self._wakeup.set)

    async def run(self) -> None:
        """Send what is due, then sleep until woken or until a retry is due."""
        woken = False
        while True:
            try:
                # A wake-up means mail was just queued. Otherwise look first,
                # as every write empties the public page cache.
                if woken or await self.db.read(_pending, self._skipped()):
                    await self.send_due()
            except Exception:  # a database hiccup must not stop the mail for good
                log.exception("mail outbox failed")
            woken = False
            with contextlib.suppress(TimeoutError):
                woken = await asyncio.wait_for(self._wakeup.wait(), self._next_wait())
            self._wakeup.clear()

    def _next_wait(self) -> float:
        if not self._retry_at:
            return POLL
        return min(POLL, max(0.0, min(self._retry_at.values()) - self._clock()))

    async def send_due(self) -> int:
        """Try every message that is due once; returns how many were sent."""
        # Claimed through the writer, so a transaction that queued mail and
        # woke us has committed before we look.
        due = await self.db.write(_claim, self._skipped())
        sent = 0
        for mail in due:
            error = await asyncio.to_thread(_try_deliver, self.settings, mail)
            await self.db.write(_record, mail.id, error)
            if error is None:
                self._retry_at.pop(mail.id, None)
                sent += 1
                log.info("mail sent", extra={"mail": mail.id, "attempt": mail.attempts})
            else:
                self._after_failure(mail, error)
        return sent

    def _skipped(self) -> list[int]:
        """Failed mail whose next attempt is not due yet."""
        now = self._clock()
        return [mail_id for mail_id, at in self._retry_at.items() if at > now]

    def _after_failure(self, mail: Mail, error: str) -> None:
        if mail.attempts >= MAX_ATTEMPTS:
            self._retry_at.pop(mail.id, None)
            log.warning("mail abandoned", extra={"mail": mail.id, "attempts": mail.attempts,
                                                  "error": _error_kind(error)})
            return
        wait = self._first_retry * 2 ** (mail.attempts - 1)
        self._retry_at[mail.id] = self._clock() + wait
        log.info("mail deferred", extra={"mail": mail.id, "attempt": mail.attempts,
                                         "retry_in": wait, "error": _error_kind(error)})


def _pending(conn: sqlite3.Connection, skipped: list[int]) -> bool:
    """Whether any unsent mail with attempts left is due now."""
    rows = conn.execute("SELECT id FROM mail_outbox WHERE sent_at IS NULL AND attempts < ?",
                        (MAX_ATTEMPTS,))
    skip = set(skipped)
    return any(row[0] not in skip for row in rows)


def _error_kind(error: str) -> str:
    """The error's class and reply code only: a server's reply may quote the
    recipient's address, which the log must not hold."""
    return " ".join(error.split()[:2])


def _claim(conn: sqlite3.Connection, skipped: list[int]) -> list[Mail]:
    """Unsent mail with attempts left, each counted as attempted now, so a
    crash while sending still uses up an attempt rather than looping."""
    _forget_old(conn)
    rows = conn.execute(
        "SELECT id, recipient, subject, body, attempts FROM mail_outbox"
        " WHERE sent_at IS NULL AND attempts < ? ORDER BY id LIMIT 50",
        (MAX_ATTEMPTS,),
    ).fetchall()
    skip = set(skipped)
    due = [row for row in rows if row["id"] not in skip]
    conn.executemany("UPDATE mail_outbox SET attempts = attempts + 1 WHERE id = ?",
                     [(row["id"],) for row in due])
    return [Mail(row["id"], row["recipient"], row["subject"], row["body"],
                 row["attempts"] + 1) for row in due]


def _record(conn: sqlite3.Connection, mail_id: int, error: str | None) -> None:
    if error is None:
        conn.execute("UPDATE mail_outbox SET sent_at = ?, last_error = NULL WHERE id = ?",
                     (utcnow(), mail_id))
    else:
        conn.execute("UPDATE mail_outbox SET last_error = ? WHERE id = ?",
                     (error, mail_id))


def _forget_old(conn: sqlite3.Connection) -> None:
    cutoff = (datetime.now(UTC) - timedelta(days=KEEP_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    conn.execute(
        "DELETE FROM mail_outbox WHERE created_at < ?"
        " AND (sent_at IS NOT NULL OR attempts >= ?)", (cutoff, MAX_ATTEMPTS))


def _try_deliver(settings: MailSettings, mail: Mail) -> str | None:
    """Send one message (in a worker thread); None, or what went wrong."""
    try:
        deliver(settings, mail)
    except (smtplib.SMTPException, OSError, UnicodeError, ValueError) as exc:
        return describe_error(exc)
    return None


def deliver(settings: MailSettings, mail: Mail) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT,
                      local_hostname=_local_name()) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(message(settings, mail))


def message(settings: MailSettings, mail: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((settings.site_name, settings.sender))
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    msg.set_content(mail.body)
    return msg


def _local_name() -> str:
    # The fully qualified name can take seconds to resolve on a machine
    # without DNS; the plain host name is what the server needs.
    return socket.gethostname() or "localhost"


def describe_error(exc: BaseException) -> str:
    """What went wrong, for the outbox row and the log; never the password
    (smtplib's errors carry the server's reply, not what we sent)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        detail = f"{exc.smtp_code} {text}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [f"{code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
                 for code, msg in exc.recipients.values()]
        detail = "; ".join(codes)
    elif isinstance(exc, OSError):
        detail = exc.strerror or str(exc)
    else:
        detail = str(exc)
    return f"{type(exc).__name__}: {' '.join(detail.split())}"[:MAX_ERROR_LENGTH]


# -- life cycle ---------------------------------------------------------------


async def outbox_task(app: web.Application) -> AsyncIterator[None]:
    """Run the sender while the app runs (an aiohttp cleanup context)."""
    config = app[CONFIG]
    settings = MailSettings.from_config(config)
    if settings is None:
        yield
        return
    key = os.path.realpath(config.database_path)
    outbox = Outbox(app[DB], settings)
    _OUTBOXES[key] = outbox
    task = asyncio.create_task(outbox.run())
    log.info("mail outbox started", extra={"host": settings.host, "port": settings.port})
    try:
        yield
    finally:
        _OUTBOXES.pop(key, None)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
