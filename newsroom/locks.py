"""Edit locks: one person edits a story at a time, and everyone sees who.

Opening an item's edit page takes its lock under a new lease; the page then
sends a heartbeat every half minute, and a lock without one for LOCK_SECONDS
lapses, so a closed laptop does not keep a story locked. Leaving the page
gives the lock back only while it is still that page's lease, so the page
that opens next (after a save or a reload) keeps it. An editor of the item's section
may take a lock over; the take-over is written to the audit trail, noted on
the item and notified to the person who held it. Saving needs the lock too,
and checks the revision besides (content.save_item), so a stale save is
refused even if a lock lapsed in between.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from appliance import content
from appliance.content import Item
from appliance.audit import audit
from appliance.db import utcnow
from appliance.errors import ConflictError
from appliance.i18n import gettext as _
from appliance.users import User

from . import notify
from .permissions import can, require

LOCK_SECONDS = 120
HEARTBEAT_SECONDS = 30


@dataclass(frozen=True)
class Lock:
    item_id: int
    user_id: int
    holder: str  # the holder's display name
    taken_at: str
    heartbeat_at: str
    lease: str | None = None

    def held_by(self, user: User) -> bool:
        return self.user_id == user.id


def _lapse_time() -> str:
    moment = datetime.now(UTC) - timedelta(seconds=LOCK_SECONDS)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def current(conn: sqlite3.Connection, item_id: int) -> Lock | None:
    """The item's lock, unless it has lapsed."""
    row = conn.execute(
        "SELECT item_lock.*, coalesce(nullif(user.display_name, ''), user.username)"
        " AS holder FROM item_lock JOIN user ON user.id = item_lock.user_id"
        " WHERE item_id = ? AND heartbeat_at > ?",
        (item_id, _lapse_time()),
    ).fetchone()
    if row is None:
        return None
    return Lock(row["item_id"], row["user_id"], row["holder"], row["taken_at"],
                row["heartbeat_at"], row["lease"])


class LockHeld(ConflictError):
    """Someone else is editing the item; `lock` says who and since when."""

    def __init__(self, lock: Lock) -> None:
        super().__init__(_(
            "%(name)s is editing this item now, so nothing was changed. Wait until "
            "they finish, or take over the editing if your role allows it.",
            name=lock.holder),
            {"lock": {"mine": False, "holder": lock.holder, "since": lock.taken_at}})
        self.lock = lock


def open_for_editing(conn: sqlite3.Connection, item_id: int, user: User) -> Lock:
    """The edit page opens: take the lock (or keep one's own) under a new
    lease for that page. Returns the lock, someone else's when they hold it."""
    return acquire(conn, item_id, user, secrets.token_urlsafe(12), renew_lease=True)


def acquire(conn: sqlite3.Connection, item_id: int, user: User,
            lease: str | None = None, *, renew_lease: bool = False) -> Lock:
    """Take the lock, or keep it alive; returns the lock as it now stands,
    which is someone else's when they hold it. Keeping one's own lock alive
    leaves its lease as it is unless `renew_lease`."""
    held = current(conn, item_id)
    if held is not None and not held.held_by(user):
        return held
    now = utcnow()
    if held is not None:
        conn.execute(
            "UPDATE item_lock SET heartbeat_at = ?, lease = ? WHERE item_id = ?",
            (now, lease if renew_lease else held.lease, item_id))
    else:
        conn.execute(
            "INSERT OR REPLACE INTO item_lock (item_id, user_id, taken_at,"
            " heartbeat_at, lease) VALUES (?, ?, ?, ?, ?)",
            (item_id, user.id, now, now, lease))
    return current(conn, item_id)  # type: ignore[return-value]


def refresh(conn: sqlite3.Connection, item_id: int, user: User) -> None:
    """Keep the user's own lock alive, if they hold one; take none."""
    conn.execute(
        "UPDATE item_lock SET heartbeat_at = ? WHERE item_id = ? AND user_id = ?"
        " AND heartbeat_at > ?", (utcnow(), item_id, user.id, _lapse_time()))


def release(conn: sqlite3.Connection, item_id: int, user: User,
            lease: str | None = None) -> None:
    """Give the lock back; with a lease, only while it is still that lease."""
    if lease is None:
        conn.execute("DELETE FROM item_lock WHERE item_id = ? AND user_id = ?",
                     (item_id, user.id))
    else:
        conn.execute("DELETE FROM item_lock WHERE item_id = ? AND user_id = ?"
                     " AND lease = ?", (item_id, user.id, lease))


def take_over(conn: sqlite3.Connection, item_id: int, user: User) -> Lock:
    """Take someone else's lock; recorded, noted on the item and notified."""
    item = content.get_item(conn, item_id)
    require(user, "item.lock.takeover", item)
    # Taking over is taking over the editing: for those who may edit it.
    require(user, "item.edit", item)
    held = current(conn, item_id)
    if held is None or held.held_by(user):
        return open_for_editing(conn, item_id, user)
    now = utcnow()
    conn.execute(
        "UPDATE item_lock SET user_id = ?, taken_at = ?, heartbeat_at = ?, lease = ?"
        " WHERE item_id = ?",
        (user.id, now, now, secrets.token_urlsafe(12), item_id),
    )
    _record_takeover(conn, item, held, user)
    return current(conn, item_id)  # type: ignore[return-value]


def clear_for_step(conn: sqlite3.Connection, item: Item, user: User) -> None:
    """Before a workflow step: a step taken while someone else edits ends
    their editing, so it needs the right to take over, and it is recorded
    and told like a take-over. Without that right the step is refused."""
    held = current(conn, item.id)
    if held is None or held.held_by(user):
        return
    if not can(user, "item.lock.takeover", item):
        raise LockHeld(held)
    conn.execute("DELETE FROM item_lock WHERE item_id = ?", (item.id,))
    _record_takeover(conn, item, held, user)


def _record_takeover(conn: sqlite3.Connection, item: Item, held: Lock,
                     user: User) -> None:
    audit(conn, user.id, "item.lock.takeover", f"item:{item.id}", f"user:{held.user_id}")
    conn.execute(
        "INSERT INTO item_note (item_id, user_id, at, kind, body) VALUES (?, ?, ?, ?, ?)",
        (item.id, user.id, utcnow(), "takeover", held.holder),
    )
    notify.on_takeover(conn, item, held.user_id, user)


def check_free(conn: sqlite3.Connection, item_id: int, user: User) -> None:
    """Refuse a save or a step while someone else holds the lock."""
    held = current(conn, item_id)
    if held is not None and not held.held_by(user):
        raise LockHeld(held)
