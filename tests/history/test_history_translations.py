"""Translation status: every story by language, with versions flagged as
outdated once their source changes after they were translated."""

from __future__ import annotations

import html
import re

from appliance.content import link_translations, mark_translated
from appliance.db import transaction


def translate(conn, save, source, lang: str, title: str):
    version = save(lang=lang, title=title)
    transaction(conn, link_translations, version.id, source.id)
    transaction(conn, mark_translated, version.id, source.id)
    return version


def _row(page: str, title: str) -> str:
    start = page.index(title)
    return page[start : page.index("</tr>", start)]


async def test_a_translation_is_outdated_after_its_source_changes(
    conn, sign_in, save, editor
):
    source = save(title="Lễ hội Bà Chúa Xứ", body="<p>Bản gốc.</p>")
    english = translate(conn, save, source, "en", "Ba Chua Xu festival")
    staff = await sign_in("editor")

    before = html.unescape(await (await staff.get("/admin/translations")).text())
    save(
        source.id, title="Lễ hội Bà Chúa Xứ", body="<p>Bản gốc, thêm giờ khai mạc.</p>"
    )
    after = html.unescape(await (await staff.get("/admin/translations")).text())

    assert "is-outdated" not in _row(before, "Lễ hội Bà Chúa Xứ")
    row = _row(after, "Lễ hội Bà Chúa Xứ")
    assert "is-outdated" in row
    assert f'href="/admin/items/{english.id}"' in row
    assert f"/admin/items/{source.id}/diff?from=1&to=2" in row
    # The Khmer version is missing: offer to make it from the source.
    assert f"/admin/items/new?lang=km&translation_of={source.id}" in row


async def test_a_change_outside_the_text_does_not_outdate(conn, sign_in, save, editor):
    source = save(title="Giá lúa tăng", body="<p>Văn bản.</p>", byline="An")
    translate(conn, save, source, "en", "Rice prices rise")
    save(source.id, title="Giá lúa tăng", body="<p>Văn bản.</p>", byline="Bình")
    staff = await sign_in("editor")

    page = await (await staff.get("/admin/translations?outdated=1")).text()

    assert "Giá lúa tăng" not in page


async def test_filters(conn, sign_in, save, editor):
    complete = save(title="Câu chuyện đủ ba thứ tiếng")
    translate(conn, save, complete, "en", "A story in three languages")
    translate(conn, save, complete, "km", "រឿងបីភាសា")
    save(title="Chỉ có tiếng Việt", section_key="kinh-te")
    changed = save(title="Nguồn đã thay đổi")
    translate(conn, save, changed, "en", "The source changed")
    save(changed.id, title="Nguồn đã thay đổi", body="<p>Mới.</p>")
    staff = await sign_in("editor")

    async def titles(query: str) -> set[str]:
        page = await staff.get(f"/admin/translations?{query}")
        assert page.status == 200, await page.text()
        text = await page.text()
        return set(
            re.findall(
                r'<th scope="row" lang="vi" class="title-cell">([^<]+)</th>', text
            )
        )

    assert await titles("") == {
        "Câu chuyện đủ ba thứ tiếng",
        "Chỉ có tiếng Việt",
        "Nguồn đã thay đổi",
    }
    assert await titles("missing=en") == {"Chỉ có tiếng Việt"}
    assert await titles("missing=km") == {"Chỉ có tiếng Việt", "Nguồn đã thay đổi"}
    assert await titles("outdated=1") == {"Nguồn đã thay đổi"}
    assert await titles("section=kinh-te") == {"Chỉ có tiếng Việt"}
    assert await titles(f"item={complete.id}") == {"Câu chuyện đủ ba thứ tiếng"}


async def test_bad_filters_are_a_clear_400(sign_in, editor):
    staff = await sign_in("editor")

    for query in ("missing=fr", "kind=poem", "section=nope", "item=abc", "page=0"):
        assert (await staff.get(f"/admin/translations?{query}")).status == 400, query
