"""Backups over SFTP to a real OpenSSH server on loopback: the pinned host
key, a server that dies mid-transfer, and a server whose disk is full."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from backup_support import configure, fill, one_line_error, run
from sshd_support import make_sshd

from appliance.doctor import run_checks
from backup.archive import ARCHIVE_SUFFIX, MANIFEST_SUFFIX
from backup.status import load_state

ROOT = str(Path(__file__).resolve().parents[2])


@pytest.fixture
def sshd(tmp_path):
    server = make_sshd(tmp_path / "sshd", tmp_path / "served")
    yield server
    server.stop()


@pytest.fixture
def over_sftp(data_dir, keys, sshd):
    return configure(data_dir, destination=sshd.url, recipient=str(keys.recipient),
                     sftp_key=str(sshd.client_key), sftp_host_key=sshd.host_key)


def add_media(config, megabytes: int) -> None:
    folder = config.media_dir / "2026" / "12"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(megabytes):
        (folder / f"photo{number}.jpg").write_bytes(os.urandom(1 << 20))


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def archives(folder: Path) -> list[str]:
    return [name for name in listing(folder) if name.endswith(ARCHIVE_SUFFIX)]


def assert_failure_shown(data_dir: Path, reason: str, capsys) -> None:
    """The destination's own error, not a fault that followed it, in the
    record, `portal backup list` and `portal doctor`."""
    state = load_state(data_dir)
    assert reason in state["last_failure"]["reason"], state
    assert "internal error" not in state["last_failure"]["reason"]
    listed = run(capsys, "backup", "list", "--data", str(data_dir))[1]
    assert "the last backup failed: " in listed and reason in listed, listed
    [found] = [f for f in run_checks(data_dir) if f.check == "backup"]
    assert reason in found.message and "BufferError" not in found.message


def test_backup_over_sftp_then_verify_and_restore(over_sftp, sshd, keys, tmp_path,
                                                  capsys):
    add_media(over_sftp, 2)
    code, out, err = run(capsys, "backup", "run", "--data", str(over_sftp.data_dir))
    assert code == 0, err
    assert "test restore: passed" in out and sshd.url in out
    [name] = archives(sshd.served)
    assert listing(sshd.served) == sorted([name, name.replace(ARCHIVE_SUFFIX,
                                                                MANIFEST_SUFFIX)])
    code, out, err = run(capsys, "backup", "list", "--data", str(over_sftp.data_dir))
    assert code == 0 and name in out, err
    # Checked where it lies, through SFTP, with the key ...
    code, out, err = run(capsys, "backup", "verify", name, "--key", str(keys.private),
                         "--data", str(over_sftp.data_dir))
    assert code == 0 and "check out" in out, err
    # ... and restored from a copy fetched from the NAS.
    target = tmp_path / "restored"
    code, out, err = run(capsys, "restore", str(sshd.served / name), "--key",
                         str(keys.private), "--to", str(target))
    assert code == 0, err
    for photo in (over_sftp.media_dir / "2026" / "12").iterdir():
        assert (target / "media" / "2026" / "12" / photo.name).read_bytes() == \
            photo.read_bytes()


def test_a_host_key_other_than_the_pinned_one_is_refused(data_dir, keys, sshd, tmp_path,
                                                         capsys):
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)],
                   check=True, timeout=60)
    config = configure(data_dir, destination=sshd.url, recipient=str(keys.recipient),
                       sftp_key=str(sshd.client_key),
                       sftp_host_key=other.with_suffix(".pub").read_text().strip())
    code, _out, err = run(capsys, "backup", "run", "--data", str(config.data_dir))
    assert code == 1 and one_line_error(err)
    assert "host key other than backup.sftp_host_key" in err
    assert listing(sshd.served) == []


def portal(*argv: str) -> subprocess.CompletedProcess:
    """The `portal` command as its own process, as an operator runs it: what
    asyncio prints about tasks it collects at exit reaches stderr only there."""
    return subprocess.run([sys.executable, "-m", "appliance", *argv], capture_output=True,
                          text=True, timeout=300, env=os.environ | {"PYTHONPATH": ROOT})


def test_a_server_that_dies_mid_transfer(over_sftp, sshd, capsys):
    # An archive of many 1 MiB blocks, so the server dies with several writes
    # in flight and the encryptor holding more than one chunk (a small
    # archive, sent whole at the end, never showed what follows).
    add_media(over_sftp, 12)
    for limit in (1, 2, 5):  # where it dies changes which write sees it first
        sshd.limit_writes(limit << 20)  # the SFTP server dies past this size
        done = portal("backup", "run", "--data", str(over_sftp.data_dir))
        assert done.returncode == 1 and one_line_error(done.stderr), done.stderr
        assert "was lost while" in done.stderr, done.stderr
        assert "BufferError" not in done.stderr and "internal error" not in done.stderr
        assert archives(sshd.served) == []  # nothing under a final name
    status = run(capsys, "backup", "list", "--data", str(over_sftp.data_dir))[1]
    assert "the last backup failed: the connection to the SFTP server" in status

    sshd.limit_writes(None)
    code, out, err = run(capsys, "backup", "run", "--data", str(over_sftp.data_dir))
    assert code == 0, err
    [name] = archives(sshd.served)
    assert listing(sshd.served) == sorted([name, name.replace(ARCHIVE_SUFFIX,
                                                                MANIFEST_SUFFIX)])


def test_an_sftp_server_that_stops_altogether(over_sftp, sshd, capsys):
    sshd.stop()
    code, _out, err = run(capsys, "backup", "run", "--data", str(over_sftp.data_dir))
    assert code == 1 and one_line_error(err) and "cannot reach" in err, err
    sshd.start()
    code, _out, err = run(capsys, "backup", "run", "--data", str(over_sftp.data_dir))
    assert code == 0, err


def test_a_full_sftp_server(data_dir, keys, tmp_path, small_disk, capsys):
    served = small_disk / "portal"
    sshd = make_sshd(tmp_path / "sshd", served)
    try:
        config = configure(data_dir, destination=sshd.url, recipient=str(keys.recipient),
                           sftp_key=str(sshd.client_key), sftp_host_key=sshd.host_key)
        add_media(config, 10)  # the disk fills mid-stream, many chunks in
        filler = fill(small_disk, 512 * 1024)
        done = portal("backup", "run", "--data", str(data_dir))
        assert done.returncode == 1 and one_line_error(done.stderr), done.stderr
        assert "refused a write" in done.stderr and "disk may be full" in done.stderr
        assert listing(served) == []  # the unfinished upload was removed
        assert_failure_shown(data_dir, "disk may be full", capsys)
        filler.unlink()
        code, _out, err = run(capsys, "backup", "run", "--data", str(data_dir))
        assert code == 0, err
        assert len(archives(served)) == 1
    finally:
        sshd.stop()


def test_a_full_nas_folder(data_dir, keys, small_disk, capsys):
    folder = small_disk / "portal"
    folder.mkdir()
    config = configure(data_dir, destination=str(folder), recipient=str(keys.recipient))
    add_media(config, 10)  # the disk fills mid-stream, many chunks in
    filler = fill(small_disk, 512 * 1024)
    code, _out, err = run(capsys, "backup", "run", "--data", str(data_dir))
    assert code == 1 and one_line_error(err), err
    assert "is full" in err and str(folder) in err
    assert listing(folder) == []
    assert_failure_shown(data_dir, "is full (No space left on device)", capsys)
    filler.unlink()
    code, _out, err = run(capsys, "backup", "run", "--data", str(data_dir))
    assert code == 0, err
    assert len(archives(folder)) == 1
