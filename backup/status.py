"""This machine's backup record, and the one call that reports on it.

The record lives in the data folder (`backup/state.json`), not in the
database and not in any archive: a restored site starts with no history of
its own and nothing half-done to resume, and a test restore never inherits
a record of the run that made it. `backup_status(config)` is what the
dashboard and `portal doctor` show; it reads that file only, so it is cheap
and never waits on the network.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from appliance.config import Config
from appliance.errors import UserError

from .archive import STATE_DIR

STATE_FILE = "state.json"
LOCK_FILE = "lock"
RUNS_KEPT = 30
# A nightly backup with its retries is done within a few hours; older than
# this, the newest archive means a night was missed.
STALE_AFTER = timedelta(hours=30)


def state_dir(data_dir: Path) -> Path:
    return data_dir / STATE_DIR


def load_state(data_dir: Path) -> dict[str, Any]:
    try:
        value = json.loads((state_dir(data_dir) / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def save_state(data_dir: Path, state: dict[str, Any]) -> None:
    folder = state_dir(data_dir)
    folder.mkdir(mode=0o700, exist_ok=True)
    temp = folder / f".{STATE_FILE}.tmp"
    temp.write_text(json.dumps(state, ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    os.replace(temp, folder / STATE_FILE)


def record_run(data_dir: Path, entry: dict[str, Any], **changes: Any) -> None:
    state = load_state(data_dir)
    state.update(changes)
    state["runs"] = ([entry] + list(state.get("runs", [])))[:RUNS_KEPT]
    save_state(data_dir, state)


@contextlib.contextmanager
def locked(data_dir: Path) -> Iterator[None]:
    """One backup of a site at a time, whichever process starts it."""
    folder = state_dir(data_dir)
    folder.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError("another backup of this site is running; try again "
                            "when it has finished") from None
        yield
    finally:
        os.close(fd)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class BackupStatus:
    """What the dashboard and `portal doctor` say about backups."""

    configured: bool
    destination: str | None
    nightly_at: str | None  # HH:MM, Asia/Ho_Chi_Minh
    last_success_at: datetime | None
    last_archive: str | None
    last_archive_bytes: int | None
    last_failure_at: datetime | None
    last_failure_reason: str | None
    newest_archive_age: timedelta | None
    test_restore_at: datetime | None
    test_restore_ok: bool | None
    test_restore_reason: str | None
    warning: str | None
    restored_from: str | None
    last_run_ok: bool | None = None  # the latest attempt's outcome

    @property
    def failing(self) -> bool:
        """The latest attempt failed (a retry may still come)."""
        return self.last_run_ok is False

    @property
    def stale(self) -> bool:
        """The newest archive is older than a night and its retries."""
        return self.newest_archive_age is not None and self.newest_archive_age > STALE_AFTER

    @property
    def problem(self) -> str | None:
        """One line on what is wrong, or None when backups are in order."""
        if not self.configured:
            return ("backups are not set up: set backup.destination and "
                    "backup.recipient in portal.toml")
        if self.failing:
            return f"the last backup failed: {self.last_failure_reason}"
        if self.test_restore_ok is False:
            return f"the last test restore failed: {self.test_restore_reason}"
        if self.last_success_at is None:
            return "no backup has been made yet"
        if self.stale:
            assert self.newest_archive_age is not None
            hours = int(self.newest_archive_age.total_seconds() // 3600)
            return f"the newest archive is {hours} hours old"
        return None

    @property
    def ok(self) -> bool:
        return self.problem is None


def backup_status(config: Config, now: datetime | None = None) -> BackupStatus:
    """The state of this site's backups, from this machine's record."""
    from .destinations import describe

    now = now or datetime.now(UTC)
    state = load_state(config.data_dir)
    success = state.get("last_success") or {}
    failure = state.get("last_failure") or {}
    test = state.get("last_test_restore") or {}
    restored = state.get("restored_from") or {}
    runs = state.get("runs") or []
    destination = str(config["backup.destination"]).strip()
    try:
        label = describe(config) if destination else None
    except UserError:
        label = destination
    success_at = _time(success.get("at"))
    made_at = _time(success.get("created_at")) or success_at
    return BackupStatus(
        configured=bool(destination and str(config["backup.recipient"]).strip()),
        destination=label,
        nightly_at=str(config["backup.time"]).strip() or None,
        last_success_at=success_at,
        last_archive=success.get("archive"),
        last_archive_bytes=success.get("size"),
        last_failure_at=_time(failure.get("at")),
        last_failure_reason=failure.get("reason"),
        newest_archive_age=(now - made_at) if made_at else None,
        test_restore_at=_time(test.get("at")),
        test_restore_ok=test.get("ok"),
        test_restore_reason=test.get("reason"),
        warning=state.get("warning"),
        restored_from=restored.get("archive"),
        last_run_ok=runs[0].get("ok") if runs and isinstance(runs[0], dict) else None,
    )
