"""Webhooks: telling subscribers (the mobile app, component sites, the open
data portal) when public content changes.

Events are raised in the database itself: triggers on the item table (see
migration 0009) write a `content_event` row in the same transaction as the
change, whoever makes it (the newsroom, the scheduler, the importer, a
partner), so saving never waits on a subscriber and no change is missed.
The scheduler's webhook job then makes one delivery per event and matching
subscriber, and sends them:

- signed as Standard Webhooks says: headers webhook-id (the same on every
  attempt), webhook-timestamp and webhook-signature ("v1," and the base64
  HMAC-SHA256 of "id.timestamp.body" under the subscriber's whsec_ secret);
- in order: each subscriber gets its events one at a time, oldest first, and
  a failing delivery holds back the later ones until it succeeds or is
  given up, so a receiver never sees an update before the publication;
- retried with back-off (webhooks.retry_base_seconds, doubling, at most six
  hours apart) up to webhooks.max_attempts, every attempt logged; the
  newsroom shows the log and re-sends a delivery on request.

Payloads are small, {"type", "timestamp", "data"} with the item's id, kind,
language, title and addresses; receivers read the rest from the read API.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from standardwebhooks.webhooks import Webhook as Signer

from appliance import __version__, content
from appliance.app import CONFIG, DB, SCHEDULER
from appliance.audit import audit
from appliance.config import Config
from appliance.db import utcnow
from appliance.errors import NotFoundError, UserError
from appliance.i18n import LANGUAGES
from appliance.i18n import gettext as _

from .links import absolute_url

log = logging.getLogger("portal.feeds.webhooks")

EVENTS = ("content.published", "content.updated", "content.unpublished",
          "content.deleted")
FILTERS = ("lang", "kind", "section")
SECRET_PREFIX = "whsec_"
MAX_BACKOFF_SECONDS = 6 * 3600
KEEP_DAYS = 30
MAX_URL = 2000
MAX_NAME = 120
ERROR_CHARS = 300
# One run sends at most this many rounds (one delivery per subscriber each),
# so a long queue cannot keep the job from the next turn for ever.
MAX_ROUNDS = 200
API_COLLECTIONS = {"article": "articles", "disclosure": "articles",
                   "directive": "documents", "legal_document": "documents",
                   "procedure": "procedures", "public_service": "services"}


@dataclass(frozen=True)
class Subscriber:
    id: int
    name: str
    url: str
    events: tuple[str, ...]
    filters: dict[str, list[str]]
    active: bool
    created_at: str

    def wants(self, event_type: str, data: dict[str, Any]) -> bool:
        if event_type not in self.events:
            return False
        return all(not allowed or data.get(name) in allowed
                   for name, allowed in self.filters.items())


def _subscriber(row: sqlite3.Row) -> Subscriber:
    return Subscriber(row["id"], row["name"], row["url"], tuple(json.loads(row["events"])),
                      json.loads(row["filters"]), bool(row["active"]), row["created_at"])


class Secrets:
    """Encrypts signing secrets at rest, with a key derived from the site's
    webhook_key; its repr names no key (it reaches data functions)."""

    def __init__(self, config: Config) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"portal webhook secrets").derive(
                           config.secrets["webhook_key"].encode())
        self._box = Fernet(base64.urlsafe_b64encode(derived))

    def __repr__(self) -> str:
        return "Secrets()"

    def seal(self, secret: str) -> str:
        return self._box.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._box.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise UserError(_("The webhook's secret cannot be read with this site's "
                              "webhook_key; give it a new secret.")) from None


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


# -- subscribers --------------------------------------------------------------

def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        raise UserError(_("The address must start with https:// (or http:// inside "
                          "the province's network) and name a server."))
    return url


def check_choice(events: Iterable[str], filters: dict[str, Iterable[str]],
                 sections: Iterable[str]) -> tuple[list[str], dict[str, list[str]]]:
    chosen = [event for event in EVENTS if event in set(events)]
    if not chosen:
        raise UserError(_("Choose at least one event to send."))
    allowed = {"lang": set(LANGUAGES), "kind": set(content.KINDS),
               "section": set(sections)}
    kept: dict[str, list[str]] = {}
    for name in FILTERS:
        values = sorted({v for v in filters.get(name, ()) if v})
        unknown = [v for v in values if v not in allowed[name]]
        if unknown:
            raise UserError(_("Unknown %(name)s: %(values)s.", name=name,
                              values=", ".join(unknown)))
        if values:
            kept[name] = values
    return chosen, kept


def add_subscriber(conn: sqlite3.Connection, box: Secrets, name: str, url: str,
                   events: Iterable[str], filters: dict[str, Iterable[str]],
                   user_id: int | None = None) -> tuple[Subscriber, str]:
    """A new subscriber and its signing secret, shown once."""
    name = " ".join((name or "").split())[:MAX_NAME]
    if not name:
        raise UserError(_("Give the subscriber a name that says who receives it."))
    url = check_url(url)
    sections = [s.key for s in content.list_sections(conn)]
    chosen, kept = check_choice(events, filters, sections)
    secret = new_secret()
    now = utcnow()
    cur = conn.execute(
        "INSERT INTO webhook (name, url, events, filters, secret, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (name, url, json.dumps(chosen), json.dumps(kept), box.seal(secret), now, now))
    audit(conn, user_id, "webhook.add", f"webhook:{cur.lastrowid}", url)
    return get_subscriber(conn, cur.lastrowid), secret


def new_signing_secret(conn: sqlite3.Connection, box: Secrets, webhook_id: int,
                       user_id: int | None = None) -> str:
    get_subscriber(conn, webhook_id)
    secret = new_secret()
    conn.execute("UPDATE webhook SET secret = ?, updated_at = ? WHERE id = ?",
                 (box.seal(secret), utcnow(), webhook_id))
    audit(conn, user_id, "webhook.secret", f"webhook:{webhook_id}")
    return secret


def set_active(conn: sqlite3.Connection, webhook_id: int, active: bool,
               user_id: int | None = None) -> Subscriber:
    get_subscriber(conn, webhook_id)
    conn.execute("UPDATE webhook SET active = ?, updated_at = ? WHERE id = ?",
                 (int(active), utcnow(), webhook_id))
    audit(conn, user_id, "webhook.enable" if active else "webhook.disable",
          f"webhook:{webhook_id}")
    return get_subscriber(conn, webhook_id)


def delete_subscriber(conn: sqlite3.Connection, webhook_id: int,
                      user_id: int | None = None) -> None:
    get_subscriber(conn, webhook_id)
    conn.execute("DELETE FROM webhook WHERE id = ?", (webhook_id,))
    audit(conn, user_id, "webhook.delete", f"webhook:{webhook_id}")


def get_subscriber(conn: sqlite3.Connection, webhook_id: int) -> Subscriber:
    row = conn.execute("SELECT * FROM webhook WHERE id = ?", (webhook_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No webhook subscriber number %(id)s.", id=webhook_id))
    return _subscriber(row)


@dataclass(frozen=True)
class Standing:
    """A subscriber in the newsroom's list: how its deliveries stand."""
    subscriber: Subscriber
    pending: int
    failed: int
    last_delivered_at: str | None


