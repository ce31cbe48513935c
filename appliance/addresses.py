"""Addresses of items beyond their own: short links (/s/{code}) and the old
addresses an item had before an editor changed its slug or section.

Data functions in the usual form (sync, a connection first). The content
store calls `remember_move` and `ensure_short_link` in the transaction that
changes or publishes an item, so every writer (newsroom, importer, API)
keeps them true.
"""

from __future__ import annotations

import secrets
import sqlite3

from .db import utcnow

# No 0/o, 1/l/i: codes are read off posters and typed by hand.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def ensure_short_link(conn: sqlite3.Connection, item_id: int) -> str:
    """The item's short code, made now if it has none."""
    row = conn.execute("SELECT code FROM short_link WHERE item_id = ?",
                       (item_id,)).fetchone()
    if row is not None:
        return row[0]
    while True:
        code = new_code()
        cur = conn.execute("INSERT OR IGNORE INTO short_link (code, item_id, created_at)"
                           " VALUES (?, ?, ?)", (code, item_id, utcnow()))
        if cur.rowcount:
            return code


def short_code(conn: sqlite3.Connection, item_id: int) -> str | None:
    row = conn.execute("SELECT code FROM short_link WHERE item_id = ?",
                       (item_id,)).fetchone()
    return row[0] if row else None


def item_for_code(conn: sqlite3.Connection, code: str) -> int | None:
    row = conn.execute("SELECT item_id FROM short_link WHERE code = ?",
                       (code.lower(),)).fetchone()
    return row[0] if row else None


def remember_move(conn: sqlite3.Connection, item_id: int, old_path: str,
                  new_path: str) -> None:
    """Keep an item's previous address; it redirects to the new one. An
    address the item takes back is no longer an old one."""
    if old_path == new_path:
        return
    conn.execute("DELETE FROM item_address WHERE path = ?", (new_path,))
    conn.execute("INSERT OR REPLACE INTO item_address (path, item_id, created_at)"
                 " VALUES (?, ?, ?)", (old_path, item_id, utcnow()))


def item_at_old_address(conn: sqlite3.Connection, path: str) -> int | None:
    row = conn.execute("SELECT item_id FROM item_address WHERE path = ?",
                       (path,)).fetchone()
    return row[0] if row else None


def old_addresses(conn: sqlite3.Connection, item_id: int) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT path FROM item_address WHERE item_id = ? ORDER BY created_at DESC",
        (item_id,))]
