"""Fixtures of the notification tests: staff, sections, signed-in clients,
and a site whose mail goes to a real SMTP server on loopback."""

from __future__ import annotations

import pytest
from notify_support import STAFF_PASSWORD, Mailbox, sign_in_as, start_smtp

from appliance import config as config_mod
from appliance.app import create_app
from appliance.content import save_section
from appliance.db import transaction
from appliance.users import add_user

ADMIN_USER = "admin"
ADMIN_PASSWORD = "correct-horse-battery"

SECTIONS = {
    "tin-tuc": {"vi": "Tin tức", "en": "News", "km": "ព័ត៌មាន"},
    "kinh-te": {"vi": "Kinh tế", "en": "Economy", "km": "សេដ្ឋកិច្ច"},
}


@pytest.fixture
def sections(conn) -> dict[str, int]:
    """Two sections; their ids by key."""
    return {key: transaction(conn, save_section, key, names).id
            for key, names in SECTIONS.items()}


@pytest.fixture
def add_staff(conn):
    """Add a staff account (optionally limited to sections, with an e-mail)."""

    def add(role: str, username: str, *, sections: tuple[int, ...] = (),
            email: str | None = None):
        user = transaction(conn, add_user, username, role, STAFF_PASSWORD)
        conn.executemany("INSERT INTO user_section (user_id, section_id) VALUES (?, ?)",
                         [(user.id, section) for section in sections])
        conn.execute("UPDATE user SET email = ? WHERE id = ?", (email, user.id))
        return user

    return add


@pytest.fixture
def sign_in(client, aiohttp_client):
    """Sign a user in on a client of their own."""

    async def sign(username: str = ADMIN_USER):
        own = await aiohttp_client(client.server)
        password = ADMIN_PASSWORD if username == ADMIN_USER else STAFF_PASSWORD
        return await sign_in_as(own, username, password)

    return sign


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = start_smtp(box)
    yield box
    controller.stop()


@pytest.fixture
def mail_config(data_dir, mailbox) -> config_mod.Config:
    """The test site with its mail sent to the loopback SMTP server."""
    text = config_mod.render_config({
        "mail.host": "127.0.0.1", "mail.port": mailbox.port, "mail.starttls": False,
        "mail.from_address": "toasoan@angiang.gov.vn",
        "site.base_url": "https://angiang.gov.vn",
    })
    (data_dir / config_mod.CONFIG_FILE).write_text(text, encoding="utf-8")
    return config_mod.load(data_dir)


@pytest.fixture
async def mail_client(aiohttp_client, mail_config):
    return await aiohttp_client(create_app(mail_config))
