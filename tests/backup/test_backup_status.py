"""What the dashboard and `portal doctor` learn about backups:
`backup_status(config)`, and the dashboard's alarm and panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from backup_support import configure

from backup import backup_status
from backup.run import BackupFailed, run_backup


@pytest.fixture
def config(backed):
    """The test site with backups set up (the app, `conn` and `sample` use it)."""
    return backed


def test_a_site_without_backups_says_how_to_set_them_up(data_dir):
    from appliance import config as config_mod

    status = backup_status(config_mod.load(data_dir))
    assert not status.configured and not status.ok
    assert "backup.destination" in status.problem


def test_status_follows_success_and_failure(config, nas, tmp_path):
    status = backup_status(config)
    assert status.configured and status.last_success_at is None
    assert status.problem == "no backup has been made yet"

    result = run_backup(config)
    status = backup_status(config)
    assert status.ok, status.problem
    assert status.last_archive == result.archive
    assert status.last_archive_bytes == result.size
    assert status.test_restore_ok is True
    assert status.newest_archive_age < timedelta(minutes=5)
    assert status.destination == str(nas)

    gone = configure(config.data_dir, destination=str(tmp_path / "unmounted"))
    with pytest.raises(BackupFailed, match="does not exist"):
        run_backup(gone)
    status = backup_status(gone)
    assert status.failing and "does not exist" in status.last_failure_reason
    assert status.problem.startswith("the last backup failed: ")
    assert status.last_archive == result.archive  # the good one is still known

    later = datetime.now(UTC) + timedelta(days=2)
    assert backup_status(config, now=later).stale


def test_doctor_reports_backups(config, nas, tmp_path):
    from appliance.doctor import ERROR, OK, WARNING, run_checks

    def backup_finding(data_dir):
        [finding] = [f for f in run_checks(data_dir) if f.check == "backup"]
        return finding

    assert backup_finding(config.data_dir).level == WARNING  # set up, never run
    # A first run that fails is an error, though none has succeeded yet.
    unmounted = configure(config.data_dir, destination=str(tmp_path / "unmounted"))
    with pytest.raises(BackupFailed):
        run_backup(unmounted)
    found = backup_finding(config.data_dir)
    assert found.level == ERROR and "does not exist" in found.message
    configure(config.data_dir, destination=str(nas))
    result = run_backup(config)
    found = backup_finding(config.data_dir)
    assert found.level == OK and result.archive in found.message

    gone = configure(config.data_dir, destination=str(tmp_path / "unmounted"))
    with pytest.raises(BackupFailed):
        run_backup(gone)
    found = backup_finding(config.data_dir)
    assert found.level == ERROR and "does not exist" in found.message
    assert "portal backup run" in found.action


async def test_the_dashboard_shows_administrators_a_failed_backup(
        config, admin, sign_in, add_staff, tmp_path):
    page = await admin.text("/admin/")
    assert 'id="backups"' in page and 'id="backup-alarm"' not in page
    assert "chưa có" in page  # the newsroom speaks Vietnamese: "none yet"

    gone = configure(config.data_dir, destination=str(tmp_path / "unmounted"))
    with pytest.raises(BackupFailed):
        run_backup(gone)
    page = await admin.text("/admin/")
    assert 'id="backup-alarm"' in page and 'role="alert"' in page
    assert "Lần sao lưu gần nhất bị lỗi" in page  # "The last backup failed"
    assert "does not exist" in page  # the reason, as the log has it

    add_staff("editor")
    editor = await sign_in("editor")
    page = await editor.text("/admin/")
    assert 'id="backup-alarm"' not in page and 'id="backups"' not in page


async def test_the_dashboard_shows_the_last_good_backup(config, admin):
    result = run_backup(config)
    page = await admin.text("/admin/")
    assert result.archive in page and 'id="backup-alarm"' not in page
    assert "Khôi phục thử" in page and "đạt" in page  # "Test restore", "passed"
