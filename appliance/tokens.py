"""Personal API tokens: staff create and revoke them in their profile, and
programs send them as `Authorization: Bearer <secret>` to /api/v1/admin/,
where they act as their owner, with the owner's permissions.

Only a SHA-256 hash of each secret is stored. A token is looked up by the
hash of what was sent, so the comparison never runs over the secret itself
and its timing says nothing about how much of a guess was right.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from .audit import audit
from .db import utcnow
from .errors import NotFoundError, UserError
from .i18n import gettext as _
from .users import User, get_user

PREFIX = "pat_"
MAX_NAME = 80
# Recording each use costs a write; once a minute is precise enough to tell
# a token in use from a forgotten one.
TOUCH_EVERY_SECONDS = 60


@dataclass(frozen=True)
class Token:
    id: int
    name: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def create_token(conn: sqlite3.Connection, user_id: int, name: str) -> str:
    """A new token for the user; the secret is returned once and never kept."""
    name = _checked_name(name)
    get_user(conn, user_id)  # a clear error for an account that does not exist
    secret = PREFIX + secrets.token_urlsafe(24)  # 32 url-safe characters
    cur = conn.execute(
        "INSERT INTO api_token (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
        (user_id, name, _hash(secret), utcnow()))
    audit(conn, user_id, "token.create", f"token:{cur.lastrowid}", name)
    return secret


def revoke_token(conn: sqlite3.Connection, user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens (revoking twice changes nothing)."""
    row = conn.execute("SELECT revoked_at FROM api_token WHERE id = ? AND user_id = ?",
                       (token_id, user_id)).fetchone()
    if row is None:
        raise NotFoundError(_("No API token number %(id)s among yours.", id=token_id))
    if row["revoked_at"] is None:
        conn.execute("UPDATE api_token SET revoked_at = ? WHERE id = ?",
                     (utcnow(), token_id))
        audit(conn, user_id, "token.revoke", f"token:{token_id}")


def list_tokens(conn: sqlite3.Connection, user_id: int) -> list[Token]:
    rows = conn.execute(
        "SELECT id, name, created_at, last_used_at, revoked_at FROM api_token"
        " WHERE user_id = ? ORDER BY revoked_at IS NOT NULL, id DESC", (user_id,))
    return [Token(*row) for row in rows]


def token_user(conn: sqlite3.Connection, secret: str) -> User | None:
    """The account a token acts for; None when the token is unknown or
    revoked, or its owner disabled. Reads only, so it may run on a reader."""
    if not isinstance(secret, str) or not secret.startswith(PREFIX):
        return None
    row = conn.execute("SELECT user_id FROM api_token WHERE token_hash = ?"
                       " AND revoked_at IS NULL", (_hash(secret),)).fetchone()
    if row is None:
        return None
    user = get_user(conn, row["user_id"])
    return None if user.disabled else user


def record_use(conn: sqlite3.Connection, secret: str) -> None:
    """Note that a token was used (at most once a minute); a write, for the
    API to run after token_user accepted the token."""
    conn.execute(
        "UPDATE api_token SET last_used_at = ? WHERE token_hash = ? AND revoked_at IS NULL"
        " AND (last_used_at IS NULL OR"
        " unixepoch(?) - unixepoch(last_used_at) >= ?)",
        (utcnow(), _hash(secret), utcnow(), TOUCH_EVERY_SECONDS))


def _checked_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise UserError(_("Give the token a name that says where it is used."))
    if len(name) > MAX_NAME:
        raise UserError(_("The token name is too long: use at most %(n)s characters.",
                          n=MAX_NAME))
    return name


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
