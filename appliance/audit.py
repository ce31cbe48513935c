"""The audit trail: who did what to which thing, when, and from which address.

The trail is append-only (the database refuses updates and deletions), and
entries never hold passwords, tokens or citizens' personal data. Staff
requests set the client address once (`acting_from`); every entry written
while handling the request records it, so no data function has to pass it on.
Commands run on the server record "cli:" and the operating system account
that ran them (`acting_from_command_line`), as they have no staff user.
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
import os
import sqlite3
from collections.abc import Iterator

from .db import utcnow

_address: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "audit_address", default=None)


def acting_from(address: str | None) -> None:
    """Record `address` on the audit entries of the current request."""
    _address.set(address)


def acting_from_command_line() -> str:
    """Record on the audit entries of this command that it ran from the
    command line, and under which operating system account."""
    try:
        account = getpass.getuser()
    except (OSError, KeyError):  # no name for the uid (a bare container)
        account = f"uid {os.getuid()}"
    address = f"cli:{account}"
    acting_from(address)
    return address


@contextlib.contextmanager
def command_line() -> Iterator[str]:
    """Audit entries written inside name the command line's account; the
    address before is back afterwards (a test runs many commands)."""
    token = _address.set(None)
    try:
        yield acting_from_command_line()
    finally:
        _address.reset(token)


def audit(conn: sqlite3.Connection, user_id: int | None, action: str,
          target: str | None = None, detail: str | None = None) -> None:
    conn.execute(
        "INSERT INTO audit (at, user_id, action, target, detail, address)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (utcnow(), user_id, action, target, detail, _address.get()),
    )


def recent(conn: sqlite3.Connection, limit: int = 50) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT audit.*, user.username FROM audit LEFT JOIN user ON user.id = audit.user_id"
        " ORDER BY audit.id DESC LIMIT ?", (limit,)).fetchall()
