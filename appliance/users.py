"""Staff accounts: roles, argon2 password hashes, add/list/disable, login checks."""

from __future__ import annotations

import functools
import re
import secrets
import sqlite3
import unicodedata
from dataclasses import dataclass, replace

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


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps failed logins for unknown names as slow
    as those for known names, so timing does not reveal which accounts exist.
    Made at the first login rather than at import: a hash costs a good part
    of a second, and every command and start-up would pay it."""
    return _hasher.hash(secrets.token_urlsafe(16))


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
    # What the account may do beyond its role's fixed rights: the sections it
    # is limited to (empty: every section) and the workflow transitions its
    # role may take (table workflow_rule). Filled by get_user and find_user.
    sections: frozenset[int] = frozenset()
    transitions: frozenset[str] = frozenset()
    # Duties the site's config gives the account's role (royalties: "grade",
    # "pay"); set by the newsroom for the signed-in user.
    duties: frozenset[str] = frozenset()

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
             display_name: str = "", *, email: str | None = None,
             actor_id: int | None = None) -> User:
    check_username(username)
    check_role(role)
    check_password(password)
    display_name = check_display_name(display_name)
    email = check_email(email)
    if conn.execute("SELECT 1 FROM user WHERE username = ?", (username,)).fetchone():
        raise ConflictError(_("User “%(name)s” already exists.", name=username))
    cur = conn.execute(
        "INSERT INTO user (username, display_name, email, role, password_hash, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (username, display_name, email, role, _hasher.hash(password), utcnow()),
    )
    audit(conn, actor_id, "user.add", f"user:{cur.lastrowid}", role)
    return get_user(conn, cur.lastrowid)


def get_user(conn: sqlite3.Connection, user_id: int) -> User:
    row = conn.execute("SELECT * FROM user WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No user with id %(id)s.", id=user_id))
    return with_grants(conn, User.from_row(row))


def with_grants(conn: sqlite3.Connection, user: User) -> User:
    """The user with their section limits and workflow rights filled in."""
    sections = frozenset(row[0] for row in conn.execute(
        "SELECT section_id FROM user_section WHERE user_id = ?", (user.id,)))
    transitions = frozenset(row[0] for row in conn.execute(
        "SELECT transition FROM workflow_rule WHERE role = ?", (user.role,)))
    return replace(user, sections=sections, transitions=transitions)


def find_user(conn: sqlite3.Connection, username: str) -> User:
    row = conn.execute("SELECT * FROM user WHERE username = ?", (username,)).fetchone()
    if row is None:
        raise NotFoundError(_("No user named “%(name)s”.", name=username))
    return with_grants(conn, User.from_row(row))


def list_users(conn: sqlite3.Connection) -> list[User]:
    rows = conn.execute("SELECT * FROM user ORDER BY username COLLATE NOCASE")
    return [User.from_row(row) for row in rows]


def disable_user(conn: sqlite3.Connection, username: str) -> User:
    user = find_user(conn, username)
    _keep_an_admin(conn, user)
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
        return LoginRecord(None, _dummy_hash(), True)
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


# -- account administration ---------------------------------------------------

MAX_DISPLAY_NAME = 100
MAX_EMAIL = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Account:
    """A staff account as administrators see it."""

    user: User
    email: str
    section_ids: frozenset[int]
    second_factor: bool


def check_display_name(name: str | None) -> str:
    name = unicodedata.normalize("NFC", " ".join((name or "").split()))
    if len(name) > MAX_DISPLAY_NAME:
        raise UserError(_("The display name is too long: use at most %(n)s characters.",
                          n=MAX_DISPLAY_NAME))
    return name


def check_email(email: str | None) -> str | None:
    """A plausible e-mail address, or None for none."""
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise UserError(_("“%(email)s” is not an e-mail address: write it like "
                          "name@angiang.gov.vn.", email=email[:MAX_EMAIL]))
    return email


def list_accounts(conn: sqlite3.Connection) -> list[Account]:
    sections: dict[int, set[int]] = {}
    for user_id, section_id in conn.execute("SELECT user_id, section_id FROM user_section"):
        sections.setdefault(user_id, set()).add(section_id)
    second = {row[0] for row in conn.execute(
        "SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL")}
    rows = conn.execute("SELECT * FROM user ORDER BY username COLLATE NOCASE")
    return [Account(User.from_row(row), row["email"] or "",
                    frozenset(sections.get(row["id"], ())), row["id"] in second)
            for row in rows]


def get_account(conn: sqlite3.Connection, user_id: int) -> Account:
    for account in list_accounts(conn):
        if account.user.id == user_id:
            return account
    raise NotFoundError(_("No user with id %(id)s.", id=user_id))


def update_profile(conn: sqlite3.Connection, user_id: int, display_name: str,
                   email: str) -> None:
    """A user's own name and address, as shown to colleagues and used for mail."""
    conn.execute("UPDATE user SET display_name = ?, email = ? WHERE id = ?",
                 (check_display_name(display_name), check_email(email), user_id))
    audit(conn, user_id, "user.profile", f"user:{user_id}")


