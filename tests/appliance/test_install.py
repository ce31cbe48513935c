"""`portal install`: the systemd unit it writes (checked by systemd's own
tools), the site it makes on a new server, and what it refuses."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from staff_support import NO_SECOND_FACTOR, new_site

from appliance import config as config_mod
from appliance import install as install_mod
from appliance import tls
from appliance.cli import main


def service_account() -> str:
    """An existing unprivileged account to name in the unit (tests never
    create accounts; install refuses nobody)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    return "daemon"


def _link_program(folder: Path, monkeypatch) -> None:
    """Run the unit's program through a link in `folder`: the checkout (and
    so this program) may itself sit where the service cannot see it, such as
    a clone under /tmp."""
    first, *rest = install_mod.program().split(" ", 1)
    link = folder / "bin" / "portal"
    link.parent.mkdir()
    link.symlink_to(first)
    command = " ".join([str(link), *rest])
    monkeypatch.setattr(install_mod, "program", lambda: command)


@pytest.fixture
def service_dir(tmp_path, monkeypatch) -> Iterator[Path]:
    """A folder the service could see, holding the program it runs: not under
    /tmp, which its unit hides (PrivateTmp). As root (CI), a fresh one in
    /srv; elsewhere tmp_path, with /tmp taken off the list of hidden folders
    for the test."""
    if os.geteuid() != 0:
        monkeypatch.setattr(install_mod, "HIDDEN_FOLDERS", {
            k: v for k, v in install_mod.HIDDEN_FOLDERS.items() if k != "/tmp"})
        _link_program(tmp_path, monkeypatch)
        yield tmp_path
        return
    Path("/srv").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="portal-install-test-", dir="/srv"))
    folder.chmod(0o755)
    try:
        _link_program(folder, monkeypatch)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def service_site(service_dir) -> Path:
    return new_site(service_dir, NO_SECOND_FACTOR)


