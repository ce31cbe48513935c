"""Archives: the snapshot of a site, and the file that holds it.

An archive is `PREFIX-YYYYMMDDTHHMMSSZ.tar.zst.age`: a tar stream (POSIX pax)
compressed with zstandard and encrypted with age. Inside, in this order:

    backup-info.json        what made it, when, and the database's schema
    portal.db               the database as of the snapshot
    portal.toml, secrets.toml, media/...   every other file of the data folder
    backup-manifest.jsonl   one line per file: path, size and SHA-256

"Every other file" is what a restored site needs to start as it was: the
config and secrets, the media, and tls/ (the certificate and key portal.toml
names; without them the restored server would not start), with whatever
else an operator keeps there, such as an ACME webroot. Left out: the live
database and its WAL files (the snapshot goes in instead), this machine's
backup state, and the copies of the database made before upgrades
(portal.db.schema-N.TIME.bak): each is a whole database of the past, they
would double the archive, and the archives themselves are the history.

so `age -d -i KEY ARCHIVE | zstd -d | tar -x` restores a site by hand.
Beside it, `PREFIX-...manifest.json` (plain text) gives the archive's size,
SHA-256 and recipient, so it can be checked without the key.

The snapshot is consistent: while a write transaction holds off every
writer (in this process or another), a read transaction pins the database
and every file of the data folder is hard-linked into a work folder; then
the writers go on and the database is copied, with SQLite's online backup,
from the pinned read transaction. Media files are never changed in place,
so the links keep exactly the files of that moment.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import stat
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import zstandard

from appliance import __version__
from appliance.config import CONFIG_FILE, DATABASE_FILE, Config
from appliance.db import BUSY_TIMEOUT_MS, existing_uri, latest_schema
from appliance.errors import UserError

from . import age

log = logging.getLogger("portal.backup")

FORMAT = 1
STATE_DIR = "backup"  # this machine's backup state and scratch space
INFO_MEMBER = "backup-info.json"
MANIFEST_MEMBER = "backup-manifest.jsonl"
ARCHIVE_SUFFIX = ".tar.zst.age"
MANIFEST_SUFFIX = ".manifest.json"
# Top-level names never copied as files: the live database (a snapshot goes
# in instead) and this machine's backup state.
EXCLUDED = {DATABASE_FILE, f"{DATABASE_FILE}-wal", f"{DATABASE_FILE}-shm",
            f"{DATABASE_FILE}-journal", STATE_DIR}
# Top-level names left out by pattern: the copies made before upgrades
# (appliance.db.backup_before_upgrade). Archives made before they were left
# out still hold them, and still restore.
EXCLUDED_PATTERN = re.compile(re.escape(DATABASE_FILE) + r"\.schema-\d+\..+\.bak")
RESERVED = {INFO_MEMBER, MANIFEST_MEMBER} | (EXCLUDED - {DATABASE_FILE})
BLOCK = 1 << 20
ZSTD_LEVEL = 3
# Compression runs on its own threads in jobs this large: a small job keeps
# their buffers to about ten megabytes and costs no speed here.
ZSTD_JOB = 1 << 20
MAX_JSON = 1 << 20
SQLITE_MAGIC = b"SQLite format 3\x00"


class ArchiveError(UserError):
    """An archive that cannot be trusted or used; the message says why."""


# -- names ------------------------------------------------------------------------

_STAMP = "%Y%m%dT%H%M%SZ"


def archive_name(prefix: str, when: datetime) -> str:
    return f"{prefix}-{when.astimezone(UTC).strftime(_STAMP)}{ARCHIVE_SUFFIX}"


def manifest_name(archive: str) -> str:
    return archive.removesuffix(ARCHIVE_SUFFIX) + MANIFEST_SUFFIX


def archive_time(prefix: str, name: str) -> datetime | None:
    """When an archive of ours was made, from its name; None for other files."""
    match = re.fullmatch(re.escape(prefix) + r"-(\d{8}T\d{6}Z)" + re.escape(ARCHIVE_SUFFIX),
                         name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the snapshot -----------------------------------------------------------------

@dataclass
class Snapshot:
    work: Path
    database: Path
    listing: Path  # JSON lines: [path in the archive, file to read]
    files: int = 0
    live: int = 0  # files that could not be linked, read as they are
    schema: int = 0
    taken_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def take_snapshot(config: Config, work: Path) -> Snapshot:
    """Freeze the site into `work`: a copy of the database and links to files."""
    work.mkdir(mode=0o700, parents=True)
    snap = Snapshot(work, work / DATABASE_FILE, work / "files.jsonl")
    timeout = BUSY_TIMEOUT_MS / 1000
    # Never an empty database made in place of a missing one, to be backed
    # up (and then to let retention prune the good archives).
    source = existing_uri(config.database_path)
    writer = sqlite3.connect(source, uri=True, timeout=timeout, isolation_level=None)
    reader = sqlite3.connect(source, uri=True, timeout=timeout, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        try:
            reader.execute("BEGIN")
            # The first read starts the read transaction: from here on the
            # reader sees the database as it is now, whatever is written next.
            reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
            snap.schema = reader.execute("PRAGMA user_version").fetchone()[0]
            snap.taken_at = datetime.now(UTC)
            _link_files(config.data_dir, work / "files", snap)
        finally:
            writer.execute("ROLLBACK")
        started = time.perf_counter()
        copy = sqlite3.connect(snap.database)
        try:
            reader.backup(copy)
        finally:
            copy.close()
        reader.execute("COMMIT")
    finally:
        reader.close()
        writer.close()
    log.debug("database copied", extra={"ms": round((time.perf_counter() - started) * 1000),
                                        "bytes": snap.database.stat().st_size})
    return snap


def _link_files(root: Path, farm: Path, snap: Snapshot) -> None:
    seen_dirs: set[tuple[int, int]] = set()
    with snap.listing.open("w", encoding="utf-8") as listing:
        for rel, source in _walk(root, PurePosixPath(), seen_dirs):
            target = farm / rel
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                os.link(source, target)
                path = target
            except OSError:
                # Another file system (media on a second disk) or no hard
                # links there: read the file as it is when its turn comes.
                path = source
                snap.live += 1
            listing.write(json.dumps([str(rel), str(path)], ensure_ascii=False) + "\n")
            snap.files += 1
    if snap.live:
        log.warning("files read live, not frozen with the snapshot",
                    extra={"files": snap.live})


def _walk(folder: Path, rel: PurePosixPath,
          seen: set[tuple[int, int]]) -> Iterator[tuple[PurePosixPath, Path]]:
    info = folder.stat()
    if (info.st_dev, info.st_ino) in seen:
        return  # a symbolic link loop
    seen.add((info.st_dev, info.st_ino))
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        if not rel.parts and (entry.name in EXCLUDED
                              or EXCLUDED_PATTERN.fullmatch(entry.name)):
            continue
        path = Path(entry.path)
        try:
            mode = path.stat().st_mode  # follows links: a linked media disk counts
        except OSError:
            continue
        if stat.S_ISDIR(mode):
            yield from _walk(path, rel / entry.name, seen)
        elif stat.S_ISREG(mode):
            yield rel / entry.name, path


# -- writing --------------------------------------------------------------------

@dataclass
class Written:
    file_key: bytes
    files: int
    content_bytes: int


class _Hashing:
    """Reads through, keeping the SHA-256 and the count of what went by."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.sha = sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha.update(data)
        self.size += len(data)
        return data


