"""Edit locks: one person edits a story at a time, and everyone sees who.

Opening an item's edit page takes its lock; the page then sends a heartbeat
every half minute, and a lock without one for LOCK_SECONDS lapses, so a
closed laptop does not keep a story locked. An editor of the item's section
may take a lock over; the take-over is written to the audit trail, noted on
the item and notified to the person who held it. Saving needs the lock too,
and checks the revision besides (content.save_item), so a stale save is
refused even if a lock lapsed in between.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from appliance import content
from appliance.audit import audit
from appliance.db import utcnow
from appliance.errors import ConflictError
from appliance.i18n import gettext as _
from appliance.users import User

from . import notify
from .permissions import require

LOCK_SECONDS = 120
HEARTBEAT_SECONDS = 30


@dataclass(frozen=True)
class Lock:
    item_id: int
    user_id: int
    holder: str  # the holder's display name
    taken_at: str
    heartbeat_at: str

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
                row["heartbeat_at"])


def acquire(conn: sqlite3.Connection, item_id: int, user: User) -> Lock:
    """Take the lock, or keep it alive; returns the lock as it now stands,
    which is someone else's when they hold it."""
    held = current(conn, item_id)
    if held is not None and not held.held_by(user):
        return held
    now = utcnow()
    conn.execute(
        "INSERT INTO item_lock (item_id, user_id, taken_at, heartbeat_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET"
        " user_id = excluded.user_id, heartbeat_at = excluded.heartbeat_at,"
        " taken_at = CASE WHEN item_lock.user_id = excluded.user_id"
        " AND item_lock.heartbeat_at > ? THEN item_lock.taken_at"
        " ELSE excluded.taken_at END",
        (item_id, user.id, now, now, _lapse_time()),
    )
    return current(conn, item_id)  # type: ignore[return-value]


def release(conn: sqlite3.Connection, item_id: int, user: User) -> None:
    conn.execute(
        "DELETE FROM item_lock WHERE item_id = ? AND user_id = ?", (item_id, user.id)
    )


def take_over(conn: sqlite3.Connection, item_id: int, user: User) -> Lock:
    """Take someone else's lock; recorded, noted on the item and notified."""
    item = content.get_item(conn, item_id)
    require(user, "item.lock.takeover", item)
    held = current(conn, item_id)
    if held is None or held.held_by(user):
        return acquire(conn, item_id, user)
    now = utcnow()
    conn.execute(
        "UPDATE item_lock SET user_id = ?, taken_at = ?, heartbeat_at = ?"
        " WHERE item_id = ?",
        (user.id, now, now, item_id),
    )
    audit(conn, user.id, "item.lock.takeover", f"item:{item_id}", f"user:{held.user_id}")
    conn.execute(
        "INSERT INTO item_note (item_id, user_id, at, kind, body) VALUES (?, ?, ?, ?, ?)",
        (item_id, user.id, now, "takeover", held.holder),
    )
    notify.on_takeover(conn, item, held.user_id, user)
    return current(conn, item_id)  # type: ignore[return-value]


def check_may_save(conn: sqlite3.Connection, item_id: int, user: User) -> None:
    """Refuse a save while someone else holds the lock."""
    held = current(conn, item_id)
    if held is not None and not held.held_by(user):
        raise ConflictError(
            _(
                "%(name)s is editing this item now, so your changes were not saved. "
                "They are still in the form below: copy them, or ask %(name)s to "
                "finish first.",
                name=held.holder,
            )
        )
