"""`portal doctor`: each finding with what to do, a non-zero exit when
something is wrong, checks that parts add, and nothing changed by looking."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from appliance import config as config_mod
from appliance import doctor, tls
from appliance.cli import main
from appliance.db import latest_schema
from appliance.doctor import ERROR, OK, WARNING, Finding
from appliance.site import create_site
from tls_support import put_certificate


def run(capsys, site: Path):
    code = main(["doctor", "--data", str(site)])
    out, err = capsys.readouterr()
    return code, out, err


def findings(site: Path, check: str | None = None) -> list[Finding]:
    return [f for f in doctor.run_checks(site) if check is None or f.check == check]


@pytest.fixture
def https_site(tmp_path) -> Path:
    site = tmp_path / "site"
    create_site(site, "admin", "correct-horse-battery",
                {"server.host": ["0.0.0.0", "::"]}, url="https://localhost:8443",
                self_signed=True)
    return site


def test_a_new_https_site_is_fine_but_for_its_self_signedput_certificate(https_site, capsys):
    code, out, _ = run(capsys, https_site)
    assert code == 0, out
    assert "error" not in {f.level for f in findings(https_site)}
    # A new site warns of its self-signed certificate, and of backups not set up.
    warnings = {f.check: f for f in findings(https_site) if f.level == WARNING}
    assert set(warnings) == {"certificate", "backup"}
    warning = warnings["certificate"]
    assert "self-signed" in warning.message
    assert "certbot certonly --webroot" in warning.action
    assert f"-> {warning.action}" in out  # each problem is followed by what to do
    for check in ("config", "permissions", "disk", "schema"):
        assert any(f.check == check and f.level == OK for f in findings(https_site)), check


def test_nothing_is_created_or_changed_by_looking(https_site):
    before = {p: p.stat().st_mtime_ns for p in https_site.rglob("*")}
    doctor.run_checks(https_site)
    assert {p: p.stat().st_mtime_ns for p in https_site.rglob("*")} == before


def test_readable_secrets_are_an_error_saying_how_to_fix_them(https_site, capsys):
    (https_site / "secrets.toml").chmod(0o644)
    (https_site / tls.SELF_SIGNED_KEY).chmod(0o640)
    code, out, _ = run(capsys, https_site)
    assert code == 1
    [found] = [f for f in findings(https_site, "permissions") if f.level == ERROR]
    assert "secrets.toml" in found.message and "key.pem" in found.message
    assert found.action.startswith("chmod 600 ")


def test_a_readable_data_directory_is_an_error(https_site):
    https_site.chmod(0o755)
    assert any(f.level == ERROR and f.action == f"chmod 700 {https_site}"
               for f in findings(https_site, "permissions"))


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another account")
def test_files_of_another_account_are_an_error(https_site):
    wal = https_site / "portal.db-journal"
    wal.write_bytes(b"")
    os.chown(wal, 65534, 65534)
    [found] = [f for f in findings(https_site, "permissions") if f.level == ERROR]
    assert "belong to another account" in found.message and "chown -R" in found.action


@pytest.mark.parametrize("days, level, words", [
    (90, OK, "valid until"),
    (15, WARNING, "expires on"),
    (3, ERROR, "expires on"),
    (-1, ERROR, "expired on"),
])
def test_certificates_are_warned_about_before_they_expire(https_site, days, level, words):
    put_certificate(https_site, days, "localhost", ca=True)
    found = findings(https_site, "certificate")
    assert [f.level for f in found] == [level], found
    assert words in found[0].message
    if level != OK:
        assert "renew" in found[0].action


def test_a_certificate_for_another_host_is_a_warning(https_site):
    put_certificate(https_site, 90, "other.example.gov.vn", ca=True)
    [found] = [f for f in findings(https_site, "certificate") if f.level == WARNING]
    assert "other.example.gov.vn" in found.message and "localhost" in found.message


def test_a_key_that_does_not_match_is_an_error(https_site, tmp_path):
    other, _ = tls.make_self_signed(tmp_path, ["localhost"])
    (https_site / tls.SELF_SIGNED_CERTIFICATE).write_bytes(other.read_bytes())
    [found] = findings(https_site, "certificate")
    assert found.level == ERROR and "cannot be used together" in found.message


def test_schema_older_and_newer(https_site):
    conn = sqlite3.connect(https_site / config_mod.DATABASE_FILE)
    conn.execute(f"PRAGMA user_version = {latest_schema() - 1}")
    conn.commit()
    [older] = findings(https_site, "schema")
    assert older.level == WARNING and "next start" in older.message
    conn.execute(f"PRAGMA user_version = {latest_schema() + 1}")
    conn.commit()
    conn.close()
    [newer] = findings(https_site, "schema")
    assert newer.level == ERROR and "newer than this program" in newer.message


def test_a_plain_http_site_on_the_loopback_only(data_dir):
    messages = [f.message for f in findings(data_dir, "config") if f.level == WARNING]
    assert any("plain HTTP" in m for m in messages)
    assert any("127.0.0.1 only" in m for m in messages)


def test_a_broken_config_is_an_error(https_site, capsys):
    (https_site / config_mod.CONFIG_FILE).write_text("[server]\nport = 'x'\n")
    code, out, _ = run(capsys, https_site)
    assert code == 1 and "server.port" in out


def part_check(cfg):
    """A check as a part would add it."""
    yield Finding(WARNING, "backups", f"no backup of {cfg.data_dir.name} yet",
                  "run portal backup run")


def broken_check(cfg):
    raise RuntimeError("the NAS is not mounted")


def test_parts_add_checks_and_a_failing_one_hides_no_other(https_site, monkeypatch, capsys):
    monkeypatch.setattr(doctor, "CHECKS", [
        "tests.appliance.test_doctor:broken_check", *doctor.CHECKS,
        "tests.appliance.test_doctor:part_check"])
    code, out, _ = run(capsys, https_site)
    assert code == 1  # the failing check is an error
    assert "no backup of site yet" in out and "-> run portal backup run" in out
    assert "the NAS is not mounted" in out
    assert f"schema {latest_schema()}, as this program expects" in out  # the others ran


@pytest.mark.parametrize("backup, words", [
    ({"time": "25:99"}, "backup.time '25:99'"),
    ({"recipient": "age1notakey"}, "'age1notakey' is not an age public key"),
    ({"destination": "ftp://x/y"}, "use a folder or sftp://"),
    ({"destination": "sftp://nas.local"}, "should look like sftp://user@host"),
])
def test_doctor_refuses_what_serve_refuses(data_dir, tmp_path, backup, words, capsys):
    from backup.keys import keygen

    keys = keygen(tmp_path / "keys", "correct horse battery staple", log_n=10)
    path = data_dir / config_mod.CONFIG_FILE
    values = {f"{section}.{key}": value for section, table
              in tomllib.loads(path.read_text(encoding="utf-8")).items()
              for key, value in table.items()}
    values |= {f"backup.{key}": value for key, value in (
        {"destination": str(tmp_path), "recipient": str(keys.recipient)} | backup).items()}
    path.write_text(config_mod.render_config(values), encoding="utf-8")
    # What the server says when it starts ...
    served = subprocess.run([sys.executable, "-m", "appliance", "serve", "--data",
                             str(data_dir), "--port", "1"], capture_output=True,
                            text=True, timeout=60)
    assert served.returncode == 1 and words in served.stderr, served.stderr
    # ... doctor says beforehand, and does not call the config valid.
    code, out, _ = run(capsys, data_dir)
    assert code == 1 and words in out, out
    assert "portal serve would refuse to start" in out
    assert f"{config_mod.CONFIG_FILE} is valid" not in out


@pytest.fixture
def in_english(monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")


def _truncate(path: Path) -> None:
    os.truncate(path, 50_000)


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(60_000))


@pytest.mark.parametrize("damage, reason", [
    (_truncate, "database disk image is malformed"),
    (_random_bytes, "file is not a database"),
])
def test_a_damaged_database_is_an_error_saying_to_restore_it(https_site, capsys,
                                                            in_english, damage, reason):
    database = https_site / config_mod.DATABASE_FILE
    assert database.stat().st_size > 100_000
    damage(database)
    code, out, _ = run(capsys, https_site)
    assert code == 1
    assert f"error    schema       the database {database} is damaged ({reason})" in out
    assert "-> stop the service and restore the database from a backup (portal restore" \
        in out
    assert "check appliance.doctor:check_schema failed" not in out
    assert "report this fault" not in out


def test_tables_the_schema_should_have_are_named_when_missing(https_site, capsys,
                                                              in_english):
    database = https_site / config_mod.DATABASE_FILE
    conn = sqlite3.connect(database)
    conn.execute("DROP TABLE item_lock")
    conn.execute("DROP TABLE audit")  # its indexes and triggers go with it
    conn.execute("DROP TRIGGER search_doc_insert")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, https_site)
    assert code == 1
    assert ("error    schema       tables of schema "
            f"{latest_schema()} missing from the database: audit, item_lock") in out
    assert (f"indexes, triggers or views of schema {latest_schema()} missing from the "
            "database: search_doc_insert\n") in out
    assert "as this program expects" not in out


@pytest.mark.parametrize("damage, words", [
    (lambda path: path.write_text(path.read_text() + 'session_key = "abc\n'),
     "secrets.toml is not valid TOML"),
    (lambda path: path.write_bytes(b"\xff\xfe broken"), "secrets.toml is not valid TOML"),
    (lambda path: path.unlink(), "secrets.toml is missing"),
], ids=["not-toml", "not-text", "missing"])
def test_a_broken_secrets_file_is_named_in_what_to_do(https_site, capsys, in_english,
                                                     damage, words):
    damage(https_site / config_mod.SECRETS_FILE)
    code, out, _ = run(capsys, https_site)
    assert code == 1 and words in out
    assert "-> fix secrets.toml, or restore it from a backup (portal restore)" in out
    assert "portal.toml" not in out.replace("secrets.toml", "")
