"""One backup run: snapshot, archive, ship, check, prune, record.

The same function serves `portal backup run` and the nightly job. A run that
fails leaves no archive under a final name (its upload is removed, or, when
the destination has gone away, removed by the next run) and deletes nothing;
it is recorded with its reason for the dashboard and `portal doctor`, and
the nightly job tries again later.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from appliance.config import DATABASE_FILE, Config
from appliance.errors import UserError

from . import age
from .archive import (
    ARCHIVE_SUFFIX,
    MANIFEST_SUFFIX,
    HashingSink,
    Written,
    archive_name,
    archive_time,
    backup_info,
    manifest_name,
    sidecar,
    take_snapshot,
    utc_text,
    write_archive,
)
from .destinations import Destination, open_destination, temp_name
from .restore import restore_source
from .retention import to_keep
from .status import load_state, locked, record_run, save_state, state_dir

log = logging.getLogger("portal.backup")

# Room the test restore wants beyond the site's own size.
RESTORE_MARGIN = 1.1


class BackupFailed(UserError):
    """A run that did not produce a checked archive; the message says why."""


@dataclass
class BackupResult:
    archive: str
    destination: str
    size: int
    files: int
    content_bytes: int
    seconds: float
    test_restore: str  # "passed", "off" or "skipped: why"
    removed: list[str] = field(default_factory=list)
    warning: str | None = None

    @property
    def throughput(self) -> float:
        """Content bytes per second."""
        return self.content_bytes / self.seconds if self.seconds else 0.0


def recipient_of(config: Config) -> age.Recipient:
    value = str(config["backup.recipient"]).strip()
    if not value:
        raise UserError("backup.recipient is empty: run `portal backup keygen` and put "
                        "the public key it prints in portal.toml")
    return age.Recipient.parse(value)


def run_backup(config: Config, now: datetime | None = None,
               stop: Callable[[], bool] = lambda: False) -> BackupResult:
    """Make, ship and check one archive; then prune old ones. `stop()` may
    cut the run short (the server's shutdown), which then counts as failed."""
    with locked(config.data_dir):
        started = time.perf_counter()
        at = now or datetime.now(UTC)
        try:
            result = _run(config, at, started, stop)
        except Exception as exc:
            # Recorded here; reported by the caller (the command prints it, the
            # scheduler logs it with when it will try again). A fault that is
            # no one's input keeps its traceback for the log.
            reason = _reason(exc)
            record_run(config.data_dir, {"at": utc_text(datetime.now(UTC)), "ok": False,
                                         "reason": reason},
                       last_failure={"at": utc_text(datetime.now(UTC)), "reason": reason})
            if isinstance(exc, (UserError, OSError)):
                raise BackupFailed(reason) from None
            raise
        log.info("backup finished", extra={
            "archive": result.archive, "bytes": result.size, "files": result.files,
            "seconds": round(result.seconds, 1), "test_restore": result.test_restore,
            "removed": len(result.removed)})
        return result


def _reason(exc: Exception) -> str:
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return f"internal error ({type(exc).__name__}: {exc})"


def _run(config: Config, at: datetime, started: float,
         stop: Callable[[], bool]) -> BackupResult:
    recipient = recipient_of(config)
    prefix = str(config["backup.prefix"])
    destination = open_destination(config)
    work = state_dir(config.data_dir) / f"work-{at.strftime('%Y%m%dT%H%M%S')}"
    try:
        log.info("backup started", extra={"destination": destination.label})
        existing = {entry.name for entry in destination.entries()}
        _remove_leftovers(destination, prefix, existing)
        name = _free_name(prefix, at, existing)
        shutil.rmtree(work, ignore_errors=True)
        snap = take_snapshot(config, work)
        info = backup_info(config, snap)
        upload = destination.upload(name)
        sink = HashingSink(upload)
        try:
            written = write_archive(snap, sink, recipient, info, stop)
            destination.put_file(manifest_name(name), sidecar(
                name, sink.size, sink.sha.hexdigest(), recipient, info, written))
            upload.commit(name)
        except BaseException:
            upload.abort()
            _forget(destination, manifest_name(name))
            raise
        test = _test_restore(config, destination, name, written, sink, work)
        warning = _warning(config, destination)
        try:
            removed = _prune(config, destination, prefix, name)
        except UserError as exc:  # the new archive is good; pruning waits
            removed, warning = [], f"old archives were not pruned: {exc}"
        result = BackupResult(name, destination.label, sink.size, written.files,
                              written.content_bytes, time.perf_counter() - started,
                              test, removed, warning)
        _record_success(config, result, info)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)
        destination.close()


def _free_name(prefix: str, at: datetime, existing: set[str]) -> str:
    while True:
        name = archive_name(prefix, at)
        if name not in existing and temp_name(name) not in existing:
            return name
        at += timedelta(seconds=1)


