"""Fixtures of the site-tools tests: signed-in clients with the interface in
English, and a few published stories."""

from __future__ import annotations

import pytest
from staff_support import SECTIONS, Staff

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction


@pytest.fixture
def sign_in(sign_in):
    """Sign in as the shared fixture does, then switch the interface to
    English, so the assertions read the message ids."""

    async def sign(*args, **kwargs) -> Staff:
        staff = await sign_in(*args, **kwargs)
        switched = await staff.post("/admin/language", {"lang": "en", "next": "/admin/"})
        assert switched.status == 303
        return staff

    return sign


@pytest.fixture
def stories(conn) -> dict[str, content.Item]:
    """Published news: three Vietnamese stories and one English one."""
    transaction(conn, content.save_section, "tin-tuc", SECTIONS["tin-tuc"])
    made = {}
    for name, lang, title in (
        ("bridge", "vi", "Khởi công cầu Đình Phước mới"),
        ("rice", "vi", "Nông dân An Giang thu hoạch lúa Thu Đông"),
        ("school", "vi", "Khánh thành trường học vùng biên giới"),
        ("bridge-en", "en", "Work starts on the new Dinh Phuoc bridge"),
    ):
        data = ItemInput(kind="article", lang=lang, title=title,
                         body=f"<p>{title}.</p>", section_key="tin-tuc",
                         published_at="2026-01-10T08:00:00+07:00")
        made[name] = transaction(conn, _publish, data)
    return made


def _publish(conn, data: ItemInput) -> content.Item:
    return content.save_item(conn, data, status="published")
