"""The staff second factor: authenticator-app codes (TOTP, RFC 6238) and
single-use recovery codes.

The authenticator secret is stored encrypted (Fernet, with a key derived
from the site's `totp_key` in secrets.toml), so a copy of the database alone
does not let anyone make codes. Recovery codes are stored as SHA-256 hashes
only: they are random enough that a slow hash would add nothing, and the
login step that takes them is rate-limited. Each accepted time step is
remembered, so a code seen over someone's shoulder cannot be used again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from functools import lru_cache

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .audit import audit
from .db import utcnow
from .errors import ConflictError, UserError
from .i18n import gettext as _

STEP = 30
# Codes one step either side are accepted: phone clocks drift a little, and
# typing a code takes time.
DRIFT = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_CODE = re.compile(r"[0-9]{6}")


@dataclass(frozen=True)
class SecondFactor:
    """What an account's second factor looks like now."""

    enabled: bool
    recovery_left: int


@lru_cache(maxsize=4)
def cipher(site_key: str) -> Fernet:
    """The Fernet key for authenticator secrets, derived from the site key
    (any text), so secrets.toml keeps one simple format for every key."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"portal staff authenticator secrets").derive(site_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def state(conn: sqlite3.Connection, user_id: int) -> SecondFactor:
    enabled = is_enabled(conn, user_id)
    left = conn.execute("SELECT count(*) FROM recovery_code WHERE user_id = ?"
                        " AND used_at IS NULL", (user_id,)).fetchone()[0]
    return SecondFactor(enabled, left if enabled else 0)


def is_enabled(conn: sqlite3.Connection, user_id: int) -> bool:
    row = conn.execute("SELECT 1 FROM user_totp WHERE user_id = ?"
                       " AND confirmed_at IS NOT NULL", (user_id,)).fetchone()
    return row is not None


def enabled_users(conn: sqlite3.Connection) -> set[int]:
    rows = conn.execute("SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL")
    return {row[0] for row in rows}


# -- enrolment ----------------------------------------------------------------

def begin_enrolment(conn: sqlite3.Connection, box: Fernet, user_id: int) -> str:
    """The secret to show for setting up an authenticator: the one already
    offered (reloading the page keeps the QR code the phone may have read),
    else a new one."""
    row = conn.execute("SELECT secret, confirmed_at FROM user_totp WHERE user_id = ?",
                       (user_id,)).fetchone()
    if row is not None and row["confirmed_at"]:
        raise ConflictError(_("The second factor is already on for this account."))
    if row is not None:
        return _decrypt(box, row["secret"])
    secret = pyotp.random_base32()
    conn.execute("INSERT INTO user_totp (user_id, secret, created_at) VALUES (?, ?, ?)",
                 (user_id, box.encrypt(secret.encode()).decode(), utcnow()))
    return secret


def confirm_enrolment(conn: sqlite3.Connection, box: Fernet, user_id: int,
                      code: str) -> list[str]:
    """Turn the second factor on once the user proves their app makes the
    right codes; returns the new recovery codes, to be shown once."""
    row = conn.execute("SELECT secret, confirmed_at FROM user_totp WHERE user_id = ?",
                       (user_id,)).fetchone()
    if row is None or row["confirmed_at"]:
        raise ConflictError(_("There is no set-up in progress. Reload the page and "
                              "start again."))
    step = matching_step(_decrypt(box, row["secret"]), code)
    if step is None:
        raise UserError(_("That code is not right. Check the time on your phone and "
                          "enter the code the app shows now."))
    conn.execute("UPDATE user_totp SET confirmed_at = ?, last_step = ? WHERE user_id = ?",
                 (utcnow(), step, user_id))
    audit(conn, user_id, "totp.enable", f"user:{user_id}")
    return _new_recovery_codes(conn, user_id)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_image(uri: str) -> str:
    """The set-up address as an SVG QR code in a data: address, for an
    <img> (the admin's Content-Security-Policy allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, light="#fff")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# -- checking codes -----------------------------------------------------------

def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code this is, within the allowed drift; else None."""
    code = re.sub(r"\s", "", code or "")
    if not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP)
    for step in range(current - DRIFT, current + DRIFT + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify(conn: sqlite3.Connection, box: Fernet, user_id: int, code: str) -> str | None:
    """Check a login code: "code" for an authenticator code, "recovery" for a
    recovery code (now used up), None when it is neither or was used before."""
    if _CODE.fullmatch(re.sub(r"\s", "", code or "")):
        return "code" if _accept_code(conn, box, user_id, code) else None
    return "recovery" if _use_recovery_code(conn, user_id, code) else None


def _accept_code(conn: sqlite3.Connection, box: Fernet, user_id: int, code: str) -> bool:
    row = conn.execute("SELECT secret, last_step FROM user_totp WHERE user_id = ?"
                       " AND confirmed_at IS NOT NULL", (user_id,)).fetchone()
    if row is None:
        return False
    step = matching_step(_decrypt(box, row["secret"]), code)
    if step is None or step <= row["last_step"]:
        return False  # wrong, or a replay of a code already accepted
    conn.execute("UPDATE user_totp SET last_step = ? WHERE user_id = ?", (step, user_id))
    return True


def _use_recovery_code(conn: sqlite3.Connection, user_id: int, code: str) -> bool:
    cur = conn.execute(
        "UPDATE recovery_code SET used_at = ? WHERE user_id = ? AND code_hash = ?"
        " AND used_at IS NULL", (utcnow(), user_id, _code_hash(code)))
    if cur.rowcount != 1:
        return False
    audit(conn, user_id, "totp.recovery", f"user:{user_id}")
    return True


# -- changes ------------------------------------------------------------------

def regenerate_recovery_codes(conn: sqlite3.Connection, user_id: int) -> list[str]:
    if not is_enabled(conn, user_id):
        raise ConflictError(_("Turn the second factor on first."))
    audit(conn, user_id, "totp.recovery_codes", f"user:{user_id}")
    return _new_recovery_codes(conn, user_id)


def disable(conn: sqlite3.Connection, user_id: int, actor_id: int | None) -> None:
    """Remove the second factor; by the user, or (actor) an administrator
    resetting it for someone who lost their phone."""
    conn.execute("DELETE FROM user_totp WHERE user_id = ?", (user_id,))
    conn.execute("DELETE FROM recovery_code WHERE user_id = ?", (user_id,))
    action = "totp.disable" if actor_id == user_id else "totp.reset"
    audit(conn, actor_id, action, f"user:{user_id}")


def _new_recovery_codes(conn: sqlite3.Connection, user_id: int) -> list[str]:
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    conn.execute("DELETE FROM recovery_code WHERE user_id = ?", (user_id,))
    conn.executemany("INSERT INTO recovery_code (user_id, code_hash) VALUES (?, ?)",
                     [(user_id, _code_hash(code)) for code in codes])
    return codes


def _recovery_code() -> str:
    letters = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{letters[:5]}-{letters[5:]}"


def _code_hash(code: str) -> str:
    # Typed codes may come with spaces, hyphens or capitals.
    plain = re.sub(r"[\s-]", "", (code or "").lower())
    return hashlib.sha256(plain.encode()).hexdigest()


def _decrypt(box: Fernet, stored: str) -> str:
    try:
        return box.decrypt(stored.encode()).decode()
    except InvalidToken:
        # The site key changed (secrets.toml replaced): the stored secret
        # cannot be read, and an administrator must reset the second factor.
        raise ConflictError(_("The second factor of this account cannot be read. "
                              "Ask an administrator to reset it.")) from None
