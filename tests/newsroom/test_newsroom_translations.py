"""Language versions of a story: write a translation from the original,
link and unlink existing items, and see the link on the public article."""

from __future__ import annotations

from functools import partial

import pytest
from newsroom_support import ARTICLE_TITLES, article_form, item_id_from

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction


def versions(conn, item_id: int) -> dict[str, int]:
    item = content.get_item(conn, item_id)
    found = content.translations_of(conn, item, published_only=False)
    return {lang: other.id for lang, other in found.items()}


async def test_write_the_translation_from_the_original(admin, client, conn, sections):
    vi_id = item_id_from(
        await admin.post(
            "/admin/items/new",
            article_form(
                "vi", section="kinh-te", tags="cầu, giao thông", then="publish_now"
            ),
        )
    )
    page = await (await admin.get(f"/admin/items/{vi_id}")).text()
    assert f'href="/admin/items/new?lang=en&amp;translation_of={vi_id}"' in page

    en_id = item_id_from(
        await admin.post(
            "/admin/items/new",
            article_form(
                "en", section="kinh-te", translation_of=str(vi_id), then="publish_now"
            ),
        )
    )
    assert versions(conn, vi_id) == {"en": en_id}
    assert versions(conn, en_id) == {"vi": vi_id}

    vi_url = content.get_item(conn, vi_id).url
    en_url = content.get_item(conn, en_id).url
    vi_page = await (await client.get(vi_url)).text()
    assert f'href="{en_url}"' in vi_page
    en_page = await (await client.get(en_url)).text()
    assert f'href="{vi_url}"' in en_page

    admin_page = await (await admin.get(f"/admin/items/{vi_id}")).text()
    assert ARTICLE_TITLES["en"] in admin_page


async def test_a_second_version_in_the_same_language_is_refused(admin, conn, sections):
    vi_id = item_id_from(await admin.post("/admin/items/new", article_form("vi")))
    item_id_from(
        await admin.post(
            "/admin/items/new", article_form("en", translation_of=str(vi_id))
        )
    )
    before = conn.execute("SELECT count(*) FROM item").fetchone()[0]
    response = await admin.post(
        "/admin/items/new",
        article_form("en", title="Another English version", translation_of=str(vi_id)),
    )
    assert response.status == 409
    assert "Another English version" in await response.text()
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == before


@pytest.fixture
def pair(conn, sections):
    def add(lang, title):
        return transaction(
            conn,
            partial(content.save_item, status="published"),
            ItemInput(kind="article", lang=lang, title=title, section_key="van-hoa"),
        ).id

    return (
        add("vi", "Lễ hội Ok Om Bok"),
        add("km", "ពិធីបុណ្យអកអំបុក"),
        add("en", "Ok Om Bok festival"),
    )


async def test_link_and_unlink_existing_items(admin, client, conn, pair):
    vi_id, km_id, en_id = pair
    linked = await admin.post(f"/admin/items/{vi_id}/link", {"other_id": str(km_id)})
    assert linked.headers["Location"] == f"/admin/items/{vi_id}?done=linked"
    linked = await admin.post(f"/admin/items/{vi_id}/link", {"other_id": f"#{en_id}"})
    assert linked.status == 303
    assert versions(conn, vi_id) == {"km": km_id, "en": en_id}

    km_url = content.get_item(conn, km_id).url
    vi_page = await (await client.get(content.get_item(conn, vi_id).url)).text()
    assert f'href="{km_url}"' in vi_page

    unlinked = await admin.post(f"/admin/items/{km_id}/unlink", {"back": str(vi_id)})
    assert unlinked.headers["Location"] == f"/admin/items/{vi_id}?done=unlinked"
    assert versions(conn, vi_id) == {"en": en_id}
    assert versions(conn, km_id) == {}


async def test_find_an_item_to_link_by_its_title(admin, pair):
    vi_id, _km_id, en_id = pair
    page = await admin.get(f"/admin/items/{vi_id}?link_lang=en&link_q=om+bok")
    text = await page.text()
    assert "Ok Om Bok festival" in text
    assert f'name="other_id" value="{en_id}"' in text

    nothing = await (
        await admin.get(f"/admin/items/{vi_id}?link_lang=en&link_q=zzzz")
    ).text()
    assert "Không có tin bài nào phù hợp bằng ngôn ngữ này." in nothing


@pytest.mark.parametrize(
    "other, status, message",
    [
        ("", 400, "Vui lòng nhập số hiệu tin bài cần liên kết."),
        ("abc", 400, "Vui lòng nhập số hiệu tin bài cần liên kết."),
        ("999999", 400, "Không có tin bài số 999999."),
        ("self", 400, "Một tin bài không thể là bản dịch của chính nó."),
        ("same-language", 400, "Bản dịch phải ở ngôn ngữ khác."),
    ],
)
async def test_bad_links_are_explained(admin, conn, pair, other, status, message):
    vi_id = pair[0]
    if other == "self":
        other = str(vi_id)
    elif other == "same-language":
        other = str(
            transaction(
                conn,
                content.save_item,
                ItemInput(
                    kind="article",
                    lang="vi",
                    title="Một tin khác",
                    section_key="van-hoa",
                ),
            ).id
        )
    response = await admin.post(f"/admin/items/{vi_id}/link", {"other_id": other})
    assert response.status == status
    assert message in await response.text()
    assert versions(conn, vi_id) == {}


async def test_a_story_holds_one_version_per_language(admin, conn, pair, sections):
    vi_id, _km_id, en_id = pair
    await admin.post(f"/admin/items/{vi_id}/link", {"other_id": str(en_id)})
    other_en = transaction(
        conn,
        content.save_item,
        ItemInput(
            kind="article", lang="en", title="Another festival", section_key="van-hoa"
        ),
    ).id
    response = await admin.post(
        f"/admin/items/{other_en}/link", {"other_id": str(vi_id)}
    )
    assert response.status == 409
    assert versions(conn, vi_id) == {"en": en_id}


async def test_refusals_from_the_content_store_are_in_the_editors_language(
    admin, conn, pair
):
    vi_id = pair[0]
    other = transaction(
        conn,
        content.save_item,
        ItemInput(kind="article", lang="vi", title="Tin khác", section_key="van-hoa"),
    ).id
    await admin.post("/admin/language", {"lang": "en", "next": "/admin/"})
    response = await admin.post(f"/admin/items/{vi_id}/link", {"other_id": str(other)})
    assert response.status == 400
    assert "A translation must be in another language." in await response.text()
