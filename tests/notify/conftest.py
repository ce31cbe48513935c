"""Fixtures of the notification tests: a site whose mail goes to a real SMTP
server on loopback."""

from __future__ import annotations

import pytest
from notify_support import Mailbox, start_smtp

from appliance import config as config_mod
from appliance.app import create_app


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