def compress_threads() -> int:
    return min(2, os.cpu_count() or 1)


class Stopped(UserError):
    """The run was asked to stop (the server is shutting down)."""


def write_archive(snap: Snapshot, sink: Any, recipient: age.Recipient, info: dict,
                  stop: Callable[[], bool] = lambda: False) -> Written:
    """Stream the snapshot into `sink` as an archive; `stop()` is asked
    between files."""
    encryptor, file_key = age.Encryptor.to(sink, recipient)
    compressor = zstandard.ZstdCompressor(compression_params=(
        zstandard.ZstdCompressionParameters.from_level(
            ZSTD_LEVEL, threads=compress_threads(), job_size=ZSTD_JOB)))
    manifest_path = snap.work / "manifest.jsonl"
    files = content = 0
    with manifest_path.open("w", encoding="utf-8") as manifest, \
            compressor.stream_writer(encryptor, closefd=False) as compressed, \
            tarfile.open(fileobj=compressed, mode="w|", format=tarfile.PAX_FORMAT,
                         bufsize=BLOCK) as tar:
        tar.copybufsize = BLOCK
        _add_bytes(tar, INFO_MEMBER, json.dumps(info, ensure_ascii=False, indent=1)
                   .encode("utf-8"), snap.taken_at)
        members = [(DATABASE_FILE, snap.database)]
        for rel, path in _members(snap, members):
            if stop():
                raise Stopped("stopped: the server is shutting down")
            with open(path, "rb") as raw:
                size = os.fstat(raw.fileno()).st_size
                reader = _Hashing(raw)
                tar.addfile(_file_info(rel, size, os.fstat(raw.fileno()).st_mtime),
                            reader)
            manifest.write(json.dumps({"path": rel, "size": size,
                                       "sha256": reader.sha.hexdigest()},
                                      ensure_ascii=False) + "\n")
            files += 1
            content += size
        manifest.flush()
        with manifest_path.open("rb") as raw:
            head = json.dumps({"format": FORMAT, "files": files,
                               "bytes": content}).encode("utf-8") + b"\n"
            body_size = manifest_path.stat().st_size
            tar.addfile(_file_info(MANIFEST_MEMBER, len(head) + body_size,
                                   snap.taken_at.timestamp()),
                        _Concat(io.BytesIO(head), raw))
    encryptor.close()
    return Written(file_key, files, content)


