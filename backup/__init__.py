"""Backups: nightly encrypted archives of the site, shipped to a NAS folder
or an SFTP server, checked, pruned, and restored with one command.

- `archive`: the snapshot and the archive's layout (tar, zstandard, age)
- `age`: the age file format on the cryptography package
- `destinations`: a folder or SFTP, uploads renamed into place when complete
- `run`: one backup run, with its test restore and retention
- `restore`: verify and restore
- `status`: this machine's record and `backup_status(config)` for the
  dashboard and `portal doctor`
- `cli`: the commands

`setup(app)` schedules the nightly run in the server.
"""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import time

from aiohttp import web

from appliance.config import Config
from appliance.errors import UserError

from .status import BackupStatus, backup_status

__all__ = ["BackupStatus", "backup_status", "setup"]

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def nightly_time(config: Config) -> time | None:
    """When the nightly run starts (local time), or None when backups are off."""
    if not str(config["backup.destination"]).strip():
        return None
    text = str(config["backup.time"]).strip()
    match = _TIME.match(text)
    if not match:
        raise UserError(f"backup.time {text!r} should be a time of day as HH:MM "
                        "(Asia/Ho_Chi_Minh), such as 02:30")
    return time(int(match.group(1)), int(match.group(2)))


def check(config: Config) -> None:
    """Refuse at start-up a backup config that could never work."""
    from .destinations import open_destination
    from .run import recipient_of

    if nightly_time(config) is None:
        return
    recipient_of(config)
    open_destination(config).close()


async def nightly(app: web.Application) -> None:
    from appliance.app import CONFIG

    from .run import run_backup

    # The run goes on in its thread if this task is cancelled; the flag makes
    # it stop at the next file, so shutting the server down does not wait for
    # a whole backup (the next run removes the unfinished upload).
    stopping = threading.Event()
    try:
        await asyncio.to_thread(run_backup, app[CONFIG], stop=stopping.is_set)
    except asyncio.CancelledError:
        stopping.set()
        raise


def setup(app: web.Application) -> None:
    from appliance.app import CONFIG, SCHEDULER

    config = app[CONFIG]
    check(config)
    at = nightly_time(config)
    if at is not None:
        app[SCHEDULER].daily("backup", at, nightly,
                             retry_after=config["backup.retry_minutes"] * 60,
                             retries=config["backup.retries"])