def set_role(conn: sqlite3.Connection, actor_id: int | None, user_id: int,
             role: str) -> None:
    check_role(role)
    user = get_user(conn, user_id)
    if user.role == role:
        return
    if actor_id == user_id:
        raise ConflictError(_("You cannot change your own role. Ask another "
                              "administrator."))
    if role != "admin":
        _keep_an_admin(conn, user)
    conn.execute("UPDATE user SET role = ? WHERE id = ?", (role, user_id))
    audit(conn, actor_id, "user.role", f"user:{user_id}", f"{user.role} → {role}")


def set_disabled(conn: sqlite3.Connection, actor_id: int | None, user_id: int,
                 disabled: bool) -> None:
    """Disable an account (its sessions end at once) or enable it again."""
    user = get_user(conn, user_id)
    if user.disabled == disabled:
        return
    if disabled:
        if actor_id == user_id:
            raise ConflictError(_("You cannot disable your own account. Ask another "
                                  "administrator."))
        _keep_an_admin(conn, user)
    conn.execute("UPDATE user SET disabled = ?, session_version = session_version + ?"
                 " WHERE id = ?", (int(disabled), int(disabled), user_id))
    audit(conn, actor_id, "user.disable" if disabled else "user.enable", f"user:{user_id}")


def enable_user(conn: sqlite3.Connection, username: str) -> User:
    user = find_user(conn, username)
    set_disabled(conn, None, user.id, False)
    return find_user(conn, username)


def set_user_role(conn: sqlite3.Connection, username: str, role: str) -> User:
    user = find_user(conn, username)
    set_role(conn, None, user.id, role)
    return find_user(conn, username)


def set_sections(conn: sqlite3.Connection, actor_id: int | None, user_id: int,
                 section_ids: list[int]) -> None:
    """Limit the account to these sections; none means every section."""
    get_user(conn, user_id)
    wanted = sorted(set(section_ids))
    marks = ",".join("?" * len(wanted))
    known = {row[0] for row in conn.execute(
        f"SELECT id FROM section WHERE id IN ({marks})", wanted)} if wanted else set()
    if unknown := [str(i) for i in wanted if i not in known]:
        raise UserError(_("No section with id %(id)s.", id=", ".join(unknown)))
    conn.execute("DELETE FROM user_section WHERE user_id = ?", (user_id,))
    conn.executemany("INSERT INTO user_section (user_id, section_id) VALUES (?, ?)",
                     [(user_id, section_id) for section_id in wanted])
    audit(conn, actor_id, "user.sections", f"user:{user_id}",
          ",".join(map(str, wanted)) or "all")


def hash_password(password: str) -> str:
    """The argon2 hash of an acceptable password; slow on purpose, so the
    server computes it off the database threads."""
    return _hasher.hash(check_password(password))


def store_password(conn: sqlite3.Connection, actor_id: int | None, user_id: int,
                   password_hash: str) -> User:
    """Set a new password (already hashed) and end the account's sessions."""
    get_user(conn, user_id)
    conn.execute("UPDATE user SET password_hash = ?, session_version = session_version + 1"
                 " WHERE id = ?", (password_hash, user_id))
    audit(conn, actor_id, "user.password", f"user:{user_id}")
    return get_user(conn, user_id)


def _keep_an_admin(conn: sqlite3.Connection, user: User) -> None:
    """Refuse to take away the last enabled administrator: nobody could then
    manage accounts from the newsroom."""
    if user.role != "admin" or user.disabled:
        return
    others = conn.execute("SELECT count(*) FROM user WHERE role = 'admin'"
                          " AND NOT disabled AND id != ?", (user.id,)).fetchone()[0]
    if not others:
        raise ConflictError(_("“%(name)s” is the only enabled administrator. Make "
                              "another account an administrator first.",
                              name=user.username))
