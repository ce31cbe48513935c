"""Fixtures of the royalty tests: a site with sections, contributors in the
register, and published works dated as a test needs."""

from __future__ import annotations

import pytest
from staff_support import SECTIONS

from appliance import audit
from appliance import config as config_mod
from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction
from newsroom.royalties import register
from newsroom.royalties.register import ContributorInput


@pytest.fixture(autouse=True)
def _no_command_line_address_left_behind():
    """Commands run in the test process mark audit entries as the command
    line's; the next test starts without that mark."""
    yield
    audit.acting_from(None)


@pytest.fixture
def key(config: config_mod.Config):
    return register.cipher(config.secrets["personal_key"])


@pytest.fixture
def news_section(conn) -> int:
    return transaction(conn, content.save_section, "tin-tuc", SECTIONS["tin-tuc"]).id


@pytest.fixture
def add_contributor(conn, key):
    """Add someone to the register; outside contributors by default."""

    def add(full_name: str, **fields) -> register.Contributor:
        data = ContributorInput(full_name=full_name, **fields)
        return transaction(conn, register.save_contributor, key, data)

    return add


@pytest.fixture
def publish(conn, news_section):
    """A work published at a local time ("2026-11-10T09:00"), in a language."""

    def make(title: str, when: str, lang: str = "vi", author_id: int | None = None,
             source_item_id: int | None = None) -> content.Item:
        data = ItemInput(kind="article", lang=lang, title=title, body=f"<p>{title}</p>",
                         section_key="tin-tuc", published_at=when)

        def save(db):
            item = content.save_item(db, data, user_id=author_id, status="published")
            if source_item_id is not None:
                content.mark_translated(db, item.id, source_item_id, author_id)
            return content.get_item(db, item.id)

        return transaction(conn, save)

    return make
