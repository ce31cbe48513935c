"""Backing up to a folder, verifying and restoring through the `portal`
command; and every way an archive can be wrong: a flipped byte, a cut, the
wrong key or passphrase, a hostile archive. Each fails with one clear line,
a non-zero exit, and nothing written."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from hashlib import sha256
from pathlib import Path

import pytest
import zstandard
from backup_support import (
    PASSPHRASE,
    age_at_a_terminal,
    make_keys,
    one_line_error,
    run,
    tool,
)

from appliance.config import DATABASE_FILE
from backup import age
from backup.archive import ARCHIVE_SUFFIX, INFO_MEMBER, MANIFEST_MEMBER, manifest_name


def add_media(config, count: int = 3, size: int = 150_000) -> None:
    folder = config.media_dir / "2026" / "12"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (folder / f"file{number}.jpg").write_bytes(os.urandom(size))


def backup_now(capsys, config) -> Path:
    code, out, err = run(capsys, "backup", "run", "--data", str(config.data_dir))
    assert code == 0, err
    folder = Path(config["backup.destination"])
    [archive] = sorted(folder.glob(f"*{ARCHIVE_SUFFIX}"), reverse=True)[:1]
    return archive


def site_files(folder: Path) -> dict[str, bytes]:
    """Every file a site is made of, but the live database and backup state."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not rel.startswith(("portal.db", "backup/")):
            found[rel] = path.read_bytes()
    return found


def table_rows(database: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
            "'CREATE VIRTUAL%' ORDER BY name")]
        return {name: conn.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()
                for name in names} | {
            "user_version": [conn.execute("PRAGMA user_version").fetchone()]}
    finally:
        conn.close()


def nothing_left(parent: Path, target: Path) -> bool:
    """No target and no hidden staging folder beside it."""
    return not target.exists() and not [p for p in parent.iterdir()
                                        if p.name.startswith(f".{target.name}.")]


@pytest.fixture
def archive(backed, capsys) -> Path:
    add_media(backed)
    return backup_now(capsys, backed)


# -- the good path ------------------------------------------------------------------

def test_a_backup_is_one_archive_with_its_manifest(backed, nas, capsys):
    add_media(backed)
    code, out, err = run(capsys, "backup", "run", "--data", str(backed.data_dir))
    assert code == 0, err
    names = sorted(path.name for path in nas.iterdir())
    assert len(names) == 2 and not [n for n in names if n.endswith(".tmp")]
    archive = nas / next(n for n in names if n.endswith(ARCHIVE_SUFFIX))
    sidecar = json.loads((nas / manifest_name(archive.name)).read_text())
    assert sidecar["size"] == archive.stat().st_size
    assert sidecar["sha256"] == sha256(archive.read_bytes()).hexdigest()
    assert sidecar["recipient"] == backed["backup.recipient"]
    assert sidecar["files"] >= 6  # database, config, secrets, three media files
    assert "test restore: passed" in out
    code, out, _ = run(capsys, "backup", "list", "--data", str(backed.data_dir))
    assert code == 0 and archive.name in out and "1 archive(s)" in out


def test_a_missing_database_is_never_backed_up_as_an_empty_one(backed, nas, capsys):
    """An empty archive would pass its test restore, then let retention prune
    the good ones."""
    (backed.data_dir / DATABASE_FILE).unlink()
    code, _out, err = run(capsys, "backup", "run", "--data", str(backed.data_dir),
                          env={"LANG": "en_US.UTF-8"})
    assert code == 1
    assert f"no database at {backed.data_dir / DATABASE_FILE}" in err
    assert len(err.strip().splitlines()) == 1
    assert not list(backed.data_dir.glob(DATABASE_FILE + "*"))
    assert not [p for p in nas.iterdir() if p.name.endswith(ARCHIVE_SUFFIX)]

