"""Partners: departments, communes and other systems that hold API keys.

A key is sent as `Authorization: Bearer pk_...`. Every key reads the public
API with the higher rate limit; what a partner may push in is its scopes:
content kinds (article, directive, ...) and `section:KEY` for the sections
its news may go to. The scope `read` alone gives no right to write. A
trusted partner's items are published without review.

Only a SHA-256 hash of each key is stored, and a key is looked up by the hash
of what was sent (see appliance.tokens, which does the same for staff).
Rotating gives a new key and revokes the old ones; revoking a partner stops
all its keys. The same functions serve `portal partner ...` and the
newsroom's page for partners.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from appliance import content
from appliance.audit import audit
from appliance.db import utcnow
from appliance.errors import ConflictError, NotFoundError, UserError
from appliance.i18n import gettext as _

PREFIX = "pk_"
READ = "read"
SECTION = "section:"
MAX_NAME = 120
# Recording each use costs a write; once a minute tells a key in use from a
# forgotten one, as for personal tokens.
TOUCH_EVERY_SECONDS = 60


@dataclass(frozen=True)
class Partner:
    id: int
    name: str
    scopes: tuple[str, ...]
    trusted: bool
    created_at: str
    revoked_at: str | None = None

    @property
    def source(self) -> str:
        """The content store's source of its items."""
        return f"partner:{self.id}"

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(s for s in self.scopes if s in content.KINDS)

    @property
    def sections(self) -> frozenset[str]:
        return frozenset(s[len(SECTION):] for s in self.scopes if s.startswith(SECTION))

    @property
    def writes(self) -> bool:
        return bool(self.kinds)

    def may_write(self, kind: str, section_key: str | None) -> bool:
        """Its scopes name the kind and, when they limit sections, the item's
        section; news must then name one of those sections."""
        if kind not in self.kinds:
            return False
        if not self.sections:
            return True
        if section_key is None:
            return kind not in content.NEWS_KINDS
        return section_key in self.sections


@dataclass(frozen=True)
class PartnerKey:
    id: int
    hint: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


def _partner(row: sqlite3.Row) -> Partner:
    return Partner(row["id"], row["name"], tuple(json.loads(row["scopes"])),
                   bool(row["trusted"]), row["created_at"], row["revoked_at"])


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- checking -----------------------------------------------------------------

def parse_scopes(conn: sqlite3.Connection, given: str | Iterable[str]) -> list[str]:
    """Scopes from "article,section:tin-tuc" or a list; each must name a
    content kind, an existing section, or "read"."""
    if isinstance(given, str):
        given = given.split(",")
    scopes: list[str] = []
    for raw in given:
        scope = raw.strip()
        if not scope:
            continue
        if scope.startswith(SECTION):
            key = scope[len(SECTION):]
            if content.get_section(conn, key) is None:
                raise UserError(_("There is no section “%(key)s” to give a partner.",
                                  key=key))
        elif scope != READ and scope not in content.KINDS:
            raise UserError(_(
                "Unknown scope “%(scope)s”: use a content kind (%(kinds)s), "
                "section:KEY or read.", scope=scope, kinds=", ".join(content.KINDS)))
        if scope not in scopes:
            scopes.append(scope)
    if not scopes:
        raise UserError(_("Give the partner at least one scope (read, if it only "
                          "reads)."))
    if any(s.startswith(SECTION) for s in scopes) and not any(
            s in content.KINDS for s in scopes):
        raise UserError(_("Sections limit what a partner writes: give it a content "
                          "kind too, such as article."))
    return scopes


def _checked_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise UserError(_("Give the partner a name, such as the department's."))
    if len(name) > MAX_NAME:
        raise UserError(_("The name is too long: use at most %(n)s characters.",
                          n=MAX_NAME))
    return name


# -- writing ------------------------------------------------------------------

def add_partner(conn: sqlite3.Connection, name: str, scopes: str | Iterable[str],
                trusted: bool = False, user_id: int | None = None) -> tuple[Partner, str]:
    """A new partner and its first key; the key is returned once, never kept."""
    name = _checked_name(name)
    scopes = parse_scopes(conn, scopes)
    if conn.execute("SELECT 1 FROM partner WHERE name = ?", (name,)).fetchone():
        raise ConflictError(_("There is already a partner named “%(name)s”.",
                              name=name))
    cur = conn.execute(
        "INSERT INTO partner (name, scopes, trusted, created_at) VALUES (?, ?, ?, ?)",
        (name, json.dumps(scopes), int(bool(trusted)), utcnow()))
    audit(conn, user_id, "partner.add", f"partner:{cur.lastrowid}",
          ",".join(scopes) + (" trusted" if trusted else ""))
    return get_partner(conn, cur.lastrowid), _new_key(conn, cur.lastrowid)


