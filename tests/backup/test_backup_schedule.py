"""The nightly run: the scheduler's daily jobs (local time, retries), the
server scheduling backups only when they are set up, and retention."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from backup_support import configure, fill, one_line_error, run

from appliance.app import SCHEDULER, create_app
from appliance.errors import UserError
from appliance.scheduler import Scheduler, next_daily
from backup.archive import ARCHIVE_SUFFIX, archive_name, manifest_name
from backup.retention import to_keep

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL)


@pytest.mark.parametrize("now, at, expected", [
    (local(2026, 12, 3, 1, 0), time(2, 30), local(2026, 12, 3, 2, 30)),
    (local(2026, 12, 3, 2, 30), time(2, 30), local(2026, 12, 4, 2, 30)),
    (local(2026, 12, 3, 23, 59), time(2, 30), local(2026, 12, 4, 2, 30)),
    (local(2026, 12, 31, 3, 0), time(2, 30), local(2027, 1, 1, 2, 30)),
    # 20:00 UTC is already 03:00 the next morning in Vietnam.
    (datetime(2026, 12, 3, 20, 0, tzinfo=UTC), time(2, 30), local(2026, 12, 5, 2, 30)),
    (datetime(2026, 12, 3, 19, 0, tzinfo=UTC), time(2, 30), local(2026, 12, 4, 2, 30)),
])
def test_the_next_nightly_run_is_in_local_time(now, at, expected):
    assert next_daily(now, at) == expected
    assert next_daily(now, at).tzinfo == UTC


async def test_a_daily_job_runs_at_its_time_and_retries_after_a_failure():
    scheduler = Scheduler()
    at = (datetime.now(LOCAL) + timedelta(seconds=1.5)).time().replace(microsecond=0)
    calls: list[float] = []

    async def flaky(_app) -> None:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) < 3:
            raise UserError("the NAS is not there")

    scheduler.daily("backup", at, flaky, retry_after=0.2, retries=3)
    started = asyncio.get_running_loop().time()
    runner = scheduler.run(None)
    await runner.__anext__()
    for _ in range(100):
        if "backup" in scheduler.last_run:
            break
        await asyncio.sleep(0.05)
    with pytest.raises(StopAsyncIteration):
        await runner.__anext__()
    assert len(calls) == 3, calls
    assert calls[0] - started >= 0.4  # it waited for its time, not the start
    assert calls[1] - calls[0] >= 0.2 and calls[2] - calls[1] >= 0.2


async def test_a_daily_job_gives_up_after_its_retries_until_the_next_day():
    scheduler = Scheduler()
    at = (datetime.now(LOCAL) + timedelta(seconds=1.2)).time().replace(microsecond=0)
    calls = []

    async def broken(_app) -> None:
        calls.append(1)
        raise RuntimeError("a fault")

    scheduler.daily("backup", at, broken, retry_after=0.05, retries=2)
    runner = scheduler.run(None)
    await runner.__anext__()
    await asyncio.sleep(2.5)
    with pytest.raises(StopAsyncIteration):
        await runner.__anext__()
    assert len(calls) == 3 and "backup" not in scheduler.last_run


def test_the_server_schedules_backups_only_when_they_are_set_up(backed, data_dir):
    app = create_app(backed)
    daily = app[SCHEDULER].daily_jobs["backup"]
    assert daily.at == time(2, 30) and daily.retries == 3 and daily.retry_after == 1800
    off = configure(data_dir, destination="")
    assert "backup" not in create_app(off)[SCHEDULER].daily_jobs


@pytest.mark.parametrize("settings, words", [
    ({"time": "2:30am"}, "backup.time"),
    ({"recipient": ""}, "backup.recipient is empty"),
    ({"recipient": "age1notakey"}, "not an age public key"),
    ({"destination": "sftp://nas.local/portal"}, "sftp://user@host"),
    ({"destination": "ftp://nas.local/portal"}, "use a folder or sftp://"),
    ({"destination": "sftp://backup@nas.local/portal"}, "backup.sftp_key is empty"),
])
def test_a_backup_config_that_cannot_work_stops_the_server_with_one_line(
        backed, settings, words, capsys):
    configure(backed.data_dir, **settings)
    code, _out, err = run(capsys, "serve", "--data", str(backed.data_dir))
    assert code == 1 and one_line_error(err) and words in err, err


# -- retention --------------------------------------------------------------------

def nightly(first: datetime, days: int) -> dict[str, datetime]:
    return {f"a{n:03}": first + timedelta(days=n) for n in range(days)}


def test_retention_keeps_days_weeks_and_months():
    archives = nightly(local(2026, 1, 1, 2, 30), 100)  # to Friday 10 April 2026
    keep = to_keep(archives, daily=7, weekly=4, monthly=3)
    days = sorted(archives[name].date().isoformat() for name in keep)
    assert days == [
        "2026-02-28",  # newest of February
        "2026-03-22",  # newest of the week of 16 March (a Sunday)
        "2026-03-29",  # ... of the week of 23 March
        "2026-03-31",  # newest of March
        "2026-04-04", "2026-04-05",  # the seven last days (5 April: its week too)
        "2026-04-06", "2026-04-07", "2026-04-08", "2026-04-09", "2026-04-10",
    ]


def test_retention_counts_local_days_and_always_keeps_the_newest():
    # 17:30 UTC is 00:30 the next day in Vietnam: two archives of one local day.
    archives = {"late": datetime(2026, 12, 3, 17, 30, tzinfo=UTC),
                "early": datetime(2026, 12, 4, 3, 0, tzinfo=UTC),
                "before": datetime(2026, 12, 3, 16, 0, tzinfo=UTC)}
    assert to_keep(archives, daily=2, weekly=0, monthly=0) == {"early", "before"}
    assert to_keep(archives, daily=0, weekly=0, monthly=0) == {"early"}


def old_archives(folder, days: int) -> list[str]:
    names = []
    for back in range(1, days + 1):
        name = archive_name("portal", datetime.now(UTC) - timedelta(days=back))
        (folder / name).write_bytes(b"an old archive")
        (folder / manifest_name(name)).write_text("{}")
        names.append(name)
    return names


def test_old_archives_go_only_after_a_newer_backup_succeeded(data_dir, keys, small_disk,
                                                             capsys):
    folder = small_disk / "portal"
    folder.mkdir()
    old = old_archives(folder, 5)
    foreign = ["other-20200101T000000Z.tar.zst.age", "notes.txt", ".hidden.tmp"]
    for name in foreign:
        (folder / name).write_text("not ours")
    configure(data_dir, destination=str(folder), recipient=str(keys.recipient),
              keep_daily=3, keep_weekly=0, keep_monthly=0)
    (data_dir / "media" / "photo.jpg").write_bytes(os.urandom(200_000))
    filler = fill(small_disk, 64 * 1024)
    code, _out, err = run(capsys, "backup", "run", "--data", str(data_dir))
    assert code == 1 and "is full" in err, err
    assert all((folder / name).exists() for name in old + foreign)  # nothing lost

    filler.unlink()
    code, out, err = run(capsys, "backup", "run", "--data", str(data_dir))
    assert code == 0, err
    assert "removed 3 old archive(s)" in out
    left = sorted(path.name for path in folder.iterdir())
    ours = [name for name in left if name.startswith("portal-")
            and name.endswith(ARCHIVE_SUFFIX)]
    assert len(ours) == 3 and sorted(old)[-2:] == sorted(ours)[:2]
    assert all(name in left for name in foreign)
    assert all(manifest_name(name) in left for name in ours)
    assert not any(manifest_name(name) in left for name in sorted(old)[:3])


def test_leftovers_of_a_dead_upload_are_cleared_by_the_next_run(backed, nas, capsys):
    stale = "." + archive_name("portal", datetime(2026, 1, 1, tzinfo=UTC)) + ".tmp"
    (nas / stale).write_bytes(b"half an archive")
    orphan = manifest_name(archive_name("portal", datetime(2026, 1, 2, tzinfo=UTC)))
    (nas / orphan).write_text("{}")
    code, _out, err = run(capsys, "backup", "run", "--data", str(backed.data_dir))
    assert code == 0, err
    names = {path.name for path in nas.iterdir()}
    assert stale not in names and orphan not in names and len(names) == 2


async def test_the_server_runs_the_nightly_backup_and_retries_it(aiohttp_client, data_dir,
                                                                 keys, tmp_path):
    import backup
    from backup import backup_status

    nas = tmp_path / "late-nas"  # not mounted yet when the night comes
    config = configure(data_dir, destination=str(nas), recipient=str(keys.recipient))
    app = create_app(config)
    soon = (datetime.now(LOCAL) + timedelta(seconds=1.2)).time().replace(microsecond=0)
    app[SCHEDULER].daily("backup", soon, backup.nightly, retry_after=0.5, retries=3)
    await aiohttp_client(app)
    for _ in range(200):
        if backup_status(config).failing:
            break
        await asyncio.sleep(0.05)
    assert "does not exist" in backup_status(config).last_failure_reason
    nas.mkdir()  # the share comes back before the retry
    for _ in range(400):
        if backup_status(config).ok:
            break
        await asyncio.sleep(0.05)
    status = backup_status(config)
    assert status.ok, status.problem
    assert (nas / status.last_archive).is_file()


def test_a_run_asked_to_stop_leaves_nothing(backed, nas):
    from backup.run import BackupFailed, run_backup

    with pytest.raises(BackupFailed, match="shutting down"):
        run_backup(backed, stop=lambda: True)
    assert list(nas.iterdir()) == []
    assert not list((backed.data_dir / "backup").glob("work-*"))