def test_restore_gives_back_the_site_as_it_was(sample, backed, capsys, tmp_path):
    archive = backup_now(capsys, backed)
    target = tmp_path / "new-machine" / "portal"
    target.parent.mkdir()
    code, out, err = run(capsys, "restore", str(archive), "--key",
                         str(tmp_path / "keys" / "portal-backup.key"), "--to", str(target))
    assert code == 0, err
    assert f"portal serve --data {target}" in out
    assert site_files(target) == site_files(backed.data_dir)
    assert len(site_files(target)) > 10  # the sample's pictures came too
    assert table_rows(target / DATABASE_FILE) == table_rows(backed.database_path)
    assert oct(target.stat().st_mode & 0o777) == "0o700"
    assert oct((target / "secrets.toml").stat().st_mode & 0o777) == "0o600"
    state = json.loads((target / "backup" / "state.json").read_text())
    assert state["restored_from"]["archive"] == archive.name
    assert "last_success" not in state  # a restored site has no runs to resume


def test_documents_that_replace_others_back_up_and_restore(backed, conn, capsys,
                                                          tmp_path):
    """The links between documents pass SQLite's own integrity checks, which
    every test restore and restore makes (3.40 once called them damaged)."""
    from appliance.content import ItemInput, save_item
    from appliance.db import transaction

    for number, title, links in (
            ("12/2025/QĐ-UBND", "Quyết định về giá nước sạch", {}),
            ("03/2026/QĐ-UBND", "Quyết định thay thế",
             {"replaces": ["12/2025/QĐ-UBND"], "amends": ["07/2024/QĐ-UBND"]})):
        data = ItemInput(kind="legal_document", lang="vi", title=title,
                         published_at="2026-01-05T08:00", document={"number": number, **links})
        transaction(conn, lambda db, data=data: save_item(db, data, status="published"))
    assert [tuple(r) for r in conn.execute("PRAGMA integrity_check")] == [("ok",)]
    archive = backup_now(capsys, backed)  # with its test restore
    target = tmp_path / "restored"
    code, out, err = run(capsys, "restore", str(archive), "--key",
                         str(tmp_path / "keys" / "portal-backup.key"), "--to", str(target))
    assert code == 0, err
    assert table_rows(target / DATABASE_FILE)["document_link"] == table_rows(
        backed.database_path)["document_link"]
    assert len(table_rows(target / DATABASE_FILE)["document_link"]) == 2


def test_verify_with_and_without_the_key(archive, capsys, keys):
    code, out, err = run(capsys, "backup", "verify", str(archive))
    assert code == 0, err
    assert "structure and SHA-256 match" in out
    code, out, err = run(capsys, "backup", "verify", str(archive), "--key",
                         str(keys.private))
    assert code == 0, err
    assert "every chunk, every file's checksum and the manifest check out" in out


def test_verify_finds_an_archive_at_the_destination_by_name(archive, backed, capsys):
    elsewhere = Path(os.getcwd())
    assert not (elsewhere / archive.name).exists()
    code, out, err = run(capsys, "backup", "verify", archive.name, "--data",
                         str(backed.data_dir))
    assert code == 0, err and archive.name in out


def test_debian_tools_alone_restore_an_archive(archive, keys, tmp_path, backed):
    """age, zstd and tar, with the key and its passphrase: no appliance needed."""
    plain = tmp_path / "archive.tar.zst"
    code, shown = age_at_a_terminal(["age", "-d", "-i", str(keys.private), "-o",
                                     str(plain), str(archive)], PASSPHRASE)
    assert code == 0, shown
    out = tmp_path / "by-hand"
    out.mkdir()
    tool("sh", "-c", f"zstd -dc '{plain}' | tar -x -C '{out}'")
    files = site_files(out)
    assert {INFO_MEMBER, MANIFEST_MEMBER} <= set(files)
    for rel, data in site_files(backed.data_dir).items():
        assert files[rel] == data
    lines = files[MANIFEST_MEMBER].decode().splitlines()
    for line in lines[1:]:
        entry = json.loads(line)
        assert sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]