def _members(snap: Snapshot, first: list[tuple[str, Path]]) -> Iterator[tuple[str, Path]]:
    yield from first
    with snap.listing.open(encoding="utf-8") as listing:
        for line in listing:
            rel, path = json.loads(line)
            yield rel, Path(path)


def _file_info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    info.type = tarfile.REGTYPE
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, when: datetime) -> None:
    tar.addfile(_file_info(name, len(data), when.timestamp()), io.BytesIO(data))


class _Concat:
    def __init__(self, *parts: Any) -> None:
        self._parts = list(parts)

    def read(self, size: int = -1) -> bytes:
        """Full reads across the parts: tarfile wants exactly what it asks."""
        out = b""
        while self._parts and (size < 0 or len(out) < size):
            data = self._parts[0].read(-1 if size < 0 else size - len(out))
            if data:
                out += data
            else:
                self._parts.pop(0)
        return out


class HashingSink:
    """The destination's upload, counting and hashing the archive's bytes."""

    def __init__(self, upload: Any) -> None:
        self.upload = upload
        self.sha = sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.upload.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)


# -- reading --------------------------------------------------------------------

@dataclass
class Contents:
    info: dict
    files: int
    content_bytes: int
    archive_bytes: int


class HashingSource:
    """A source read through a SHA-256, so one pass also checks the sidecar
    manifest; buffered, since the header is parsed a byte at a time."""

    def __init__(self, raw: Any, hashing: bool = True) -> None:
        self._raw = raw
        self._buffer = b""
        self._pos = 0
        self.sha = sha256() if hashing else None
        self.size = 0

    @property
    def digest(self) -> str | None:
        return self.sha.hexdigest() if self.sha is not None else None

    def read(self, size: int = -1) -> bytes:
        whole = size is None or size < 0
        if self._pos >= len(self._buffer):
            if whole or size >= 4096:
                return self._count(self._raw.read() if whole else self._raw.read(size))
            self._buffer, self._pos = self._raw.read(BLOCK), 0
        end = len(self._buffer) if whole else self._pos + size
        out = self._buffer[self._pos:end]
        self._pos += len(out)
        if whole:
            out += self._raw.read()
        return self._count(out)

    def _count(self, data: bytes) -> bytes:
        if self.sha is not None:
            self.sha.update(data)
        self.size += len(data)
        return data

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._raw.close()


