"""Shared fixtures: a fresh site per test (real SQLite file, real HTTP on
loopback through the app factory), the sample site, and the real corpus."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from appliance import config as config_mod
from appliance import users
from appliance.app import create_app
from appliance.db import open_sync
from appliance.site import create_site

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct-horse-battery"
NO_SECOND_FACTOR = {"security.totp_required_roles": []}


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """Real argon2, with the cost turned down: the production setting spends a
    third of a second per hash on purpose, and tests sign in a lot."""
    monkeypatch.setattr(
        users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    # Staff sign in with a password alone here; tests/accounts states the
    # second-factor rule for its own sites.
    create_site(site, ADMIN_USER, ADMIN_PASSWORD, overrides=NO_SECOND_FACTOR)
    return site


@pytest.fixture
def config(data_dir: Path) -> config_mod.Config:
    return config_mod.load(data_dir)


@pytest.fixture
def conn(config):
    """A direct connection to the test site's database, for set-up and checks."""
    connection = open_sync(config.database_path)
    yield connection
    connection.close()


@pytest.fixture
def sample(config, conn):
    """The built-in sample site loaded into the test site."""
    from appliance.demo import load_sample

    load_sample(conn, config.media_dir)
    return config


@pytest.fixture
async def client(aiohttp_client, config):
    app = create_app(config)
    return await aiohttp_client(app)


def corpus_path() -> Path | None:
    value = os.environ.get("PORTAL_CORPUS")
    return Path(value) if value else None


@pytest.fixture(scope="session")
def corpus() -> Path:
    path = corpus_path()
    if path is None:
        pytest.skip("PORTAL_CORPUS is not set: the real-content tests need the corpus folder")
    if not path.is_dir():
        pytest.fail(f"PORTAL_CORPUS={path} is not a directory")
    return path


CORPUS_FILES = ("sections.jsonl", "news-vi.jsonl", "trilingual.jsonl", "laws.jsonl.gz",
                "legal-refs.jsonl", "procedures.jsonl.gz")


@pytest.fixture(scope="session")
def corpus_site(corpus, tmp_path_factory) -> Path:
    """A site holding the whole corpus, imported once per test session.

    Tests may read it but must not change it."""
    from appliance.importer import import_files

    site = tmp_path_factory.mktemp("corpus") / "site"
    create_site(site, ADMIN_USER, ADMIN_PASSWORD, overrides=NO_SECOND_FACTOR)
    cfg = config_mod.load(site)
    connection = open_sync(cfg.database_path)
    summary = import_files(connection, [corpus / name for name in CORPUS_FILES])
    connection.close()
    assert summary.created > 6000, summary.line()
    return site


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
async def browser():
    """Debian's Chromium driven by Playwright (scripts/test installs it)."""
    from playwright.async_api import async_playwright

    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is not installed at /usr/bin/chromium: "
                    "run the tests through scripts/test, which installs it")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                    args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()