def list_subscribers(conn: sqlite3.Connection) -> list[Standing]:
    rows = conn.execute(
        "SELECT webhook.*,"
        " (SELECT count(*) FROM webhook_delivery d WHERE d.webhook_id = webhook.id"
        "  AND d.state = 'pending') AS pending,"
        " (SELECT count(*) FROM webhook_delivery d WHERE d.webhook_id = webhook.id"
        "  AND d.state = 'failed') AS failed,"
        " (SELECT max(delivered_at) FROM webhook_delivery d"
        "  WHERE d.webhook_id = webhook.id) AS last_delivered_at"
        " FROM webhook ORDER BY active DESC, name").fetchall()
    return [Standing(_subscriber(row), row["pending"], row["failed"],
                     row["last_delivered_at"]) for row in rows]


# -- the delivery log ---------------------------------------------------------

@dataclass(frozen=True)
class Attempt:
    at: str
    status: int | None
    error: str | None
    ms: int


@dataclass(frozen=True)
class Delivery:
    id: int
    message_id: str
    event_type: str
    item_id: int
    title: str
    state: str
    attempts: int
    next_attempt_at: str | None
    last_status: int | None
    last_error: str | None
    delivered_at: str | None
    created_at: str
    tried: tuple[Attempt, ...] = ()


