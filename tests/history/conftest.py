"""Fixtures of the history, preview, review-link and translation-status
tests: staff accounts with display names, and items saved through the content
store."""

from __future__ import annotations

import pytest

from appliance.content import ItemInput, get_item, save_item
from appliance.db import transaction


@pytest.fixture
def add_staff(add_staff):
    """Staff named in the pages by a display name: their user name, capitalised."""

    def add(role: str, username: str | None = None, **kwargs):
        name = username or role.replace("-", "")
        return add_staff(role, name, display_name=name.title(), **kwargs)

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