def _remove_leftovers(destination: Destination, prefix: str, existing: set[str]) -> None:
    """Uploads of an earlier run that died with its destination, and
    manifests whose archive never appeared: ours only, by name."""
    for entry in sorted(existing):
        stem = entry[1:].removesuffix(".tmp") if entry.startswith(".") else ""
        unfinished = entry.endswith(".tmp") and (
            archive_time(prefix, stem) is not None
            or archive_time(prefix, stem.removesuffix(MANIFEST_SUFFIX) + ARCHIVE_SUFFIX)
            is not None)
        orphan = (entry.endswith(MANIFEST_SUFFIX)
                  and archive_time(prefix, entry.removesuffix(MANIFEST_SUFFIX)
                                   + ARCHIVE_SUFFIX) is not None
                  and entry.removesuffix(MANIFEST_SUFFIX) + ARCHIVE_SUFFIX not in existing)
        if unfinished or orphan:
            destination.remove(entry)
            log.info("unfinished upload removed", extra={"file": entry})


def _forget(destination: Destination, name: str) -> None:
    try:
        destination.remove(name)
    except Exception:  # the destination may be gone; the next run cleans up
        log.debug("could not remove", extra={"file": name})


# -- the test restore -------------------------------------------------------------

def _test_restore(config: Config, destination: Destination, name: str,
                  written: Written, sink: HashingSink, work: Path) -> str:
    """Read the archive back from the destination and restore it into a
    temporary folder, with the file key this run chose (the server never has
    the private key), checking every chunk, every file and the database."""
    if not config["backup.test_restore"]:
        return "off"
    (work / DATABASE_FILE).unlink()  # the snapshot's copy: room for the restore
    need = int(written.content_bytes * RESTORE_MARGIN)
    free = shutil.disk_usage(work).free
    if free < need:
        reason = (f"skipped: {free // 2**20:,} MiB free in the data folder, "
                  f"{need // 2**20:,} MiB needed")
        _record_test(config, name, None, reason)
        return reason
    target = work / "restored"
    try:
        # Only this run knows the file key, so every chunk's tag and the
        # header's MAC prove that what was read back is what was written.
        restored = restore_source(destination.open(name), name, target,
                                  file_key=written.file_key,
                                  sidecar={"size": sink.size})
        _check_restored(target, restored.contents.info)
    except Exception as exc:
        reason = f"the test restore failed: {_reason(exc)}"
        _record_test(config, name, False, reason)
        # A known-bad archive must not count as a success for retention.
        _forget(destination, name)
        _forget(destination, manifest_name(name))
        raise BackupFailed(reason) from None
    _record_test(config, name, True, None)
    return "passed"


def _check_restored(target: Path, info: dict) -> None:
    conn = sqlite3.connect(f"file:{(target / DATABASE_FILE).as_posix()}?mode=ro",
                           uri=True)
    try:
        schema = conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()
    if schema != info.get("schema"):
        raise BackupFailed(f"the restored database is at schema {schema}, the archive "
                           f"says {info.get('schema')}")


def _record_test(config: Config, name: str, ok: bool | None, reason: str | None) -> None:
    state = load_state(config.data_dir)
    state["last_test_restore"] = {"at": utc_text(datetime.now(UTC)), "archive": name,
                                  "ok": ok, "reason": reason}
    save_state(config.data_dir, state)


# -- retention and the record -----------------------------------------------------

def _prune(config: Config, destination: Destination, prefix: str, newest: str) -> list[str]:
    archives = {}
    for entry in destination.entries():
        made = archive_time(prefix, entry.name)
        if made is not None:
            archives[entry.name] = made
    keep = to_keep(archives, config["backup.keep_daily"], config["backup.keep_weekly"],
                   config["backup.keep_monthly"]) | {newest}
    removed = []
    for name in sorted(set(archives) - keep):
        destination.remove(manifest_name(name))
        destination.remove(name)
        removed.append(name)
        log.info("old archive removed", extra={"archive": name})
    return removed


def _warning(config: Config, destination: Destination) -> str | None:
    same_disk = getattr(destination, "same_disk_as", None)
    if same_disk and same_disk(config.data_dir):
        return ("the backup folder is on the same disk as the site: a disk failure "
                "would take both (is the NAS share mounted?)")
    return None


def _record_success(config: Config, result: BackupResult, info: dict) -> None:
    now = utc_text(datetime.now(UTC))
    entry = {"at": now, "ok": True, "archive": result.archive, "size": result.size,
             "seconds": round(result.seconds, 1), "test_restore": result.test_restore}
    record_run(config.data_dir, entry,
               last_success=entry | {"created_at": info["created_at"],
                                     "destination": result.destination},
               warning=result.warning)