# -- damage ------------------------------------------------------------------------

def _positions(archive: Path) -> dict[str, int]:
    data = archive.read_bytes()
    header = age.read_header(io.BytesIO(data))
    payload = header.size + age.NONCE_SIZE
    return {"version line": 3, "stanza": 40, "header MAC": header.size - 5,
            "nonce": header.size + 4, "first chunk": payload + 100,
            "second chunk": payload + age.SEALED_CHUNK + 7, "last byte": len(data) - 1}


DAMAGE = ["version line", "stanza", "header MAC", "nonce", "first chunk",
          "second chunk", "last byte"]
CUTS = ["inside the header", "after the nonce", "mid-chunk", "at a chunk boundary",
        "one byte short"]


def _cut(archive: Path, where: str) -> None:
    data = archive.read_bytes()
    header = age.read_header(io.BytesIO(data))
    payload = header.size + age.NONCE_SIZE
    length = {"inside the header": 50, "after the nonce": payload,
              "mid-chunk": payload + age.SEALED_CHUNK + 300,
              "at a chunk boundary": payload + 2 * age.SEALED_CHUNK,
              "one byte short": len(data) - 1}[where]
    archive.write_bytes(data[:length])


def _commands(archive: Path, keys, target: Path) -> list[list[str]]:
    return [["backup", "verify", str(archive)],
            ["backup", "verify", str(archive), "--key", str(keys.private)],
            ["restore", str(archive), "--key", str(keys.private), "--to", str(target)]]


def _all_fail(capsys, archive: Path, keys, tmp_path: Path, words: tuple[str, ...]):
    target = tmp_path / "restored"
    for argv in _commands(archive, keys, target):
        code, out, err = run(capsys, *argv)
        assert code == 1, (argv, out, err)
        assert one_line_error(err), err
        assert archive.name in err, err
        assert any(word in err for word in words), (argv, err)
        assert nothing_left(tmp_path, target)


@pytest.mark.parametrize("where", DAMAGE)
def test_a_flipped_byte_fails_verify_and_restore(where, archive, keys, tmp_path, capsys):
    data = bytearray(archive.read_bytes())
    data[_positions(archive)[where]] ^= 0x20
    archive.write_bytes(bytes(data))
    _all_fail(capsys, archive, keys, tmp_path, ("damaged", "not an age", "cut short"))


@pytest.mark.parametrize("where", CUTS)
def test_a_truncated_archive_fails_verify_and_restore(where, archive, keys, tmp_path,
                                                      capsys):
    _cut(archive, where)
    _all_fail(capsys, archive, keys, tmp_path, ("cut short", "damaged"))


def test_a_cut_is_caught_with_the_key_even_without_a_manifest(archive, keys, tmp_path,
                                                              capsys):
    (archive.parent / manifest_name(archive.name)).unlink()
    _cut(archive, "at a chunk boundary")
    code, _out, err = run(capsys, "backup", "verify", str(archive), "--key",
                          str(keys.private))
    assert code == 1 and one_line_error(err) and "cut short" in err
    code, _out, err = run(capsys, "backup", "verify", str(archive))
    assert code == 1 and "give --key" in err


def test_the_wrong_key_fails_clearly(archive, tmp_path, capsys):
    other = make_keys(tmp_path / "other")
    target = tmp_path / "restored"
    for argv in (["backup", "verify", str(archive), "--key", str(other.private)],
                 ["restore", str(archive), "--key", str(other.private), "--to",
                  str(target)]):
        code, _out, err = run(capsys, *argv)
        assert code == 1 and one_line_error(err), err
        assert "not made for this key" in err
        assert nothing_left(tmp_path, target)
    # Without the manifest beside it, the key's own check says the same.
    (archive.parent / manifest_name(archive.name)).unlink()
    code, _out, err = run(capsys, "restore", str(archive), "--key", str(other.private),
                          "--to", str(target))
    assert code == 1 and "not made for this key" in err and nothing_left(tmp_path, target)


