"""The built program: build.spec run by PyInstaller, then the result used the
way an IT Center uses it (init with HTTPS, import, staff, serve, a page with
its styles and fonts, a search, doctor, install, the demo), with no Python
package to fall back on. One build per test session, in a temporary folder."""

from __future__ import annotations

import fnmatch
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Building takes a minute or two on two cores.
pytestmark = [pytest.mark.build, pytest.mark.timeout(900)]
ARTICLE = {"external_id": "bt-1", "kind": "article", "lang": "vi", "section": "tin-tuc",
           "title": "Lễ hội đua bò Bảy Núi", "body": "Đua bò ở Tri Tôn.",
           "published_at": "2026-09-20"}
SECTION = {"external_id": "tin-tuc", "kind": "section", "lang": "vi", "title": "Tin tức",
           "names": {"vi": "Tin tức", "en": "News", "km": "ព័ត៌មាន"}}


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    built = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR",
         "--workpath", str(out / "work"), "--distpath", str(out / "dist"),
         str(ROOT / "build.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=840)
    assert built.returncode == 0, built.stderr[-5000:]
    program = out / "dist" / "portal" / "portal"
    assert program.is_file() and os.access(program, os.X_OK)
    return program


def environment(tmp: Path) -> dict[str, str]:
    """Nothing of the development set-up: no package on the path, no system
    time-zone database (the bundled one must do), a bare locale."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "LANG": "C.UTF-8",
            "PYTHONTZPATH": "", "TMPDIR": str(tmp)}


def run(portal: Path, tmp: Path, *argv: str, **env: str) -> subprocess.CompletedProcess:
    done = subprocess.run([str(portal), *argv], capture_output=True, text=True,
                          timeout=120, env=environment(tmp) | env, cwd=tmp)
    assert done.returncode == 0, f"portal {' '.join(argv)}: {done.stderr[-3000:]}"
    return done


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shipped_data_files() -> set[str]:
    """Every file of the project's packages that is not Python source."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["packages"]["find"]["include"]
    found = set()
    for part in ROOT.iterdir():
        if (part / "__init__.py").is_file() and any(
                fnmatch.fnmatchcase(part.name, p) for p in patterns):
            for path in part.rglob("*"):
                if path.is_file() and "__pycache__" not in path.parts and \
                        path.suffix not in (".py", ".pyc", ".mo"):
                    found.add(path.relative_to(ROOT).as_posix())
    return found


def test_every_data_file_of_the_package_is_in_the_bundle(portal):
    bundle = portal.parent / "_internal"
    expected = shipped_data_files()
    assert len(expected) > 50  # templates, static files, fonts, catalogues, migrations
    missing = sorted(name for name in expected if not (bundle / name).is_file())
    assert not missing, f"not in the bundle: {missing}"


def test_version_says_when_it_was_built(portal, tmp_path):
    out = run(portal, tmp_path, "version").stdout
    assert re.fullmatch(r"portal \S+ \(schema \d+, built \d{4}-\d{2}-\d{2}\)\n", out), out


def wait_until_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            if process.poll() is not None:
                raise AssertionError(log.read_text()) from None
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, dict, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_a_site_run_from_the_executable(portal, tmp_path):
    site = tmp_path / "site"
    http_port, https_port = free_port(), free_port()
    run(portal, tmp_path, "init", "--data", str(site), "--self-signed",
        "--url", f"https://localhost:{https_port}", PORTAL_ADMIN_PASSWORD="correct-horse-1")
    config = site / "portal.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("port = 8080", f"port = {http_port}").replace(
        "port = 8443", f"port = {https_port}")
    config.write_text(text.replace('host = "127.0.0.1"', 'host = ["127.0.0.1", "::1"]', 1),
                      encoding="utf-8")
    content = tmp_path / "content.jsonl"
    content.write_text("\n".join(json.dumps(r, ensure_ascii=False)
                                 for r in (SECTION, ARTICLE)) + "\n", encoding="utf-8")
    assert "1 created" in run(portal, tmp_path, "import", "jsonl", str(content),
                              "--data", str(site)).stdout
    run(portal, tmp_path, "user", "add", "bientap", "--role", "editor", "--data", str(site),
        PORTAL_PASSWORD="staff-password-123")
    assert "bientap" in run(portal, tmp_path, "user", "list", "--data", str(site)).stdout
    assert run(portal, tmp_path, "user", "token", "bientap", "--data", str(site)).stdout
    assert "0 error(s)" in run(portal, tmp_path, "doctor", "--data", str(site)).stdout

    log = tmp_path / "serve.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([str(portal), "serve", "--data", str(site)],
                                   stdout=subprocess.DEVNULL, stderr=stderr,
                                   env=environment(tmp_path), cwd=tmp_path)
    try:
        wait_until_listening(https_port, process, log)
        context = ssl.create_default_context(
            cafile=str(site / "tls" / "certificate.pem"))
        conn = http.client.HTTPSConnection("localhost", https_port, timeout=30,
                                           context=context)
        status, headers, body = get(conn, "/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert "Strict-Transport-Security" in headers

        status, _, page = get(conn, "/vi/")
        html = page.decode()
        assert status == 200 and "Lễ hội đua bò Bảy Núi" in html
        css_path = re.search(r'href="(/static/css/[^"]+)"', html).group(1)
        status, _, css = get(conn, css_path)
        assert status == 200
        font = re.search(r"url\(['\"]?([^'\")]+\.woff2)", css.decode()).group(1)
        font_path = font if font.startswith("/") else "/static/css/" + font
        status, _, woff = get(conn, font_path.split("?")[0])
        assert status == 200 and woff[:4] == b"wOF2"

        status, _, results = get(conn, "/vi/search?q=dua+bo")  # without the tone marks
        assert status == 200 and "Lễ hội đua bò" in results.decode()
        status, _, answer = get(conn, "/api/v1/search?q=%C4%91ua%20b%C3%B2")
        assert status == 200 and json.loads(answer)["total"] == 1
        status, _, login = get(conn, "/admin/login")  # the newsroom's templates
        assert status == 200 and b"csrf_token" in login
        conn.close()

        plain = http.client.HTTPConnection("::1", http_port, timeout=30)
        status, headers, _ = get(plain, "/vi/")
        assert status == 301 and headers["Location"].startswith("https://localhost:")
        plain.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0, log.read_text()
    assert "Traceback" not in log.read_text()


def test_install_names_the_executable_in_the_unit(portal, tmp_path):
    unit = tmp_path / "portal.service"
    if os.geteuid() != 0:
        # The build is under /tmp, which the service's unit hides: refused.
        done = subprocess.run(
            [str(portal), "install", "--data", str(tmp_path / "site"), "--unit", str(unit),
             "--user", os.environ.get("USER", "portal")], capture_output=True, text=True,
            timeout=120, env=environment(tmp_path), cwd=tmp_path)
        assert done.returncode == 1 and "which the service cannot see" in done.stderr
        assert not unit.exists()
        return
    # As on a server: the program and the site where the service sees them,
    # the program called through a link (as from /usr/local/bin).
    Path("/srv").mkdir(exist_ok=True)
    place = Path(tempfile.mkdtemp(prefix="portal-artifact-test-", dir="/srv"))
    try:
        place.chmod(0o755)
        link, site = place / "portal", place / "site"
        link.symlink_to(portal)
        run(link, tmp_path, "install", "--data", str(site), "--user", "daemon",
            "--unit", str(unit), "--url", "https://congthongtin.angiang.gov.vn")
        assert f"ExecStart={link} serve --data {site}\n" in unit.read_text()
        assert (site / "tls" / "certificate.pem").is_file()
    finally:
        shutil.rmtree(place, ignore_errors=True)


def test_the_demo_runs_from_the_executable(portal, tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [str(portal), "demo", "--host", "127.0.0.1", "--port", str(port),
             "--data", str(tmp_path / "demo")],
            stdout=subprocess.DEVNULL, stderr=stderr, env=environment(tmp_path),
            cwd=tmp_path)
    try:
        wait_until_listening(port, process, log)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        status, _, page = get(conn, "/km/")
        assert status == 200 and 'lang="km"' in page.decode()
        conn.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0, log.read_text()