def open_payload(source: HashingSource, *, identities: list[age.Identity] | None = None,
                 file_key: bytes | None = None) -> tuple[age.Decryptor, age.Header]:
    header = age.read_header(source)
    if file_key is None:
        assert identities is not None
        file_key = age.unwrap_file_key(header, identities)
    else:
        header.check_mac(file_key)
    return age.Decryptor(source, file_key, header.size), header


FileSink = Callable[[str, int, float], BinaryIO | None]


def read_archive(source: HashingSource, scratch: Path, open_file: FileSink, *,
                 identities: list[age.Identity] | None = None,
                 file_key: bytes | None = None,
                 check_info: Callable[[dict], None] | None = None) -> Contents:
    """Decrypt, decompress and walk an archive, checking every chunk, every
    file's checksum and the manifest. `open_file(path, size, mtime)` gives
    where a file's bytes go (None: nowhere)."""
    decryptor, _header = open_payload(source, identities=identities, file_key=file_key)
    computed = scratch / "computed.jsonl"
    listed = scratch / "listed.jsonl"
    files = content = 0
    info: dict | None = None
    names: set[str] = set()
    dctx = zstandard.ZstdDecompressor()
    try:
        with dctx.stream_reader(decryptor, read_size=BLOCK, closefd=False) as plain, \
                computed.open("w", encoding="utf-8") as out:
            tar = tarfile.open(fileobj=plain, mode="r|", bufsize=BLOCK)  # noqa: SIM115
            member = tar.next()
            if member is None or member.name != INFO_MEMBER or not member.isreg():
                raise ArchiveError("is not a portal backup: it does not start with "
                                   f"{INFO_MEMBER}")
            info = _read_json(tar, member)
            if check_info:
                check_info(info)
            while True:
                member = tar.next()
                if member is None:
                    raise ArchiveError(f"has no {MANIFEST_MEMBER}: it is incomplete")
                if member.name == MANIFEST_MEMBER:
                    _copy_member(tar, member, listed)
                    break
                name = _checked_name(member, names)
                sink = open_file(name, member.size, member.mtime)
                digest = _copy_out(tar, member, sink)
                out.write(json.dumps({"path": name, "size": member.size,
                                      "sha256": digest}, ensure_ascii=False) + "\n")
                files += 1
                content += member.size
            if tar.next() is not None:
                raise ArchiveError(f"has files after {MANIFEST_MEMBER}")
            while plain.read(BLOCK):
                pass
        decryptor.finish()
    except zstandard.ZstdError:
        raise ArchiveError("damaged: its compressed stream is invalid") from None
    except tarfile.TarError as exc:
        raise ArchiveError(f"damaged: its tar stream is invalid ({exc})") from None
    _compare_manifest(computed, listed, files, content)
    return Contents(info or {}, files, content, source.size)