def test_the_wrong_passphrase_fails_clearly(archive, keys, tmp_path, capsys):
    target = tmp_path / "restored"
    for argv in _commands(archive, keys, target)[1:]:
        code, _out, err = run(capsys, *argv,
                              env={"PORTAL_BACKUP_PASSPHRASE": "not the passphrase"})
        assert code == 1 and one_line_error(err), err
        assert "passphrase is wrong" in err
        assert nothing_left(tmp_path, target)


def test_restore_refuses_a_folder_in_use_before_asking_anything(archive, keys, tmp_path,
                                                                capsys):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    code, _out, err = run(capsys, "restore", str(archive), "--key", str(keys.private),
                          "--to", str(target), env={"PORTAL_BACKUP_PASSPHRASE": ""})
    assert code == 1 and "is not empty" in err
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_restore_into_an_empty_folder(archive, keys, tmp_path, capsys):
    target = tmp_path / "empty"
    target.mkdir()
    code, _out, err = run(capsys, "restore", str(archive), "--key", str(keys.private),
                          "--to", str(target))
    assert code == 0, err
    assert (target / DATABASE_FILE).is_file()


def test_errors_from_a_real_process_are_one_line(archive, keys, tmp_path):
    env = dict(os.environ, PORTAL_BACKUP_PASSPHRASE="wrong wrong wrong")
    result = subprocess.run(
        [sys.executable, "-m", "appliance.cli", "restore", str(archive), "--key",
         str(keys.private), "--to", str(tmp_path / "r")],
        capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 1
    assert one_line_error(result.stderr) and "passphrase is wrong" in result.stderr
    assert nothing_left(tmp_path, tmp_path / "r")


# -- hostile archives ----------------------------------------------------------------

def forge(path: Path, recipient: age.Recipient, members: list[tuple[str, bytes]],
          info: dict | None = None) -> None:
    """An archive made by someone who knows only the public key."""
    with path.open("wb") as out:
        writer, _key = age.Encryptor.to(out, recipient)
        with zstandard.ZstdCompressor().stream_writer(writer, closefd=False) as packed, \
                tarfile.open(fileobj=packed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            entries = [(INFO_MEMBER, json.dumps(info or {"format": 1, "schema": 1})
                        .encode())] + members
            for name, data in entries:
                member = tarfile.TarInfo(name)
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))
        writer.close()


@pytest.mark.parametrize("name, words", [
    ("../escaped.txt", "may not be restored"),
    ("/tmp/absolute.txt", "may not be restored"),
    ("media/../../escaped.txt", "may not be restored"),
    ("backup/state.json", "may not be restored"),
    ("portal.db-wal", "may not be restored"),
])
def test_a_forged_archive_cannot_write_outside_or_over_the_state(name, words, keys,
                                                                 tmp_path, capsys):
    forged = tmp_path / f"forged{ARCHIVE_SUFFIX}"
    forge(forged, keys.recipient, [(name, b"gotcha")])
    target = tmp_path / "inner" / "restored"
    target.parent.mkdir()
    code, _out, err = run(capsys, "restore", str(forged), "--key", str(keys.private),
                          "--to", str(target))
    assert code == 1 and one_line_error(err) and words in err, err
    assert nothing_left(target.parent, target)
    assert not (tmp_path / "escaped.txt").exists()
    assert not Path("/tmp/absolute.txt").exists()


def test_an_archive_from_a_newer_portal_is_refused_before_writing(keys, tmp_path, capsys):
    forged = tmp_path / f"newer{ARCHIVE_SUFFIX}"
    forge(forged, keys.recipient, [("portal.toml", b"")], {"format": 1, "schema": 9999})
    code, _out, err = run(capsys, "restore", str(forged), "--key", str(keys.private),
                          "--to", str(tmp_path / "r"))
    assert code == 1 and "newer portal" in err and nothing_left(tmp_path, tmp_path / "r")