def delivery_log(conn: sqlite3.Connection, webhook_id: int,
                 limit: int = 100) -> list[Delivery]:
    """The subscriber's latest deliveries, newest first, with every attempt."""
    rows = conn.execute(
        "SELECT d.*, e.type, e.item_id, e.data FROM webhook_delivery d"
        " JOIN content_event e ON e.id = d.event_id WHERE d.webhook_id = ?"
        " ORDER BY d.id DESC LIMIT ?", (webhook_id, limit)).fetchall()
    ids = [row["id"] for row in rows]
    attempts: dict[int, list[Attempt]] = {}
    if ids:
        for row in conn.execute(
                "SELECT * FROM webhook_attempt WHERE delivery_id IN"
                f" ({','.join('?' * len(ids))}) ORDER BY id", ids):
            attempts.setdefault(row["delivery_id"], []).append(
                Attempt(row["at"], row["status"], row["error"], row["ms"]))
    return [Delivery(row["id"], row["message_id"], row["type"], row["item_id"],
                     str(json.loads(row["data"]).get("title") or ""), row["state"],
                     row["attempts"],
                     row["next_attempt_at"] if row["state"] == "pending" else None,
                     row["last_status"], row["last_error"], row["delivered_at"],
                     row["created_at"], tuple(attempts.get(row["id"], [])))
            for row in rows]