def _new_key(conn: sqlite3.Connection, partner_id: int) -> str:
    secret = PREFIX + secrets.token_urlsafe(32)
    conn.execute("INSERT INTO partner_key (partner_id, key_hash, hint, created_at)"
                 " VALUES (?, ?, ?, ?)", (partner_id, _hash(secret), secret[-4:], utcnow()))
    return secret


def rotate_key(conn: sqlite3.Connection, partner_id: int,
               user_id: int | None = None) -> str:
    """A new key for the partner; its earlier keys stop working now."""
    partner = get_partner(conn, partner_id)
    if partner.revoked_at:
        raise ConflictError(_("The partner “%(name)s” is revoked; add it again to "
                              "give it a key.", name=partner.name))
    conn.execute("UPDATE partner_key SET revoked_at = ? WHERE partner_id = ?"
                 " AND revoked_at IS NULL", (utcnow(), partner_id))
    secret = _new_key(conn, partner_id)
    audit(conn, user_id, "partner.rotate", f"partner:{partner_id}")
    return secret


def revoke_partner(conn: sqlite3.Connection, partner_id: int,
                   user_id: int | None = None) -> Partner:
    """Stop every key of the partner; what it pushed stays."""
    partner = get_partner(conn, partner_id)
    if partner.revoked_at is None:
        now = utcnow()
        conn.execute("UPDATE partner SET revoked_at = ? WHERE id = ?", (now, partner_id))
        conn.execute("UPDATE partner_key SET revoked_at = ? WHERE partner_id = ?"
                     " AND revoked_at IS NULL", (now, partner_id))
        audit(conn, user_id, "partner.revoke", f"partner:{partner_id}")
    return get_partner(conn, partner_id)


def change_partner(conn: sqlite3.Connection, partner_id: int, scopes: str | Iterable[str],
                   trusted: bool, user_id: int | None = None) -> Partner:
    get_partner(conn, partner_id)
    scopes = parse_scopes(conn, scopes)
    conn.execute("UPDATE partner SET scopes = ?, trusted = ? WHERE id = ?",
                 (json.dumps(scopes), int(bool(trusted)), partner_id))
    audit(conn, user_id, "partner.change", f"partner:{partner_id}",
          ",".join(scopes) + (" trusted" if trusted else ""))
    return get_partner(conn, partner_id)


def record_use(conn: sqlite3.Connection, secret: str) -> None:
    """Note that a key was used (at most once a minute)."""
    conn.execute(
        "UPDATE partner_key SET last_used_at = ? WHERE key_hash = ? AND revoked_at IS NULL"
        " AND (last_used_at IS NULL OR unixepoch(?) - unixepoch(last_used_at) >= ?)",
        (utcnow(), _hash(secret), utcnow(), TOUCH_EVERY_SECONDS))


# -- reading ------------------------------------------------------------------

def get_partner(conn: sqlite3.Connection, partner_id: int) -> Partner:
    row = conn.execute("SELECT * FROM partner WHERE id = ?", (partner_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No partner number %(id)s.", id=partner_id))
    return _partner(row)


def find_partner(conn: sqlite3.Connection, name: str) -> Partner:
    row = conn.execute("SELECT * FROM partner WHERE name = ?",
                       (" ".join((name or "").split()),)).fetchone()
    if row is None:
        raise NotFoundError(_("No partner named “%(name)s”.", name=name))
    return _partner(row)


def list_partners(conn: sqlite3.Connection) -> list[tuple[Partner, list[PartnerKey]]]:
    """Every partner, active ones first, each with its keys, newest first."""
    partners = [_partner(row) for row in conn.execute(
        "SELECT * FROM partner ORDER BY revoked_at IS NOT NULL, name")]
    keys: dict[int, list[PartnerKey]] = {}
    for row in conn.execute("SELECT * FROM partner_key ORDER BY id DESC"):
        keys.setdefault(row["partner_id"], []).append(PartnerKey(
            row["id"], row["hint"], row["created_at"], row["last_used_at"],
            row["revoked_at"]))
    return [(partner, keys.get(partner.id, [])) for partner in partners]


def key_partner(conn: sqlite3.Connection, secret: str) -> Partner | None:
    """The partner a key belongs to; None when the key is unknown or revoked."""
    if not isinstance(secret, str) or not secret.startswith(PREFIX):
        return None
    row = conn.execute(
        "SELECT partner.* FROM partner_key JOIN partner ON partner.id = partner_key.partner_id"
        " WHERE partner_key.key_hash = ? AND partner_key.revoked_at IS NULL"
        " AND partner.revoked_at IS NULL", (_hash(secret),)).fetchone()
    return _partner(row) if row else None