def test_an_archive_without_its_manifest_is_incomplete(keys, tmp_path, capsys):
    forged = tmp_path / f"short{ARCHIVE_SUFFIX}"
    forge(forged, keys.recipient, [("portal.toml", b"x")])
    code, _out, err = run(capsys, "backup", "verify", str(forged), "--key",
                          str(keys.private))
    assert code == 1 and "incomplete" in err


def test_a_site_without_backup_settings_says_what_to_set(data_dir, capsys):
    code, _out, err = run(capsys, "backup", "run", "--data", str(data_dir))
    assert code == 1 and one_line_error(err) and "backup.recipient" in err


def test_keygen_never_overwrites_and_wants_a_real_passphrase(tmp_path, capsys,
                                                             monkeypatch):
    monkeypatch.setattr(age, "SCRYPT_LOG_N", 10)
    out_dir = tmp_path / "offline"
    code, out, err = run(capsys, "backup", "keygen", "--out", str(out_dir))
    assert code == 0, err
    recipient = (out_dir / "portal-backup.pub").read_text().strip()
    assert f'recipient = "{recipient}"' in out
    assert oct((out_dir / "portal-backup.key").stat().st_mode & 0o777) == "0o600"
    assert PASSPHRASE not in (out_dir / "portal-backup.key").read_text()
    code, _out, err = run(capsys, "backup", "keygen", "--out", str(out_dir))
    assert code == 1 and "never overwritten" in err
    code, _out, err = run(capsys, "backup", "keygen", "--out", str(tmp_path / "b"),
                          env={"PORTAL_BACKUP_PASSPHRASE": "short"})
    assert code == 1 and "too short" in err and not (tmp_path / "b").exists()


def test_verify_names_an_archive_the_destination_lacks(backed, capsys):
    code, _out, err = run(capsys, "backup", "verify", f"portal-x{ARCHIVE_SUFFIX}",
                          "--data", str(backed.data_dir))
    assert code == 1 and one_line_error(err) and "no archive" in err


def test_media_on_another_disk_are_read_as_they_are(backed, small_disk, keys, tmp_path,
                                                    capsys):
    """Hard links cannot cross file systems: such files are read live."""
    media = small_disk / "media"
    (media / "2026").mkdir(parents=True)
    (media / "2026" / "photo.jpg").write_bytes(os.urandom(100_000))
    backed.media_dir.rmdir()
    backed.media_dir.symlink_to(media)
    code, _out, err = run(capsys, "backup", "run", "--data", str(backed.data_dir))
    assert code == 0 and "files read live" in err  # a warning, and a good backup
    [archive] = Path(backed["backup.destination"]).glob(f"*{ARCHIVE_SUFFIX}")
    target = tmp_path / "restored"
    code, _out, err = run(capsys, "restore", str(archive), "--key", str(keys.private),
                          "--to", str(target))
    assert code == 0, err
    assert (target / "media" / "2026" / "photo.jpg").read_bytes() == \
        (media / "2026" / "photo.jpg").read_bytes()
    assert not (target / "media").is_symlink()


def test_a_sink_that_fails_mid_archive_gives_its_own_error(backed, keys, tmp_path):
    """The tar and zstd streams close as the sink's error unwinds through
    them; what comes out is that error, whatever the archive's size (a full
    disk once showed as "BufferError: Existing exports of data")."""
    from backup.archive import backup_info, take_snapshot, write_archive
    from backup.destinations import DestinationFull

    class Full:
        def __init__(self, room: int) -> None:
            self.room = room

        def write(self, data: bytes) -> int:
            if len(data) > self.room:
                raise DestinationFull("the destination is full")
            self.room -= len(data)
            return len(data)

    add_media(backed, count=6, size=1 << 20)
    snap = take_snapshot(backed, tmp_path / "work")
    for room in (256 << 10, 1 << 20, 3 << 20):
        with pytest.raises(DestinationFull, match="the destination is full"):
            write_archive(snap, Full(room), keys.recipient, backup_info(backed, snap))


