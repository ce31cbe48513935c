"""A property-based API tester (schemathesis) against the live server: the
program started as an operator starts it, on loopback, with the sample site,
a trusted partner's key and an editor-in-chief's personal token. It generates
requests from /api/v1/openapi.json, valid and invalid, for every operation,
and finds no server error and no answer that breaks its documented schema.
Example counts are capped so the run takes a minute or two."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from staff_support import NO_SECOND_FACTOR, new_site

from appliance import config as config_mod
from appliance.db import open_sync, transaction
from appliance.demo import load_sample
from appliance.tokens import create_token
from appliance.users import find_user
from feeds.partners import add_partner

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = "12"
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live(tmp_path: Path):
    """`portal serve` on a free loopback port, and the credentials to use."""
    port = free_port()
    site = new_site(tmp_path, NO_SECOND_FACTOR | {
        "api.anonymous_per_minute": 100_000, "api.key_per_minute": 100_000,
        "security.api_token_attempts": 100_000,
        "site.base_url": f"http://127.0.0.1:{port}"})
    cfg = config_mod.load(site)
    conn = open_sync(cfg.database_path)
    load_sample(conn, cfg.media_dir)
    _partner, key = transaction(conn, add_partner, "Sở Tư pháp",
                                ["article", "directive", "legal_document"], True)
    token = transaction(conn, create_token, find_user(conn, "admin").id, "tests")
    conn.close()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "appliance", "serve", "--data", str(site),
         "--port", str(port)],
        stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        yield base, key, token, tmp_path
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise AssertionError("the server stopped at start-up")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def schemathesis(base: str, secret: str, report: Path, *selection: str) -> None:
    command = [
        str(SCHEMATHESIS), "run", f"{base}/api/v1/openapi.json", "--checks", CHECKS,
        "--max-examples", EXAMPLES, "--seed", "6", "--workers", "1",
        "--phases", "examples,coverage,fuzzing", "--request-timeout", "20",
        "--header", f"Authorization: Bearer {secret}", "--no-shrink",
        "--suppress-health-check", "all", "--warnings", "off",
        "--report", "junit", "--report-dir", str(report), *selection,
    ]
    environment = os.environ | {"NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}
    # Run in the test's folder: the tester keeps a cache where it runs.
    run = subprocess.run(command, capture_output=True, text=True, timeout=600,
                         env=environment, cwd=report.parent)
    faults = [line for line in (report.parent / "server.log").read_text().splitlines()
              if "Traceback" in line or "Error" in line][-20:]
    assert run.returncode == 0, "\n".join([run.stdout[-6000:], run.stderr[-2000:],
                                           *faults])


@pytest.mark.timeout(900)
def test_the_public_and_inbound_api_hold_under_generated_requests(live):
    base, key, _token, folder = live
    schemathesis(base, key, folder / "public", "--exclude-path-regex", "^/api/v1/admin")


@pytest.mark.timeout(900)
def test_the_newsroom_api_holds_under_generated_requests(live):
    base, _key, token, folder = live
    schemathesis(base, token, folder / "admin", "--include-path-regex", "^/api/v1/admin")
