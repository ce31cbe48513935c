"""Shared fixtures: a fresh site per test (real SQLite file, real HTTP on
loopback through the app factory), staff accounts, sections and signed-in
clients (helpers in staff_support.py), the sample site, and the real corpus."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from staff_support import (
    ADMIN_USER,
    NO_SECOND_FACTOR,
    SECTIONS,
    STAFF_PASSWORD,
    Staff,
    new_site,
    sign_in_as,
)

from appliance import config as config_mod
from appliance import users
from appliance.app import create_app
from appliance.content import save_section
from appliance.db import open_sync, transaction


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """Real argon2, with the cost turned down: the production setting spends a
    third of a second per hash on purpose, and tests sign in a lot."""
    monkeypatch.setattr(
        users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    # Staff sign in with a password alone here; tests/accounts states the
    # second-factor rule for its own sites.
    return new_site(tmp_path, NO_SECOND_FACTOR)


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


# -- staff -------------------------------------------------------------------

@pytest.fixture
def add_staff(conn):
    """Add a staff account with a role (the user name defaults to the role's),
    optionally with a display name, an e-mail address and the sections it is
    limited to; returns the user."""

    def add(role: str, username: str | None = None, *, display_name: str = "",
            email: str | None = None, sections: tuple[int, ...] = ()):
        def make(db):
            user = users.add_user(db, username or role.replace("-", ""), role,
                                  STAFF_PASSWORD, display_name, email=email)
            db.executemany("INSERT INTO user_section (user_id, section_id) VALUES (?, ?)",
                           [(user.id, section) for section in sections])
            return users.get_user(db, user.id)

        return transaction(conn, make)

    return add


@pytest.fixture
def sections(conn) -> dict[str, int]:
    """Three sections, in the order tin-tuc, kinh-te, van-hoa; their ids by key."""
    return {key: transaction(conn, save_section, key, names).id
            for key, names in SECTIONS.items()}


@pytest.fixture
def new_client(client, aiohttp_client):
    """Another browser (its own cookies) on the test server."""

    async def make():
        return await aiohttp_client(client.server)

    return make


@pytest.fixture
def sign_in(new_client):
    """Sign a user in with a password on a client of their own; returns a
    Staff holding the CSRF token of `first_page`."""

    async def sign(username: str = ADMIN_USER, password: str | None = None,
                   first_page: str = "/admin/") -> Staff:
        return await sign_in_as(await new_client(), username, password, first_page)

    return sign


@pytest.fixture
async def admin(sign_in) -> Staff:
    return await sign_in()


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

    site = new_site(tmp_path_factory.mktemp("corpus"), NO_SECOND_FACTOR)
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