def resend(conn: sqlite3.Connection, delivery_id: int, user_id: int | None = None) -> None:
    """Send a delivery again, now, with the same message id (receivers that
    already have it can tell)."""
    row = conn.execute("SELECT webhook_id FROM webhook_delivery WHERE id = ?",
                       (delivery_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No delivery number %(id)s.", id=delivery_id))
    conn.execute("UPDATE webhook_delivery SET state = 'pending', attempts = 0,"
                 " next_attempt_at = ? WHERE id = ?", (utcnow(), delivery_id))
    audit(conn, user_id, "webhook.resend", f"webhook:{row['webhook_id']}",
          f"delivery:{delivery_id}")


# -- the job's data functions -------------------------------------------------

def has_work(conn: sqlite3.Connection, now: str) -> bool:
    """Anything to fan out or send now (reads only, so an idle job never
    writes and never empties the page cache)."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM content_event WHERE fanned = 0)"
        " OR EXISTS (SELECT 1 FROM webhook_delivery d JOIN webhook w"
        "  ON w.id = d.webhook_id WHERE d.state = 'pending' AND w.active = 1"
        "  AND d.next_attempt_at <= ?)", (now,)).fetchone()
    return bool(row[0])


def fan_out(conn: sqlite3.Connection) -> int:
    """A delivery for each new event and each active subscriber that wants
    it; returns how many were made."""
    subscribers = [_subscriber(row) for row in
                   conn.execute("SELECT * FROM webhook WHERE active = 1 ORDER BY id")]
    events = conn.execute("SELECT id, type, data FROM content_event WHERE fanned = 0"
                          " ORDER BY id").fetchall()
    made = 0
    now = utcnow()
    for event in events:
        data = json.loads(event["data"])
        for subscriber in subscribers:
            if subscriber.wants(event["type"], data):
                conn.execute(
                    "INSERT INTO webhook_delivery (webhook_id, event_id, message_id,"
                    " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
                    (subscriber.id, event["id"], "msg_" + secrets.token_urlsafe(18),
                     now, now))
                made += 1
        conn.execute("UPDATE content_event SET fanned = 1 WHERE id = ?", (event["id"],))
    return made


@dataclass(frozen=True)
class Due:
    delivery_id: int
    webhook_id: int
    url: str
    sealed_secret: str
    message_id: str
    event_type: str
    event_at: str
    data: dict[str, Any]
    attempts: int


def next_due(conn: sqlite3.Connection, now: str) -> list[Due]:
    """For each active subscriber, its oldest pending delivery, when that one
    is due: later ones wait their turn, which keeps the order."""
    rows = conn.execute(
        "SELECT d.id, d.webhook_id, w.url, w.secret, d.message_id, e.type, e.at,"
        " e.data, d.attempts, d.next_attempt_at FROM webhook w"
        " JOIN webhook_delivery d ON d.id = (SELECT min(id) FROM webhook_delivery"
        "  WHERE webhook_id = w.id AND state = 'pending')"
        " JOIN content_event e ON e.id = d.event_id"
        " WHERE w.active = 1 AND d.next_attempt_at <= ? ORDER BY w.id", (now,)).fetchall()
    return [Due(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                json.loads(row[7]), row[8]) for row in rows]


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: int | None
    error: str | None
    ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def record(conn: sqlite3.Connection, outcomes: list[Outcome], max_attempts: int,
           base_seconds: int) -> None:
    """Log each attempt; a success is done, a failure waits its back-off or,
    after the last attempt, is given up."""
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    for outcome in outcomes:
        conn.execute("INSERT INTO webhook_attempt (delivery_id, at, status, error, ms)"
                     " VALUES (?, ?, ?, ?, ?)",
                     (outcome.delivery_id, stamp, outcome.status, outcome.error,
                      outcome.ms))
        attempts = conn.execute(
            "UPDATE webhook_delivery SET attempts = attempts + 1, last_status = ?,"
            " last_error = ? WHERE id = ? RETURNING attempts",
            (outcome.status, outcome.error, outcome.delivery_id)).fetchone()[0]
        if outcome.ok:
            conn.execute("UPDATE webhook_delivery SET state = 'delivered',"
                         " delivered_at = ? WHERE id = ?", (stamp, outcome.delivery_id))
        elif attempts >= max_attempts:
            conn.execute("UPDATE webhook_delivery SET state = 'failed' WHERE id = ?",
                         (outcome.delivery_id,))
        else:
            wait = min(MAX_BACKOFF_SECONDS, base_seconds * 2 ** (attempts - 1))
            later = (now + timedelta(seconds=wait)).strftime("%Y-%m-%dT%H:%M:%SZ")
            conn.execute("UPDATE webhook_delivery SET next_attempt_at = ? WHERE id = ?",
                         (later, outcome.delivery_id))


_OLD_EVENTS = ("FROM content_event WHERE at < ? AND fanned = 1 AND NOT EXISTS"
               " (SELECT 1 FROM webhook_delivery WHERE event_id = content_event.id"
               "  AND state = 'pending')")


def prune_limit(days: int = KEEP_DAYS) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def has_old_events(conn: sqlite3.Connection, limit: str) -> bool:
    return conn.execute(f"SELECT EXISTS (SELECT 1 {_OLD_EVENTS})", (limit,)
                        ).fetchone()[0] == 1


def prune(conn: sqlite3.Connection, limit: str) -> None:
    """Forget events (with their deliveries) from before `limit` that nothing
    waits on any more."""
    conn.execute(f"DELETE {_OLD_EVENTS}", (limit,))


# -- sending ------------------------------------------------------------------

def payload(base_url: str, due: Due) -> dict[str, Any]:
    data = due.data
    path = content.item_url(data["kind"], data["lang"], data["slug"], data.get("section"))
    api = f"/api/v1/{API_COLLECTIONS.get(data['kind'], 'articles')}/{data['id']}"
    return {"type": due.event_type, "timestamp": due.event_at, "data": {
        "id": data["id"], "kind": data["kind"], "lang": data["lang"],
        "title": data["title"], "section": data.get("section"),
        "external_id": data.get("external_id"),
        "url": absolute_url(base_url, path), "api_url": absolute_url(base_url, api),
        "published_at": data.get("published_at"), "updated_at": data.get("updated_at"),
        "revision": data.get("revision"),
    }}


def signed_headers(secret: str, message_id: str, body: str,
                   moment: datetime) -> dict[str, str]:
    signature = Signer(secret).sign(msg_id=message_id, timestamp=moment, data=body)
    return {"webhook-id": message_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": signature,
            "Content-Type": "application/json",
            "User-Agent": f"portal-webhooks/{__version__}"}


async def send(session: aiohttp.ClientSession, box: Secrets, base_url: str,
               due: Due) -> Outcome:
    body = json.dumps(payload(base_url, due), ensure_ascii=False, separators=(",", ":"))
    started = time.perf_counter()
    try:
        headers = signed_headers(box.open(due.sealed_secret), due.message_id, body,
                                 datetime.now(UTC))
        async with session.post(due.url, data=body.encode(), headers=headers,
                                allow_redirects=False) as response:
            await response.content.read(1024)
            status, error = response.status, None
            if not 200 <= status < 300:
                error = f"HTTP {status}"
    except (TimeoutError, aiohttp.ClientError, OSError, UserError) as exc:
        status, error = None, (str(exc) or type(exc).__name__)[:ERROR_CHARS]
    ms = round((time.perf_counter() - started) * 1000)
    log.info("webhook delivery", extra={"delivery": due.delivery_id,
                                        "webhook": due.webhook_id, "status": status,
                                        "ms": ms})
    return Outcome(due.delivery_id, status, error, ms)


# -- the job ------------------------------------------------------------------

SESSION = web.AppKey("webhook_session", aiohttp.ClientSession)
SECRETS = web.AppKey("webhook_secrets", Secrets)
_LAST_PRUNE = web.AppKey("webhook_last_prune", list)
PRUNE_EVERY = 3600


async def deliver_due(app: web.Application) -> None:
    """The scheduler's job: fan new events out, then send what is due, one
    round per subscriber at a time, until nothing is due."""
    db, config = app[DB], app[CONFIG]
    await _prune_now_and_then(app)
    if not await db.read(has_work, utcnow()):
        return
    await db.write(fan_out)
    for _round in range(MAX_ROUNDS):
        due = await db.read(next_due, utcnow())
        if not due:
            return
        outcomes = await asyncio.gather(*(
            send(app[SESSION], app[SECRETS], config.base_url, each) for each in due))
        await db.write(record, list(outcomes), config["webhooks.max_attempts"],
                       config["webhooks.retry_base_seconds"])


async def _prune_now_and_then(app: web.Application) -> None:
    last = app[_LAST_PRUNE]
    if time.monotonic() - last[0] >= PRUNE_EVERY:
        last[0] = time.monotonic()
        limit = prune_limit()
        if await app[DB].read(has_old_events, limit):
            await app[DB].write(prune, limit)


async def _client(app: web.Application) -> AsyncIterator[None]:
    timeout = aiohttp.ClientTimeout(total=app[CONFIG]["webhooks.timeout_seconds"])
    app[SESSION] = aiohttp.ClientSession(timeout=timeout)
    yield
    await app[SESSION].close()


def setup_webhooks(app: web.Application) -> None:
    config = app[CONFIG]
    app[SECRETS] = Secrets(config)
    app[_LAST_PRUNE] = [time.monotonic()]
    # First of the contexts: the client is open before the scheduler starts
    # the job, and closes after it has stopped.
    app.cleanup_ctx.insert(0, _client)
    app[SCHEDULER].every("webhooks", config["webhooks.poll_seconds"], deliver_due)