def test_an_archive_leaves_out_the_copies_made_before_upgrades(backed, capsys, keys,
                                                              tmp_path):
    """What docs/operations.md says it holds: the database, media, portal.toml
    and secrets.toml, with tls/ (the restored server needs the certificate
    its config names); not the pre-upgrade copies of the database."""
    data = backed.data_dir
    add_media(backed, count=1)
    copy = data / f"{DATABASE_FILE}.schema-3.20260101T000000Z.bak"
    copy.write_bytes(backed.database_path.read_bytes())
    (data / "tls").mkdir()
    (data / "tls" / "certificate.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (data / "tls" / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    archive = backup_now(capsys, backed)
    target = tmp_path / "restored"
    code, _out, err = run(capsys, "restore", str(archive), "--key", str(keys.private),
                          "--to", str(target))
    assert code == 0, err
    restored = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert copy.name not in restored
    assert {"portal.db", "portal.toml", "secrets.toml", "tls/certificate.pem",
            "tls/key.pem", "media/2026/12/file0.jpg"} <= restored
    assert not [name for name in restored if name.endswith(".bak")]


def forge_whole(path: Path, recipient: age.Recipient,
                members: list[tuple[str, bytes]]) -> None:
    """A forged archive complete with its manifest: every chunk, checksum and
    the manifest check out, whatever the files are."""
    lines = [json.dumps({"path": name, "size": len(data),
                         "sha256": sha256(data).hexdigest()}) for name, data in members]
    head = json.dumps({"format": 1, "files": len(members),
                       "bytes": sum(len(data) for _name, data in members)})
    forge(path, recipient, members + [(MANIFEST_MEMBER, "\n".join(
        [head, *lines]).encode() + b"\n")])


@pytest.mark.parametrize("case, words", [
    ("no database", "holds no portal.db"),
    ("damaged database", "holds a damaged database"),
    ("bad config", "holds a config that does not load"),
])
def test_verify_with_the_key_refuses_what_restore_refuses(case, words, backed, keys,
                                                          tmp_path, capsys):
    data = backed.data_dir
    members = {name: (data / name).read_bytes()
               for name in (DATABASE_FILE, "portal.toml", "secrets.toml")}
    if case == "no database":
        del members[DATABASE_FILE]
    elif case == "damaged database":
        members[DATABASE_FILE] = members[DATABASE_FILE][:100] + b"\xff" * 8000
    else:
        members["portal.toml"] = b"[server]\nport = 'eighty'\n"
    forged = tmp_path / f"forged{ARCHIVE_SUFFIX}"
    forge_whole(forged, keys.recipient, list(members.items()))
    code, _out, err = run(capsys, "restore", str(forged), "--key", str(keys.private),
                          "--to", str(tmp_path / "restored"))
    assert code == 1 and words in err, err
    code, out, err = run(capsys, "backup", "verify", str(forged), "--key",
                         str(keys.private))
    assert code == 1 and one_line_error(err) and words in err, err + out
    assert "good" not in out


def test_verify_with_the_key_passes_a_whole_forged_site(backed, keys, tmp_path, capsys):
    data = backed.data_dir
    members = [(name, (data / name).read_bytes())
               for name in (DATABASE_FILE, "portal.toml", "secrets.toml")]
    forged = tmp_path / f"forged{ARCHIVE_SUFFIX}"
    forge_whole(forged, keys.recipient, members)
    code, out, err = run(capsys, "backup", "verify", str(forged), "--key",
                         str(keys.private))
    assert code == 0 and "good" in out, err
