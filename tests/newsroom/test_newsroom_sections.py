"""Sections: added, renamed and ordered from the newsroom, and the public
site's main menu follows without any code change."""

from __future__ import annotations

from functools import partial

import pytest

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction


@pytest.fixture
def filled(conn, sections):
    """One published Vietnamese story per section, so each shows in the menu."""
    for key in sections:
        transaction(
            conn,
            partial(content.save_item, status="published"),
            ItemInput(
                kind="article", lang="vi", title=f"Tin mục {key}", section_key=key
            ),
        )
    return list(sections)


async def menu_order(client, keys) -> list[str]:
    page = await (await client.get("/vi/")).text()
    menu = page[page.index('id="main-menu"') :]
    positions = {key: menu.find(f'href="/vi/{key}/"') for key in keys}
    assert all(p >= 0 for p in positions.values()), positions
    return sorted(keys, key=positions.get)


async def test_moving_a_section_changes_the_public_menu(admin, client, conn, filled):
    assert await menu_order(client, filled) == ["tin-tuc", "kinh-te", "van-hoa"]

    moved = await admin.post("/admin/sections/van-hoa/move", {"direction": "up"})
    assert moved.status == 303
    assert (
        moved.headers["Location"]
        == "/admin/sections?done=section-moved#section-van-hoa"
    )
    assert await menu_order(client, filled) == ["tin-tuc", "van-hoa", "kinh-te"]

    await admin.post("/admin/sections/tin-tuc/move", {"direction": "down"})
    assert await menu_order(client, filled) == ["van-hoa", "tin-tuc", "kinh-te"]
    # The ends stay put.
    await admin.post("/admin/sections/van-hoa/move", {"direction": "up"})
    await admin.post("/admin/sections/kinh-te/move", {"direction": "down"})
    assert [s.key for s in content.list_sections(conn)] == [
        "van-hoa",
        "tin-tuc",
        "kinh-te",
    ]


async def test_renaming_a_section_shows_on_the_site(admin, client, conn, filled):
    response = await admin.post(
        "/admin/sections/kinh-te",
        {
            "name_vi": "Kinh tế – Đầu tư",
            "name_en": "Economy and investment",
            "name_km": "សេដ្ឋកិច្ច និងការវិនិយោគ",
        },
    )
    assert response.status == 303
    section = content.get_section(conn, "kinh-te")
    assert section.names == {
        "vi": "Kinh tế – Đầu tư",
        "en": "Economy and investment",
        "km": "សេដ្ឋកិច្ច និងការវិនិយោគ",
    }
    assert "Kinh tế – Đầu tư" in await (await client.get("/vi/")).text()


async def test_a_new_section_is_usable_at_once(admin, client, conn, filled):
    response = await admin.post(
        "/admin/sections",
        {"key": "the-thao", "name_vi": "Thể thao", "name_en": "Sports", "name_km": ""},
    )
    assert response.headers["Location"] == "/admin/sections?done=section-added"
    assert [s.key for s in content.list_sections(conn)][-1] == "the-thao"
    page = await (await admin.get(response.headers["Location"])).text()
    assert "Đã thêm chuyên mục." in page and "Thể thao" in page

    form = await (await admin.get("/admin/items/new")).text()
    assert '<option value="the-thao">Thể thao</option>' in form
    created = await admin.post(
        "/admin/items/new",
        {
            "lang": "vi",
            "title": "Giải đua ghe ngo",
            "section": "the-thao",
            "then": "publish_now",
        },
    )
    assert created.status == 303
    assert await menu_order(client, filled + ["the-thao"]) == [
        "tin-tuc",
        "kinh-te",
        "van-hoa",
        "the-thao",
    ]
    assert (await client.get("/vi/the-thao/giai-dua-ghe-ngo")).status == 200


@pytest.mark.parametrize(
    "form, status, message",
    [
        ({"key": "Thể Thao", "name_vi": "Thể thao"}, 400, "không hợp lệ"),
        ({"key": "search", "name_vi": "Tìm"}, 400, "không hợp lệ"),
        ({"key": "the-thao", "name_vi": ""}, 400, "Vui lòng nhập tên tiếng Việt"),
        (
            {"key": "kinh-te", "name_vi": "Kinh tế 2"},
            409,
            "Đã có chuyên mục với mã “kinh-te”.",
        ),
        ({"key": "dai", "name_vi": "x" * 121}, 400, "tối đa 120 ký tự"),
    ],
)
async def test_bad_sections_are_explained_and_kept_in_the_form(
    admin, conn, sections, form, status, message
):
    before = [(s.key, s.names) for s in content.list_sections(conn)]
    response = await admin.post("/admin/sections", form)
    assert response.status == status
    text = await response.text()
    assert message in text
    assert f'value="{form["name_vi"]}"' in text
    assert [(s.key, s.names) for s in content.list_sections(conn)] == before


async def test_a_rename_without_a_vietnamese_name_is_refused(admin, conn, sections):
    response = await admin.post(
        "/admin/sections/van-hoa", {"name_vi": " ", "name_en": "Culture and society"}
    )
    assert response.status == 400
    text = await response.text()
    assert 'href="#f-van-hoa-vi"' in text and 'value="Culture and society"' in text
    assert content.get_section(conn, "van-hoa").names["en"] == "Culture"


@pytest.mark.parametrize(
    "path, data",
    [
        ("/admin/sections/no-such/move", {"direction": "up"}),
        ("/admin/sections/no-such", {"name_vi": "Không có"}),
    ],
)
async def test_unknown_sections_are_not_found(admin, sections, path, data):
    assert (await admin.post(path, data)).status == 404


async def test_a_move_must_be_up_or_down(admin, conn, sections):
    response = await admin.post("/admin/sections/kinh-te/move", {"direction": "left"})
    assert response.status == 400
    assert [s.key for s in content.list_sections(conn)] == list(sections)
