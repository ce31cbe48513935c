"""The backup key pair (`portal backup keygen`).

The private key is written as age writes `age-keygen | age -p -a`: an
identity file encrypted with a passphrase (scrypt), in ASCII armour so it
can also be printed and kept on paper. The public key goes in portal.toml;
the private key goes offline with whoever may restore.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from appliance.errors import UserError

from . import age

PRIVATE_FILE = "portal-backup.key"
PUBLIC_FILE = "portal-backup.pub"
MIN_PASSPHRASE = 12


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public: Path
    recipient: age.Recipient


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UserError(f"the passphrase is too short: use at least {MIN_PASSPHRASE} "
                        "characters (a few words are easy to remember)")


def keygen(out_dir: Path, passphrase: str, log_n: int | None = None) -> KeyPair:
    """Write a new key pair into `out_dir`; never over an existing one.
    `log_n` is the scrypt work factor, age's default unless given."""
    check_passphrase(passphrase)
    private, public = out_dir / PRIVATE_FILE, out_dir / PUBLIC_FILE
    for path in (private, public):
        if path.exists():
            raise UserError(f"{path} already exists: a key pair is never overwritten, "
                            "since archives made for it could no longer be opened")
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir} is not a folder")
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    identity = age.Identity.generate()
    sealed = age.armor(age.encrypt_with_passphrase(
        identity.file_text().encode("utf-8"), passphrase, log_n or age.SCRYPT_LOG_N))
    _write_new(private, sealed, 0o600)
    _write_new(public, f"{identity.recipient}\n", 0o644)
    return KeyPair(private, public, identity.recipient)


def _write_new(path: Path, text: str, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
