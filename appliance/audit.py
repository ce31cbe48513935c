"""The audit trail: who did what to which thing, for staff accountability.

Entries never hold passwords, tokens or citizens' personal data.
"""

from __future__ import annotations

import sqlite3

from .db import utcnow


def audit(conn: sqlite3.Connection, user_id: int | None, action: str,
          target: str | None = None, detail: str | None = None) -> None:
    conn.execute(
        "INSERT INTO audit (at, user_id, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        (utcnow(), user_id, action, target, detail),
    )


def recent(conn: sqlite3.Connection, limit: int = 50) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT audit.*, user.username FROM audit LEFT JOIN user ON user.id = audit.user_id"
        " ORDER BY audit.id DESC LIMIT ?", (limit,)).fetchall()
