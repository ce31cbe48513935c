"""The register of contributors: everyone the editorial board may pay.

The personal ID number, tax code and bank account are personal data: they are
stored encrypted (Fernet, with a key derived from `personal_key` in the data
directory's secrets.toml), shown masked to everyone but the paying roles,
and every time someone is shown one in full it is written to the audit log.
A register entry may be linked to a staff account; that member of staff then
sees their own works and statements in the newsroom.
"""

from __future__ import annotations

import base64
import re
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from appliance.audit import audit
from appliance.db import utcnow
from appliance.errors import ConflictError, NotFoundError, UserError
from appliance.i18n import gettext as _
from appliance.text import nfc

SECRET_FIELDS = ("id_number", "tax_code", "bank_account")
_DIGITS = re.compile(r"[\s.\-]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MASK = "•"


@lru_cache(maxsize=4)
def cipher(site_key: str) -> Fernet:
    """The key for contributors' personal data, derived from the site's
    personal_key (any text), so secrets.toml keeps one format for every key."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"portal contributor personal data").derive(site_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def mask(value: str | None) -> str:
    """All but the last four characters hidden: "•••••••• 6789"."""
    if not value:
        return ""
    shown = value[-4:] if len(value) > 6 else ""
    return MASK * 8 + (f" {shown}" if shown else "")


@dataclass
class Contributor:
    id: int
    full_name: str
    pen_name: str
    email: str
    phone: str
    address: str
    user_id: int | None
    long_contract: bool
    commitment_year: int | None
    bank_name: str
    active: bool
    created_at: str
    updated_at: str
    # Decrypted in memory only; pages show masked() unless the reader pays.
    personal: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        """The name shown in lists: the pen name beside the real name."""
        if self.pen_name and self.pen_name != self.full_name:
            return f"{self.full_name} ({self.pen_name})"
        return self.full_name

    def masked(self, name: str) -> str:
        return mask(self.personal.get(name))

    def has(self, name: str) -> bool:
        return bool(self.personal.get(name))


@dataclass
class ContributorInput:
    full_name: str = ""
    pen_name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    user_id: int | None = None
    long_contract: bool = False
    commitment_year: int | None = None
    bank_name: str = ""
    active: bool = True
    # None keeps what is stored; "" removes it.
    id_number: str | None = None
    tax_code: str | None = None
    bank_account: str | None = None


def _decrypt(key: Fernet | None, token: str | None) -> str:
    if not token or key is None:
        return ""
    try:
        return key.decrypt(token.encode()).decode()
    except InvalidToken:
        # The data directory's personal_key is not the one the data was
        # written with (a restore without secrets.toml): say so, show nothing.
        return ""


def _from_row(row: sqlite3.Row, key: Fernet | None) -> Contributor:
    """An entry; with no key (reports, totals) its personal numbers stay empty."""
    return Contributor(
        id=row["id"], full_name=row["full_name"], pen_name=row["pen_name"],
        email=row["email"], phone=row["phone"], address=row["address"],
        user_id=row["user_id"], long_contract=bool(row["long_contract"]),
        commitment_year=row["commitment_year"], bank_name=row["bank_name"],
        active=bool(row["active"]), created_at=row["created_at"],
        updated_at=row["updated_at"],
        personal={name: _decrypt(key, row[name]) for name in SECRET_FIELDS},
    )


def list_contributors(conn: sqlite3.Connection, key: Fernet, *,
                      active_only: bool = False) -> list[Contributor]:
    sql = "SELECT * FROM contributor"
    if active_only:
        sql += " WHERE active = 1"
    rows = conn.execute(sql + " ORDER BY full_name COLLATE NOCASE, id")
    return [_from_row(row, key) for row in rows]


def get_contributor(conn: sqlite3.Connection, key: Fernet,
                    contributor_id: int) -> Contributor:
    row = conn.execute("SELECT * FROM contributor WHERE id = ?",
                       (contributor_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No contributor with number %(id)s.", id=contributor_id))
    return _from_row(row, key)


def contributors_by_id(conn: sqlite3.Connection, key: Fernet | None,
                       ids: set[int] | list[int]) -> dict[int, Contributor]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(f"SELECT * FROM contributor WHERE id IN"
                        f" ({','.join('?' * len(wanted))})", wanted)
    return {row["id"]: _from_row(row, key) for row in rows}


def contributor_of_user(conn: sqlite3.Connection, key: Fernet,
                        user_id: int) -> Contributor | None:
    row = conn.execute("SELECT * FROM contributor WHERE user_id = ?",
                       (user_id,)).fetchone()
    return _from_row(row, key) if row else None


def names(conn: sqlite3.Connection) -> dict[int, str]:
    """Every contributor's shown name, without touching personal data."""
    rows = conn.execute("SELECT id, full_name, pen_name FROM contributor")
    return {row["id"]: (f"{row['full_name']} ({row['pen_name']})"
                        if row["pen_name"] and row["pen_name"] != row["full_name"]
                        else row["full_name"]) for row in rows}


# -- checks -------------------------------------------------------------------

def _one_line(text: str, limit: int, what: str) -> str:
    value = " ".join(nfc(text or "").split())
    if len(value) > limit:
        raise UserError(_("%(what)s may be at most %(n)s characters long.", what=what,
                          n=limit))
    return value


def _digits(text: str, sizes: tuple[int, ...], message: str) -> str:
    value = _DIGITS.sub("", text or "")
    if value and (not value.isascii() or not value.isdigit() or len(value) not in sizes):
        raise UserError(message)
    return value


def check_personal(data: ContributorInput) -> dict[str, str | None]:
    """The personal numbers as they will be stored; None keeps the stored one."""
    checked: dict[str, str | None] = {}
    if data.id_number is not None:
        checked["id_number"] = _digits(
            data.id_number, (9, 12),
            _("The personal ID number has 12 digits (citizen card) or 9 (old ID card)."))
    if data.tax_code is not None:
        checked["tax_code"] = _digits(
            data.tax_code, (10, 12, 13),
            _("The tax code has 10 or 13 digits, or is the 12-digit personal ID number."))
    if data.bank_account is not None:
        checked["bank_account"] = _digits(
            data.bank_account, tuple(range(6, 20)),
            _("The bank account number is 6 to 19 digits."))
    return checked


def _check(conn: sqlite3.Connection, data: ContributorInput,
           contributor_id: int | None) -> dict:
    full_name = _one_line(data.full_name, 120, _("The full name"))
    if not full_name:
        raise UserError(_("Write the contributor's full name."))
    email = _one_line(data.email, 200, _("The e-mail address"))
    if email and not _EMAIL.match(email):
        raise UserError(_("The e-mail address does not look right."))
    if data.commitment_year is not None and not 2000 <= data.commitment_year <= 2100:
        raise UserError(_("The commitment year must be a year such as 2026."))
    if data.user_id is not None:
        if conn.execute("SELECT 1 FROM user WHERE id = ?", (data.user_id,)).fetchone() is None:
            raise UserError(_("Choose a staff account from the list."))
        other = conn.execute("SELECT id FROM contributor WHERE user_id = ? AND id IS NOT ?",
                             (data.user_id, contributor_id)).fetchone()
        if other is not None:
            raise ConflictError(_("That staff account is already linked to another "
                                  "contributor."))
    return {
        "full_name": full_name,
        "pen_name": _one_line(data.pen_name, 120, _("The pen name")),
        "email": email,
        "phone": _one_line(data.phone, 40, _("The phone number")),
        "address": _one_line(data.address, 300, _("The address")),
        "user_id": data.user_id,
        "long_contract": int(data.long_contract),
        "commitment_year": data.commitment_year,
        "bank_name": _one_line(data.bank_name, 200, _("The bank's name")),
        "active": int(data.active),
    }


def save_contributor(conn: sqlite3.Connection, key: Fernet, data: ContributorInput, *,
                     contributor_id: int | None = None,
                     actor_id: int | None = None) -> Contributor:
    """Add a contributor, or change one. The audit log records that the entry
    changed, and which personal numbers did, never their values."""
    values = _check(conn, data, contributor_id)
    personal = check_personal(data)
    for name, value in personal.items():
        values[name] = key.encrypt(value.encode()).decode() if value else None
    now = utcnow()
    if contributor_id is None:
        values |= {"created_at": now, "updated_at": now}
        columns = ", ".join(values)
        cur = conn.execute(f"INSERT INTO contributor ({columns}) VALUES"
                           f" ({', '.join('?' * len(values))})", list(values.values()))
        contributor_id = cur.lastrowid
        audit(conn, actor_id, "contributor.add", f"contributor:{contributor_id}")
    else:
        get_contributor(conn, key, contributor_id)
        values["updated_at"] = now
        assignments = ", ".join(f"{column} = ?" for column in values)
        conn.execute(f"UPDATE contributor SET {assignments} WHERE id = ?",
                     [*values.values(), contributor_id])
        changed = ",".join(sorted(personal)) or None
        audit(conn, actor_id, "contributor.update", f"contributor:{contributor_id}",
              changed)
    return get_contributor(conn, key, contributor_id)


def reveal(conn: sqlite3.Connection, key: Fernet, contributor_id: int, name: str,
           actor_id: int) -> str:
    """One personal number in full, for a paying role; the reveal is audited."""
    if name not in SECRET_FIELDS:
        raise NotFoundError(_("No such field."))
    contributor = get_contributor(conn, key, contributor_id)
    audit(conn, actor_id, "contributor.reveal", f"contributor:{contributor_id}", name)
    return contributor.personal.get(name, "")


def record_export(conn: sqlite3.Connection, actor_id: int, period_id: int,
                  what: str) -> None:
    """An export holding personal numbers in full counts as revealing them."""
    audit(conn, actor_id, "contributor.reveal", f"period:{period_id}", what)