def install(capsys, *argv):
    try:
        code = main(["install", *argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def systemd_analyze(*argv) -> subprocess.CompletedProcess:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail("systemd-analyze is missing: scripts/test installs Debian's systemd")
    return subprocess.run([tool, *argv], capture_output=True, text=True, timeout=60)


def test_the_unit_is_hardened_and_systemd_accepts_it(service_site, tmp_path, capsys):
    data_dir = service_site
    unit = tmp_path / "portal.service"
    code, out, err = install(capsys, "--data", str(data_dir), "--user", service_account(),
                             "--unit", str(unit))
    assert code == 0, err
    text = unit.read_text(encoding="utf-8")
    lines = set(text.splitlines())
    assert f"User={service_account()}" in lines
    assert any(line.startswith("ExecStart=/") and line.endswith(f" serve --data {data_dir}")
               for line in lines)
    for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict",
                    f"ReadWritePaths={data_dir}", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                    "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "ProtectHome=yes",
                    "PrivateTmp=yes", "UMask=0077"):
        assert setting in lines, setting
    assert "systemctl enable --now portal.service" in out

    verified = systemd_analyze("verify", str(unit))
    problems = [line for line in verified.stderr.splitlines()
                if "Special user" not in line]
    assert verified.returncode == 0 and not problems, verified.stderr
    # systemd's own score: 0 is a sealed box, 10 an unconfined service.
    scored = systemd_analyze("security", "--offline=true", "--threshold=20", str(unit))
    assert scored.returncode == 0, scored.stdout[-3000:]


def test_on_a_new_server_it_makes_the_site_for_https(service_dir, tmp_path, capsys):
    site = service_dir / "srv" / "portal"
    code, out, err = install(capsys, "--data", str(site), "--user", service_account(),
                             "--unit", str(tmp_path / "portal.service"),
                             "--url", "https://congthongtin.angiang.gov.vn")
    assert code == 0, err
    assert "password (shown once" in out
    raw = tomllib.loads((site / config_mod.CONFIG_FILE).read_text(encoding="utf-8"))
    assert raw["server"]["host"] == ["0.0.0.0", "::"]
    assert (raw["server"]["port"], raw["tls"]["port"]) == (80, 443)
    assert raw["site"]["base_url"] == "https://congthongtin.angiang.gov.vn"
    info = tls.read_certificate(site / raw["tls"]["certificate"])
    assert info.self_signed and "congthongtin.angiang.gov.vn" in info.names
    account = pwd.getpwnam(service_account())
    assert all(p.stat().st_uid == account.pw_uid for p in [site, *site.rglob("*")])
    assert oct(site.parent.stat().st_mode & 0o777) == "0o755"  # the service gets through


def test_an_existing_site_is_left_as_it_is(service_site, tmp_path, capsys):
    data_dir = service_site
    before = (data_dir / config_mod.CONFIG_FILE).read_text(encoding="utf-8")
    code, out, _ = install(capsys, "--data", str(data_dir), "--user", service_account(),
                           "--unit", str(tmp_path / "portal.service"))
    assert code == 0 and "created a site" not in out
    assert (data_dir / config_mod.CONFIG_FILE).read_text(encoding="utf-8") == before


def test_an_existing_site_whose_database_is_missing_is_refused(service_site, tmp_path,
                                                                capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    (service_site / config_mod.DATABASE_FILE).unlink()
    code, out, err = install(capsys, "--data", str(service_site), "--user",
                             service_account(), "--unit", str(tmp_path / "portal.service"))
    assert code == 1 and out == ""
    assert f"no database at {service_site / config_mod.DATABASE_FILE}" in err
    assert not (tmp_path / "portal.service").exists()
    assert not list(service_site.glob(config_mod.DATABASE_FILE + "*"))

def test_root_is_refused_as_the_service_account(service_site, tmp_path, capsys):
    data_dir = service_site
    code, _, err = install(capsys, "--data", str(data_dir), "--user", "root",
                           "--unit", str(tmp_path / "portal.service"))
    assert code == 1 and "must not run as root" in err
    assert not (tmp_path / "portal.service").exists()


@pytest.mark.parametrize("url", ["ftp://portal.example", "congthongtin", "https://x.vn/?a=1"])
def test_a_bad_public_address_is_one_line(tmp_path, capsys, url):
    code = main(["init", "--data", str(tmp_path / "site"), "--url", url,
                 "--admin-password", "correct-horse-battery"])
    _out, err = capsys.readouterr()
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "is not a public address" in err
    assert not (tmp_path / "site").exists()


def test_nobody_is_refused_as_the_service_account(service_site, tmp_path, capsys):
    code, _, err = install(capsys, "--data", str(service_site), "--user", "nobody",
                           "--unit", str(tmp_path / "portal.service"))
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "must not run as nobody" in err
    assert not (tmp_path / "portal.service").exists()


@pytest.mark.parametrize("place", ["/tmp", "/var/tmp", "/home", "/root"])
def test_a_data_directory_the_service_cannot_see_is_refused(place, tmp_path, capsys,
                                                           monkeypatch):
    # A program where the service sees it, wherever this checkout is: the
    # data directory is what is refused (nothing is run).
    monkeypatch.setattr(install_mod, "program", lambda: "/usr/local/bin/portal")
    site = Path(place) / "portal-install-refused" / "site"
    try:
        code, out, err = install(capsys, "--data", str(site), "--user", service_account(),
                                 "--unit", str(tmp_path / "portal.service"))
    finally:  # a regression must not leave a site there
        made = site.parent.exists()
        shutil.rmtree(site.parent, ignore_errors=True)
    assert not made
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert f"is under {place}, which the service cannot see" in err
    assert not site.exists() and "password" not in out
    assert not (tmp_path / "portal.service").exists()


def test_a_program_the_service_cannot_see_is_refused(service_dir, tmp_path, monkeypatch,
                                                     capsys):
    monkeypatch.setattr(install_mod, "program", lambda: "/tmp/portal/portal")
    site = service_dir / "site"
    code, out, err = install(capsys, "--data", str(site), "--user", service_account(),
                             "--unit", str(tmp_path / "portal.service"))
    assert code == 1 and "the program /tmp/portal/portal is under /tmp" in err
    assert not site.exists() and "password" not in out


@pytest.mark.parametrize("unit, words", [
    ("folder", "is a folder"),
    ("portal.txt", "ends in .service"),
])
def test_a_bad_unit_path_is_refused_before_the_site_is_made(unit, words, service_dir,
                                                            tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    site = service_dir / "site"
    code, out, err = install(capsys, "--data", str(site), "--user", service_account(),
                             "--unit", str(tmp_path / unit))
    assert code == 1 and len(err.strip().splitlines()) == 1 and words in err, err
    assert not site.exists()  # no site made, no password shown for it
    assert "password" not in out and "created" not in out


def test_a_bad_public_address_is_refused_before_the_account_or_site(service_dir, tmp_path,
                                                                   capsys):
    if os.geteuid() != 0:
        pytest.skip("a missing account is made only by root")
    site = service_dir / "site"
    try:
        code, out, err = install(capsys, "--data", str(site), "--user",
                                 "portal-never-made", "--unit",
                                 str(tmp_path / "portal.service"),
                                 "--url", "ftp://portal.example")
    finally:  # a regression must not leave an account behind
        try:
            pwd.getpwnam("portal-never-made")
            made = True
        except KeyError:
            made = False
        if made:
            subprocess.run(["userdel", "portal-never-made"], check=False, timeout=60)
    assert not made
    assert code == 1 and "is not a public address" in err, err
    assert not site.exists() and "created" not in out