def _read_json(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict:
    if member.size > MAX_JSON:
        raise ArchiveError(f"damaged: {member.name} is too large")
    handle = tar.extractfile(member)
    assert handle is not None
    try:
        value = json.loads(handle.read())
    except ValueError:
        raise ArchiveError(f"damaged: {member.name} is not valid JSON") from None
    if not isinstance(value, dict):
        raise ArchiveError(f"damaged: {member.name} is not a JSON object")
    return value


def _checked_name(member: tarfile.TarInfo, seen: set[str]) -> str:
    """Only plain relative paths of regular files: an archive may come from
    anyone who knows the public key, so nothing in it is trusted."""
    name = member.name
    path = PurePosixPath(name)
    if (not member.isreg() or path.is_absolute() or not path.parts
            or any(part in ("", ".", "..") for part in path.parts)
            or str(path) != name or "\\" in name or "\x00" in name):
        raise ArchiveError(f"holds an entry that may not be restored: {name[:200]!r}")
    if path.parts[0] in RESERVED or name in seen:
        raise ArchiveError(f"holds an entry that may not be restored: {name[:200]!r}")
    seen.add(name)
    return name


def _copy_out(tar: tarfile.TarFile, member: tarfile.TarInfo, sink: BinaryIO | None) -> str:
    handle = tar.extractfile(member)
    assert handle is not None
    digest = sha256()
    first = True
    try:
        while block := handle.read(BLOCK):
            if first and member.name == DATABASE_FILE and not block.startswith(
                    SQLITE_MAGIC):
                raise ArchiveError(f"damaged: its {DATABASE_FILE} is not an SQLite "
                                   "database")
            first = False
            digest.update(block)
            if sink is not None:
                sink.write(block)
    finally:
        if sink is not None:
            sink.close()
    return digest.hexdigest()


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> None:
    handle = tar.extractfile(member)
    assert handle is not None
    with path.open("wb") as out:
        shutil.copyfileobj(handle, out, BLOCK)


def _compare_manifest(computed: Path, listed: Path, files: int, content: int) -> None:
    with computed.open(encoding="utf-8") as got, listed.open(encoding="utf-8") as want:
        try:
            head = json.loads(want.readline())
        except ValueError:
            raise ArchiveError("damaged: its manifest is not valid JSON") from None
        if head.get("files") != files or head.get("bytes") != content:
            raise ArchiveError(f"damaged: its manifest lists {head.get('files')} files, "
                               f"the archive holds {files}")
        for line in got:
            mine = json.loads(line)
            try:
                theirs = json.loads(want.readline())
            except ValueError:
                raise ArchiveError("damaged: its manifest is not valid JSON") from None
            if theirs != mine:
                raise ArchiveError(f"damaged: {mine['path']} does not match its "
                                   "checksum in the manifest")
        if want.readline().strip():
            raise ArchiveError("damaged: its manifest lists files it does not hold")


def check_schema(info: dict) -> None:
    """Refuse, before anything is written, what this program cannot run."""
    if info.get("format") != FORMAT:
        raise ArchiveError(f"is in backup format {info.get('format')!r}; this "
                           f"portal reads format {FORMAT}")
    schema = info.get("schema")
    if not isinstance(schema, int) or schema > latest_schema():
        raise ArchiveError(f"was made by a newer portal (schema {schema}; this one "
                           f"knows up to {latest_schema()}): restore it with that "
                           "version or newer")


def backup_info(config: Config, snap: Snapshot) -> dict:
    return {
        "format": FORMAT,
        "created_at": utc_text(snap.taken_at),
        "version": __version__,
        "schema": snap.schema,
        "province": config["site.province"],
        "base_url": config.base_url,
        "config": CONFIG_FILE,
    }


def sidecar(name: str, size: int, digest: str, recipient: age.Recipient,
            info: dict, written: Written) -> bytes:
    return (json.dumps({
        "format": FORMAT, "archive": name, "size": size, "sha256": digest,
        "created_at": info["created_at"], "recipient": str(recipient),
        "version": info["version"], "schema": info["schema"],
        "files": written.files, "content_bytes": written.content_bytes,
    }, indent=1) + "\n").encode("utf-8")


def parse_sidecar(data: bytes | None) -> dict | None:
    if data is None:
        return None
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        value = json.loads(data)
        if isinstance(value, dict):
            return value
    return {}  # present but unreadable: damaged
