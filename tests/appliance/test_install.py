"""`portal install`: the systemd unit it writes (checked by systemd's own
tools), the site it makes on a new server, and what it refuses."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tomllib

import pytest

from appliance import config as config_mod
from appliance import tls
from appliance.cli import main


def service_account() -> str:
    """An existing unprivileged account to name in the unit (tests never
    create accounts)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    return "nobody"


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


def test_the_unit_is_hardened_and_systemd_accepts_it(data_dir, tmp_path, capsys):
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
                if "Special user nobody" not in line]
    assert verified.returncode == 0 and not problems, verified.stderr
    # systemd's own score: 0 is a sealed box, 10 an unconfined service.
    scored = systemd_analyze("security", "--offline=true", "--threshold=20", str(unit))
    assert scored.returncode == 0, scored.stdout[-3000:]


def test_on_a_new_server_it_makes_the_site_for_https(tmp_path, capsys):
    site = tmp_path / "srv" / "portal"
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


def test_an_existing_site_is_left_as_it_is(data_dir, tmp_path, capsys):
    before = (data_dir / config_mod.CONFIG_FILE).read_text(encoding="utf-8")
    code, out, _ = install(capsys, "--data", str(data_dir), "--user", service_account(),
                           "--unit", str(tmp_path / "portal.service"))
    assert code == 0 and "created a site" not in out
    assert (data_dir / config_mod.CONFIG_FILE).read_text(encoding="utf-8") == before


def test_root_is_refused_as_the_service_account(data_dir, tmp_path, capsys):
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
