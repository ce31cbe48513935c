"""Fixtures of the history, preview, review-link and translation-status
tests: staff accounts, sections, items saved through the content store, and
signed-in clients."""

from __future__ import annotations

import pytest
from history_support import STAFF_PASSWORD, Staff, sign_in_as

from appliance.content import ItemInput, get_item, save_item, save_section
from appliance.db import transaction
from appliance.users import add_user

SECTIONS = {
    "tin-tuc": {"vi": "Tin tức", "en": "News", "km": "ព័ត៌មាន"},
    "kinh-te": {"vi": "Kinh tế", "en": "Economy", "km": "សេដ្ឋកិច្ច"},
}


@pytest.fixture
def sections(conn) -> dict[str, int]:
    return {
        key: transaction(conn, save_section, key, names).id
        for key, names in SECTIONS.items()
    }


@pytest.fixture
def add_staff(conn):
    def add(role: str, username: str | None = None):
        name = username or role.replace("-", "")
        return transaction(conn, add_user, name, role, STAFF_PASSWORD, name.title())

    return add


@pytest.fixture
def editor(add_staff):
    return add_staff("editor")


@pytest.fixture
def save(conn, sections):
    """Save an article through the content store (a new revision each time)."""

    def do(item_id: int | None = None, *, user=None, lang: str = "vi", **fields):
        if item_id is not None:
            # As the article form does: an edit keeps the item in its story.
            fields.setdefault(
                "translation_group", get_item(conn, item_id).translation_group
            )
        data = ItemInput(
            kind="article",
            lang=lang,
            title=fields.pop("title", "Tiêu đề"),
            section_key=fields.pop("section_key", "tin-tuc"),
            **fields,
        )
        return transaction(
            conn,
            lambda c: save_item(
                c, data, item_id=item_id, user_id=user.id if user else None
            ),
        )

    return do


@pytest.fixture
def sign_in(client, aiohttp_client):
    """Sign a member of staff in on a client of their own."""

    async def sign(username: str) -> Staff:
        own = await aiohttp_client(client.server)
        return await sign_in_as(own, username, STAFF_PASSWORD)

    return sign
