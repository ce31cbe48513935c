"""Staff accounts: roles, argon2 password hashes, add/list/disable, login checks."""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .audit import audit
from .db import utcnow
from .errors import ConflictError, NotFoundError, UserError
from .i18n import gettext as _

ROLES = ("contributor", "reporter", "editor", "section-editor", "editor-in-chief",
         "admin")
MIN_PASSWORD_LENGTH = 10
# Longer input is refused unchecked at login, so hashing cannot be made to
# spend unbounded time; accounts must fit the same limit.
MAX_PASSWORD_LENGTH = 1024
_USERNAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,39}$")

_hasher = PasswordHasher()
# Verifying against this keeps failed logins for unknown names as slow as
# those for known names, so timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    disabled: bool
    created_at: str
    last_login_at: str | None
    session_version: int = 0

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> User:
        return cls(row["id"], row["username"], row["display_name"], row["role"],
                   bool(row["disabled"]), row["created_at"], row["last_login_at"],
                   row["session_version"])

    @property
    def label(self) -> str:
        return self.display_name or self.username


def check_username(name: str) -> str:
    if not _USERNAME.match(name or ""):
        raise UserError(_("Invalid user name “%(name)s”: use 2 to 40 letters, digits, "
                          "dots, underscores or hyphens.", name=name))
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(_("Unknown role “%(role)s”: choose one of %(roles)s.", role=role, roles=", ".join(ROLES)))
    return role


def check_password(password: str) -> str:
    if len(password or "") > MAX_PASSWORD_LENGTH:
        raise UserError(_("The password is too long: use at most %(n)s characters.",
                          n=MAX_PASSWORD_LENGTH))
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(_("The password is too short: use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    return password


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def add_user(conn: sqlite3.Connection, username: str, role: str, password: str,
             display_name: str = "") -> User:
    check_username(username)
    check_role(role)
    check_password(password)
    if conn.execute("SELECT 1 FROM user WHERE username = ?", (username,)).fetchone():
        raise ConflictError(_("User “%(name)s” already exists.", name=username))
    cur = conn.execute(
        "INSERT INTO user (username, display_name, role, password_hash, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (username, display_name, role, _hasher.hash(password), utcnow()),
    )
    audit(conn, None, "user.add", f"user:{cur.lastrowid}", role)
    return get_user(conn, cur.lastrowid)


def get_user(conn: sqlite3.Connection, user_id: int) -> User:
    row = conn.execute("SELECT * FROM user WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No user with id %(id)s.", id=user_id))
    return User.from_row(row)


def find_user(conn: sqlite3.Connection, username: str) -> User:
    row = conn.execute("SELECT * FROM user WHERE username = ?", (username,)).fetchone()
    if row is None:
        raise NotFoundError(_("No user named “%(name)s”.", name=username))
    return User.from_row(row)


def list_users(conn: sqlite3.Connection) -> list[User]:
    rows = conn.execute("SELECT * FROM user ORDER BY username COLLATE NOCASE")
    return [User.from_row(row) for row in rows]


def disable_user(conn: sqlite3.Connection, username: str) -> User:
    user = find_user(conn, username)
    conn.execute("UPDATE user SET disabled = 1, session_version = session_version + 1"
                 " WHERE id = ?", (user.id,))
    audit(conn, None, "user.disable", f"user:{user.id}")
    return find_user(conn, username)




def end_sessions(conn: sqlite3.Connection, user_id: int) -> None:
    """End every session of the account: a copied cookie stops working too."""
    conn.execute("UPDATE user SET session_version = session_version + 1 WHERE id = ?",
                 (user_id,))


@dataclass(frozen=True)
class LoginRecord:
    """What a login check needs to know about an account."""
    user_id: int | None
    password_hash: str
    disabled: bool


def login_record(conn: sqlite3.Connection, username: str) -> LoginRecord:
    """The stored hash for a user name; unknown names get a dummy hash, so
    checking them costs the same and timing does not tell them apart."""
    row = conn.execute("SELECT id, password_hash, disabled FROM user WHERE username = ?",
                       (username or "",)).fetchone()
    if row is None:
        return LoginRecord(None, _DUMMY_HASH, True)
    return LoginRecord(row["id"], row["password_hash"], bool(row["disabled"]))


def password_matches(record: LoginRecord, password: str) -> bool:
    """The slow, CPU-bound argon2 check; the server runs it off the database
    threads so a burst of logins does not hold up editors' saves."""
    try:
        _hasher.verify(record.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False
    return record.user_id is not None and not record.disabled


def record_login(conn: sqlite3.Connection, record: LoginRecord, password: str) -> User:
    """Note a successful login (and upgrade the hash if its cost changed)."""
    if _hasher.check_needs_rehash(record.password_hash):
        conn.execute("UPDATE user SET password_hash = ? WHERE id = ?",
                     (_hasher.hash(password), record.user_id))
    conn.execute("UPDATE user SET last_login_at = ? WHERE id = ?",
                 (utcnow(), record.user_id))
    return get_user(conn, record.user_id)
