"""Verifying and restoring archives.

A restore writes into a hidden folder beside the target and renames it into
place only when every chunk, every checksum, the manifest, the database and
the config have been checked; on any failure the hidden folder is removed,
so nothing is left behind. Verifying writes nothing but a temporary folder:
with the key it reads everything a restore reads and makes the same checks
of what it holds (the database, written to that folder, must pass SQLite's
check, and the config must load), so an archive it calls good is one a
restore accepts; without the key, it checks the file's structure and its
checksum against the manifest beside it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from appliance import config as config_mod
from appliance.config import DATABASE_FILE
from appliance.errors import UserError

from . import age
from .archive import (
    MANIFEST_SUFFIX,
    STATE_DIR,
    ArchiveError,
    Contents,
    HashingSource,
    check_schema,
    parse_sidecar,
    read_archive,
    utc_text,
)
from .status import save_state

log = logging.getLogger("portal.backup")

MAX_KEY_FILE = 1 << 20
# The files of an archive that a restore checks before calling it a site.
_SITE_FILES = {DATABASE_FILE, config_mod.CONFIG_FILE, config_mod.SECRETS_FILE}


def _named(name: str, exc: UserError) -> ArchiveError:
    """The error with the file it is about in front; the original kept as
    `reason`, so callers may still tell a wrong key from a damaged file."""
    named = ArchiveError(f"{name}: {exc}")
    named.reason = exc
    return named


# -- keys -------------------------------------------------------------------------

def load_identities(key_file: Path, passphrase: Callable[[], str]) -> list[age.Identity]:
    try:
        with key_file.open("rb") as handle:
            data = handle.read(MAX_KEY_FILE + 1)
    except OSError as exc:
        raise UserError(f"cannot read the key {key_file}: {exc.strerror or exc}") from None
    if len(data) > MAX_KEY_FILE:
        raise UserError(f"{key_file} is too large to be an age key file")
    try:
        return age.open_key_file(data, passphrase)
    except age.WrongPassphrase:
        raise UserError(f"{key_file}: the passphrase is wrong") from None
    except UserError as exc:
        raise UserError(f"{key_file}: {exc}") from None


# -- checks against the manifest beside an archive ----------------------------------

def sidecar_path(archive: Path) -> Path:
    return archive.with_name(archive.name.removesuffix(".tar.zst.age") + MANIFEST_SUFFIX)


def check_sidecar(sidecar: dict | None, size: int, digest: str | None) -> None:
    """The archive against the manifest beside it. A restore, which has the
    key, checks the size only: every chunk's tag and the header's MAC already
    prove each byte, so a second pass of SHA-256 would prove nothing more."""
    if not sidecar:
        if sidecar == {}:
            raise ArchiveError("its manifest file is damaged (not valid JSON)")
        return
    if sidecar.get("size") != size:
        raise ArchiveError(f"damaged or cut short: it is {size:,} bytes, its manifest "
                           f"says {sidecar.get('size')!r}")
    if digest is not None and sidecar.get("sha256") != digest:
        raise ArchiveError("damaged: its SHA-256 does not match its manifest")


def check_recipient(sidecar: dict | None, identities: list[age.Identity]) -> None:
    wanted = (sidecar or {}).get("recipient")
    if wanted and all(str(i.recipient) != wanted for i in identities):
        raise age.NoMatchingKey(f"not made for this key: it is for {wanted}, the key is "
                                f"for {identities[0].recipient}")


@contextlib.contextmanager
def _telling_damage_from_keys(sidecar: dict | None) -> Iterator[None]:
    """A key that does not open the header is the wrong key, unless the
    manifest says the archive was made for that very key: then the header
    is damaged."""
    try:
        yield
    except age.NoMatchingKey:
        if (sidecar or {}).get("recipient"):  # check_recipient passed: the right key
            raise age.HeaderDamaged("damaged: its header does not open with the key "
                                    "it was made for") from None
        raise age.NoMatchingKey("was not made for this key (or its header is "
                                "damaged)") from None


# -- verify -----------------------------------------------------------------------

@dataclass
class Verified:
    size: int
    sha256: str | None
    with_key: bool
    contents: Contents | None = None
    created_at: str | None = None


def verify_source(source: Any, name: str, sidecar: dict | None,
                  identities: list[age.Identity] | None, scratch: Path) -> Verified:
    """Verify an archive read from `source`; raises ArchiveError naming it."""
    reader = HashingSource(source)
    try:
        if identities is None:
            return _verify_structure(reader, sidecar)
        check_recipient(sidecar, identities)
        site = scratch / "site"
        site.mkdir(mode=0o700)

        def keep(path: str, _size: int, mtime: float) -> _RestoredFile | None:
            # What _check_site reads; the media are checked against their
            # checksums as they stream by, and go nowhere.
            return _RestoredFile(site / path, mtime) if path in _SITE_FILES else None

        with _telling_damage_from_keys(sidecar):
            contents = read_archive(reader, scratch, keep,
                                    identities=identities, check_info=check_schema)
        _drain(reader)
        check_sidecar(sidecar, reader.size, reader.digest)
        _check_site(site)
        return Verified(reader.size, reader.digest, True, contents,
                        contents.info.get("created_at"))
    except UserError as exc:
        raise _named(name, exc) from None
    finally:
        reader.close()


def _verify_structure(reader: HashingSource, sidecar: dict | None) -> Verified:
    if sidecar is None:
        raise ArchiveError("has no manifest beside it, so its checksum cannot be "
                           "checked without the key: give --key to check everything")
    header = age.read_header(reader)
    if not any(stanza.type == "X25519" for stanza in header.stanzas):
        raise ArchiveError("is not encrypted to a public key, as backups are")
    _drain(reader)
    age.check_payload_size(reader.size, header.size)
    check_sidecar(sidecar, reader.size, reader.digest)
    return Verified(reader.size, reader.digest, False,
                    created_at=sidecar.get("created_at"))


def _drain(reader: HashingSource) -> None:
    while reader.read(1 << 20):
        pass


def verify_file(archive: Path, identities: list[age.Identity] | None) -> Verified:
    try:
        handle = archive.open("rb", buffering=1 << 20)
    except OSError as exc:
        raise UserError(f"cannot read {archive}: {exc.strerror or exc}") from None
    sidecar = _read_sidecar(archive)
    with tempfile.TemporaryDirectory(prefix="portal-verify-") as scratch:
        return verify_source(handle, archive.name, sidecar, identities, Path(scratch))


def _read_sidecar(archive: Path) -> dict | None:
    try:
        return parse_sidecar(sidecar_path(archive).read_bytes())
    except OSError:
        return None


# -- restore ----------------------------------------------------------------------

@dataclass
class Restored:
    target: Path
    contents: Contents


class _RestoredFile:
    def __init__(self, path: Path, mtime: float) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        self._file = os.fdopen(fd, "wb", buffering=1 << 20)
        self._path = path
        self._mtime = mtime

    def write(self, data: bytes) -> int:
        return self._file.write(data)

    def close(self) -> None:
        self._file.close()
        with contextlib.suppress(OSError):
            os.utime(self._path, (self._mtime, self._mtime))


def check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise UserError(f"{target} is not empty: restore into a new or empty folder")
    if not target.parent.is_dir():
        raise UserError(f"the folder {target.parent} does not exist: create it first")


def restore_source(source: Any, name: str, target: Path, *,
                   identities: list[age.Identity] | None = None,
                   file_key: bytes | None = None, sidecar: dict | None = None) -> Restored:
    """Restore an archive read from `source` into the new folder `target`."""
    check_target(target)
    staging = target.parent / f".{target.name}.restoring-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    reader = HashingSource(source, hashing=False)
    try:
        if identities is not None:
            check_recipient(sidecar, identities)
        scratch = staging / STATE_DIR / "restore-work"
        scratch.mkdir(mode=0o700, parents=True)
        with _telling_damage_from_keys(sidecar):
            contents = read_archive(
                reader, scratch,
                lambda path, _size, mtime: _RestoredFile(staging / path, mtime),
                identities=identities, file_key=file_key, check_info=check_schema)
        _drain(reader)
        check_sidecar(sidecar, reader.size, None)
        shutil.rmtree(scratch)
        _check_site(staging)
        save_state(staging, {"restored_from": {
            "archive": name, "created_at": contents.info.get("created_at"),
            "at": utc_text(datetime.now(UTC)), "files": contents.files}})
        _move_into_place(staging, target)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, UserError):
            raise _named(name, exc) from None
        raise
    finally:
        reader.close()
    return Restored(target, contents)


def _check_site(folder: Path) -> None:
    """What `portal serve` needs: a sound database and a config that loads."""
    database = folder / DATABASE_FILE
    if not database.is_file():
        raise ArchiveError(f"holds no {DATABASE_FILE}")
    conn = sqlite3.connect(database)
    try:
        result = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"holds a damaged database: {exc}") from None
    finally:
        conn.close()
    if result != "ok":
        raise ArchiveError(f"holds a damaged database: {result}")
    try:
        config_mod.load(folder)
    except UserError as exc:
        raise ArchiveError(f"holds a config that does not load: {exc}") from None


def _move_into_place(staging: Path, target: Path) -> None:
    if target.is_dir():
        target.rmdir()  # empty, checked above; rename needs it gone or empty
    os.rename(staging, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def restore_file(archive: Path, key_file: Path, target: Path,
                 passphrase: Callable[[], str]) -> Restored:
    target = target.expanduser().absolute()
    check_target(target)
    identities = load_identities(key_file, passphrase)
    try:
        handle = archive.open("rb", buffering=1 << 20)
    except OSError as exc:
        raise UserError(f"cannot read {archive}: {exc.strerror or exc}") from None
    return restore_source(handle, archive.name, target, identities=identities,
                          sidecar=_read_sidecar(archive))
