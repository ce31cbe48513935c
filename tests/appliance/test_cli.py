"""The `portal` command as operators use it: in-process for speed, and as a
real process for serving and for the one-line error contract."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from appliance.cli import main

PORTAL = [sys.executable, "-m", "appliance.cli"]


def run(capsys, *argv, env=None):
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits on bad usage
        code = exc.code
    finally:
        os.environ.clear()
        os.environ.update(old)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> bool:
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_init_prints_a_generated_password_once(tmp_path, capsys):
    code, out, err = run(capsys, "init", "--data", str(tmp_path / "s"))
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("password"))
    password = line.rsplit(" ", 1)[1]
    assert len(password) >= 12
    code, out, _ = run(capsys, "user", "list", "--data", str(tmp_path / "s"))
    assert "admin" in out and "active" in out


def test_init_takes_the_password_from_the_environment(tmp_path, capsys):
    code, out, _ = run(capsys, "init", "--data", str(tmp_path / "s"), "--admin-user", "root2",
                       env={"PORTAL_ADMIN_PASSWORD": "from-the-environment"})
    assert code == 0 and "shown once" not in out
    assert "from-the-environment" not in out
    assert "administrator: root2" in out


@pytest.mark.parametrize("argv, words", [
    (["init", "--data", "{site}"], "already exists"),
    (["init", "--data", "{new}", "--admin-password", "short"], "too short"),
    (["init", "--data", "{new}", "--admin-user", "bad name!"], "user name"),
    (["user", "add", "bob", "--role", "boss", "--data", "{site}"], "boss"),
    (["user", "add", "bob", "--role", "editor", "--password", "x", "--data", "{site}"],
     "too short"),
    (["user", "add", "admin", "--role", "editor", "--password", "long-enough-pw",
      "--data", "{site}"], "already exists"),
    (["user", "disable", "nobody", "--data", "{site}"], "nobody"),
    (["user", "list", "--data", "{new}"], "portal init"),
    (["import", "jsonl", "{new}/missing.jsonl", "--data", "{site}"], "no such file"),
    (["serve", "--data", "{site}", "--port", "http"], "invalid port"),
    (["frobnicate"], "invalid choice"),
    (["user", "add", "bob", "--data", "{site}"], "--role"),
])
def test_bad_input_is_one_line_and_non_zero(tmp_path, data_dir, capsys, argv, words):
    argv = [a.format(site=data_dir, new=tmp_path / "new") for a in argv]
    code, _out, err = run(capsys, *argv)
    assert code != 0
    assert one_line_error(err), err
    assert words in err


def test_user_add_list_disable(data_dir, capsys):
    code, out, _ = run(capsys, "user", "add", "bientap", "--role", "editor",
                       "--data", str(data_dir), env={"PORTAL_PASSWORD": "mat-khau-dai-du"})
    assert code == 0 and "bientap (editor)" in out
    code, out, _ = run(capsys, "user", "disable", "bientap", "--data", str(data_dir))
    assert code == 0
    code, out, _ = run(capsys, "user", "list", "--data", str(data_dir))
    row = next(line for line in out.splitlines() if line.startswith("bientap"))
    assert "editor" in row and "disabled" in row
    # The audit trail says the command line did it, and as which account.
    import getpass
    import sqlite3

    from appliance import audit
    with sqlite3.connect(data_dir / "portal.db") as db:
        rows = db.execute("SELECT action, address FROM audit WHERE action IN"
                          " ('user.add', 'user.disable') ORDER BY id").fetchall()
    assert rows[-2:] == [("user.add", f"cli:{getpass.getuser()}"),
                    ("user.disable", f"cli:{getpass.getuser()}")]
    assert audit._address.get() is None  # nothing left behind for what follows


def test_data_directory_from_the_environment(data_dir, capsys):
    code, out, _ = run(capsys, "user", "list", env={"PORTAL_DATA": str(data_dir)})
    assert code == 0 and "admin" in out


def test_import_reports_file_line_and_summary(data_dir, tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps({"external_id": "x1", "kind": "article", "lang": "vi", "title": "Tin"})
        + "\n" + json.dumps({"external_id": "x2", "kind": "article", "lang": "vi",
                             "title": ""}) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "jsonl", str(path), "--data", str(data_dir))
    assert code == 0
    assert f"{path}:2: " in err
    assert "1 created, 0 updated, 1 rejected" in out


def test_errors_in_a_real_process_have_no_traceback(tmp_path):
    result = subprocess.run(PORTAL + ["user", "list", "--data", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert one_line_error(result.stderr) and "portal init" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> bytes:
    """Poll until the server answers; fail at once if it died."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            if process.poll() is not None:
                _out, err = process.communicate()
                raise AssertionError(f"the server exited: {err[-2000:]}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_runs_on_a_real_port_and_stops_cleanly_on_sigterm(data_dir):
    port = free_port()
    process = subprocess.Popen(
        PORTAL + ["serve", "--data", str(data_dir), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        health = json.loads(wait_for(f"http://127.0.0.1:{port}/healthz", process))
        assert health["status"] == "ok" and health["schema"] >= 2
        home = wait_for(f"http://127.0.0.1:{port}/vi/", process).decode()
        assert '<html lang="vi"' in home
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"serving http://localhost:{port}/" in out
    access = [line for line in err.splitlines() if "portal.access" in line]
    assert any("path=/healthz" in line and "status=200" in line and "ms=" in line
               for line in access)
    assert "127.0.0.1" not in "\n".join(access)  # no client addresses in the log
    assert "database closed" in err


def test_version(capsys):
    code, out, _ = run(capsys, "version")
    assert code == 0 and out.startswith("portal ")


def test_a_server_that_cannot_listen_publishes_nothing(data_dir):
    from appliance import content
    from appliance.content import ItemInput
    from appliance.db import open_sync, transaction

    conn = open_sync(data_dir / "portal.db")
    try:
        item = transaction(conn, lambda c: content.save_item(
            c, ItemInput(kind="article", lang="vi", title="Tin hẹn giờ",
                         published_at="2999-01-01"), status="published"))
        assert item.status == "scheduled"
        # Its time came while the site was down.
        transaction(conn, lambda c: c.execute(
            "UPDATE item SET publish_at = '2020-01-01T00:00:00Z' WHERE id = ?", (item.id,)))
    finally:
        conn.close()
    # An address that does not exist: looking it up gives the start-up jobs
    # time to run, if they were not held until the server listens.
    result = subprocess.run(
        PORTAL + ["serve", "--data", str(data_dir), "--host", "256.1.1.1",
                  "--port", str(free_port())],
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "cannot listen" in result.stderr
    conn = open_sync(data_dir / "portal.db")
    try:
        assert content.get_item(conn, item.id).status == "scheduled"
    finally:
        conn.close()


def _database_files(data_dir) -> list[str]:
    return sorted(p.name for p in data_dir.glob("portal.db*"))


@pytest.mark.parametrize("argv", [
    ["user", "list"],
    ["user", "add", "bientap", "--role", "editor", "--password", "mat-khau-dai-du"],
    ["user", "token", "admin"],
    ["import", "jsonl", "{site}/portal.toml"],
    ["source", "list"],
    ["partner", "list"],
])
def test_a_site_whose_database_is_missing_is_refused_and_nothing_is_made(
        data_dir, capsys, argv):
    (data_dir / "portal.db").unlink()
    argv = [a.format(site=data_dir) for a in argv]
    code, out, err = run(capsys, *argv, "--data", str(data_dir), env={"LANG": "en_US.UTF-8"})
    assert code == 1
    assert one_line_error(err), err
    assert f"no database at {data_dir / 'portal.db'}: restore it from a backup " \
           "(portal restore)" in err and "nothing was created" in err
    assert _database_files(data_dir) == []


def test_serve_refuses_a_site_whose_database_is_missing(data_dir):
    """The server never answers with an empty site in place of a lost one."""
    (data_dir / "portal.db").unlink()
    result = subprocess.run(
        PORTAL + ["serve", "--data", str(data_dir), "--port", str(free_port())],
        capture_output=True, text=True, timeout=60, env=os.environ | {"LANG": "C.UTF-8"})
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(
        f"portal: error: no database at {data_dir / 'portal.db'}"), result.stderr
    assert _database_files(data_dir) == []
    # Doctor says the same, and what to do.
    code = subprocess.run(PORTAL + ["doctor", "--data", str(data_dir)],
                          capture_output=True, text=True, timeout=60)
    assert code.returncode == 1 and "there is no database at" in code.stdout
    assert _database_files(data_dir) == []


def test_an_emptied_database_is_refused_not_rebuilt(data_dir, capsys):
    """A file cut to nothing (a full disk, a copy cut short) is not a new site."""
    database = data_dir / "portal.db"
    for leftover in data_dir.glob("portal.db-*"):
        leftover.unlink()
    database.write_bytes(b"")
    code, _out, err = run(capsys, "user", "list", "--data", str(data_dir),
                          env={"LANG": "en_US.UTF-8"})
    assert code == 1 and one_line_error(err), err
    assert f"the database {database} is empty: restore it from a backup" in err
    result = subprocess.run(
        PORTAL + ["serve", "--data", str(data_dir), "--port", str(free_port())],
        capture_output=True, text=True, timeout=60, env=os.environ | {"LANG": "C.UTF-8"})
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert database.stat().st_size == 0  # nothing was built in it
    doctor = subprocess.run(PORTAL + ["doctor", "--data", str(data_dir)],
                            capture_output=True, text=True, timeout=60,
                            env=os.environ | {"LANG": "C.UTF-8"})
    assert doctor.returncode == 1 and "is damaged (the file is empty)" in doctor.stdout
    assert database.stat().st_size == 0


def test_init_still_makes_the_database(tmp_path, capsys):
    code, _out, err = run(capsys, "init", "--data", str(tmp_path / "s"),
                          "--admin-password", "mat-khau-dai-du")
    assert code == 0, err
    assert (tmp_path / "s" / "portal.db").is_file()


def _damage_by_truncating(path) -> None:
    os.truncate(path, 50_000)


def _damage_with_random_bytes(path) -> None:
    path.write_bytes(os.urandom(60_000))


@pytest.mark.parametrize("damage, reason", [
    (_damage_by_truncating, "database disk image is malformed"),
    (_damage_with_random_bytes, "file is not a database"),
])
def test_serve_on_a_damaged_database_says_so_in_one_line(data_dir, damage, reason):
    """Nothing after the reason: no thread dying on a closed event loop, no
    client session left open by the parts that started first."""
    assert (data_dir / "portal.db").stat().st_size > 100_000  # more than is left
    damage(data_dir / "portal.db")
    result = subprocess.run(
        PORTAL + ["serve", "--data", str(data_dir), "--port", str(free_port())],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == f"portal: database error: {reason}\n"
