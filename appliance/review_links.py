"""Review links: a secret address that lets someone outside the newsroom read
an unpublished item until the link expires or is revoked.

Only the SHA-256 of the secret is stored, so a copy of the database (or a
backup) does not open any preview; the secret is shown once, when the link is
made. Every view is counted and the first one is written to the audit trail.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .audit import audit
from .db import utcnow
from .errors import NotFoundError, UserError
from .i18n import gettext as _

MIN_HOURS = 1
MAX_HOURS = 30 * 24
DEFAULT_HOURS = 3 * 24
# token_urlsafe(32): 43 characters of the URL-safe alphabet.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass
class ReviewLink:
    id: int
    item_id: int
    created_by: int | None
    creator: str | None
    created_at: str
    expires_at: str
    revoked_at: str | None
    views: int
    last_view_at: str | None

    def state(self, now: str) -> str:
        """"active", "revoked" or "expired" at the time `now` (stored form)."""
        if self.revoked_at:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_token(text: str) -> bool:
    """Whether text could be a link's secret at all (checked before any lookup)."""
    return bool(_TOKEN.fullmatch(text))


def expiry(hours: int, now: datetime | None = None) -> str:
    """The stored expiry time `hours` from now, within the allowed range."""
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise UserError(_("A review link lasts from 1 hour to 30 days. Choose a "
                          "time in that range."))
    moment = (now or datetime.now(UTC)) + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_COLUMNS = (
    "l.id, l.item_id, l.created_by, l.created_at, l.expires_at, l.revoked_at,"
    " l.views, l.last_view_at, coalesce(nullif(u.display_name, ''), u.username)"
    " AS creator FROM review_link l LEFT JOIN user u ON u.id = l.created_by"
)


def _from_row(row: sqlite3.Row) -> ReviewLink:
    return ReviewLink(
        id=row["id"], item_id=row["item_id"], created_by=row["created_by"],
        creator=row["creator"], created_at=row["created_at"],
        expires_at=row["expires_at"], revoked_at=row["revoked_at"],
        views=row["views"], last_view_at=row["last_view_at"],
    )


def create_link(conn: sqlite3.Connection, item_id: int, expires_at: str,
                user_id: int | None) -> tuple[str, ReviewLink]:
    """Make a link; returns its secret (never stored) and the link."""
    token = secrets.token_urlsafe(32)
    cur = conn.execute(
        "INSERT INTO review_link (item_id, token_hash, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (item_id, token_hash(token), user_id, utcnow(), expires_at))
    audit(conn, user_id, "review_link.create", f"item:{item_id}",
          f"link:{cur.lastrowid} until {expires_at}")
    return token, get_link(conn, item_id, cur.lastrowid)


def get_link(conn: sqlite3.Connection, item_id: int, link_id: int) -> ReviewLink:
    row = conn.execute(f"SELECT {_COLUMNS} WHERE l.id = ? AND l.item_id = ?",
                       (link_id, item_id)).fetchone()
    if row is None:
        raise NotFoundError(_("This item has no review link number %(id)s.", id=link_id))
    return _from_row(row)


def list_links(conn: sqlite3.Connection, item_id: int) -> list[ReviewLink]:
    """An item's links, newest first."""
    rows = conn.execute(f"SELECT {_COLUMNS} WHERE l.item_id = ? ORDER BY l.id DESC",
                        (item_id,))
    return [_from_row(row) for row in rows]


def revoke_link(conn: sqlite3.Connection, item_id: int, link_id: int,
                user_id: int | None) -> ReviewLink:
    """Close a link at once; revoking a closed link changes nothing."""
    link = get_link(conn, item_id, link_id)
    if link.revoked_at is None:
        conn.execute("UPDATE review_link SET revoked_at = ? WHERE id = ?",
                     (utcnow(), link_id))
        audit(conn, user_id, "review_link.revoke", f"item:{item_id}", f"link:{link_id}")
    return get_link(conn, item_id, link_id)


def find_link(conn: sqlite3.Connection, token: str) -> tuple[str, ReviewLink | None]:
    """The link a secret opens and its state now: ("unknown", None), or
    ("active" | "revoked" | "expired", link)."""
    if not is_token(token):
        return "unknown", None
    row = conn.execute(f"SELECT {_COLUMNS} WHERE l.token_hash = ?",
                       (token_hash(token),)).fetchone()
    if row is None:
        return "unknown", None
    link = _from_row(row)
    return link.state(utcnow()), link


def count_view(conn: sqlite3.Connection, link: ReviewLink) -> ReviewLink:
    """Count one view of a link; the first is written to the audit trail."""
    now = utcnow()
    conn.execute("UPDATE review_link SET views = views + 1, last_view_at = ? WHERE id = ?",
                 (now, link.id))
    row = conn.execute(f"SELECT {_COLUMNS} WHERE l.id = ?", (link.id,)).fetchone()
    counted = _from_row(row)
    if counted.views == 1:
        audit(conn, None, "review_link.view", f"item:{link.item_id}", f"link:{link.id}")
    return counted
