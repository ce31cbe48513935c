"""Articles from the newsroom to the public site: create, edit, publish and
unpublish in every language; form errors; sanitising; the items list."""

from __future__ import annotations

import re
from functools import partial

import pytest
from newsroom_support import ARTICLE_TITLES, article_form, item_id_from
from staff_support import csrf_in

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction


def stored(conn, item_id: int) -> content.Item:
    return content.get_item(conn, item_id)


def save(conn, data: ItemInput, status: str = "draft") -> content.Item:
    return transaction(conn, partial(content.save_item, status=status), data)


@pytest.mark.parametrize("lang", ["vi", "en", "km"])
async def test_an_article_goes_from_draft_to_the_site_and_off_again(
    admin, client, conn, sections, lang
):
    created = await admin.post("/admin/items/new", article_form(lang))
    item_id = item_id_from(created)
    assert created.headers["Location"].endswith("?done=created")
    item = stored(conn, item_id)
    assert (item.lang, item.status, item.section_key) == (lang, "draft", "tin-tuc")
    assert (await client.get(item.url)).status == 404

    page = await admin.get(f"/admin/items/{item_id}")
    assert page.status == 200
    assert f'name="revision" value="{item.revision}"' in await page.text()
    edited = await admin.post(
        f"/admin/items/{item_id}",
        article_form(
            lang, title=ARTICLE_TITLES[lang] + " 2026", revision=str(item.revision)
        ),
    )
    assert item_id_from(edited) == item_id
    item = stored(conn, item_id)
    assert item.title == ARTICLE_TITLES[lang] + " 2026"

    published = await admin.post(f"/admin/items/{item_id}/transition",
                                 {"name": "publish_now"})
    assert published.headers["Location"] == f"/admin/items/{item_id}?done=publish_now"
    public = await client.get(item.url)
    assert public.status == 200
    assert ARTICLE_TITLES[lang] + " 2026" in await public.text()

    # Once published, the address is kept whatever the title becomes.
    retitled = await admin.post(
        f"/admin/items/{item_id}",
        article_form(
            lang, title="Tiêu đề mới", revision=str(stored(conn, item_id).revision)
        ),
    )
    assert retitled.status == 303
    assert stored(conn, item_id).url == item.url

    unpublished = await admin.post(f"/admin/items/{item_id}/transition",
                                   {"name": "unpublish"})
    assert unpublished.status == 303
    assert stored(conn, item_id).status == "unpublished"
    assert (await client.get(item.url)).status == 404


async def test_the_address_is_made_from_the_vietnamese_title(admin, conn, sections):
    item_id = item_id_from(await admin.post("/admin/items/new", article_form("vi")))
    assert (
        stored(conn, item_id).url
        == "/vi/tin-tuc/tinh-an-giang-khoi-cong-cau-dinh-phuoc-moi"
    )


async def test_save_and_publish_in_one_step(admin, client, conn, sections):
    response = await admin.post("/admin/items/new", article_form("en", then="publish_now"))
    item_id = item_id_from(response)
    assert response.headers["Location"].endswith("?done=publish_now")
    item = stored(conn, item_id)
    assert item.status == "published" and item.published_at
    assert (await client.get(item.url)).status == 200


async def test_every_field_of_the_form_is_stored(admin, conn, sections):
    response = await admin.post(
        "/admin/items/new",
        article_form(
            "vi",
            section="kinh-te",
            tags="Nông nghiệp; lúa gạo, Nông nghiệp",
            featured="1",
            published_at="2026-11-20T07:30",
            byline="Phóng viên A",
        ),
    )
    item = stored(conn, item_id_from(response))
    assert item.section_key == "kinh-te"
    assert sorted(tag.name for tag in item.tags) == ["Nông nghiệp", "lúa gạo"]
    assert item.featured is True
    assert item.byline == "Phóng viên A"
    # Typed as Vietnam time, stored as UTC.
    assert item.published_at == "2026-11-20T00:30:00Z"
    assert item.author_id == 1


async def test_a_form_with_errors_is_shown_again_with_what_was_typed(admin, conn):
    before = conn.execute("SELECT count(*) FROM item").fetchone()[0]
    response = await admin.post(
        "/admin/items/new",
        article_form(
            "vi",
            title="  ",
            section="",
            summary="Giữ lại đoạn tóm tắt này",
            published_at="ngày mai",
        ),
    )
    assert response.status == 400
    text = await response.text()
    assert "Vui lòng nhập tiêu đề." in text
    assert "Chưa có chuyên mục nào" in text
    assert "Thời gian xuất bản “ngày mai”" in text
    assert "Giữ lại đoạn tóm tắt này" in text
    assert 'aria-invalid="true"' in text
    assert 'href="#f-title"' in text
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == before


@pytest.mark.parametrize("lang", ["zz", "", "x!"])
async def test_a_language_the_site_does_not_have_is_an_error_in_the_form(
        admin, conn, sections, lang):
    form = article_form("vi", summary="Giữ lại đoạn tóm tắt này")
    response = await admin.post("/admin/items/new", form | {"lang": lang})
    assert response.status == 400
    text = await response.text()
    assert "Giữ lại đoạn tóm tắt này" in text and 'aria-invalid="true"' in text
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == 0


async def test_errors_are_in_the_editors_language(admin, sections):
    await admin.post("/admin/language", {"lang": "en", "next": "/admin/"})
    response = await admin.post(
        "/admin/items/new", article_form("vi", section="no-such-section")
    )
    assert response.status == 400
    assert "Choose a section." in await response.text()


async def test_the_body_is_sanitised_on_the_server(admin, client, conn, sections):
    hostile = (
        '<p onclick="steal()">Tin <strong>an toàn</strong></p>'
        '<script>alert("x")</script><img src="x" onerror="alert(1)">'
        '<a href="javascript:alert(2)">liên kết</a>'
    )
    response = await admin.post(
        "/admin/items/new", article_form("vi", body=hostile, then="publish_now")
    )
    item = stored(conn, item_id_from(response))
    for bad in ("<script", "onerror", "onclick", "javascript:"):
        assert bad not in item.body
    assert "<strong>an toàn</strong>" in item.body

    public = await (await client.get(item.url)).text()
    assert "onerror" not in public and 'alert("x")' not in public


async def test_a_stale_form_does_not_overwrite_newer_changes(
    admin, sign_in, conn, sections
):
    item_id = item_id_from(await admin.post("/admin/items/new", article_form("vi")))
    opened = str(stored(conn, item_id).revision)
    other = await sign_in()
    # Both open the form; the other editor saves first, in the same second.
    first = await other.post(
        f"/admin/items/{item_id}",
        article_form("vi", title="Tiêu đề của người kia", revision=opened),
    )
    assert first.status == 303

    response = await admin.post(
        f"/admin/items/{item_id}",
        article_form(
            "vi", title="Tiêu đề ghi đè", summary="Tóm tắt của tôi", revision=opened
        ),
    )
    assert response.status == 409
    text = await response.text()
    assert "Người khác đã lưu nội dung này sau khi bạn mở ra." in text
    # What was typed is kept, and the form still says where it started from.
    assert 'value="Tiêu đề ghi đè"' in text and "Tóm tắt của tôi" in text
    assert f'name="revision" value="{opened}"' in text
    assert stored(conn, item_id).title == "Tiêu đề của người kia"


async def test_an_edit_without_the_revision_is_refused(admin, conn, sections):
    item_id = item_id_from(await admin.post("/admin/items/new", article_form("vi")))
    before = stored(conn, item_id)
    response = await admin.post(
        f"/admin/items/{item_id}", article_form("vi", title="Lưu mù quáng")
    )
    assert response.status == 400
    text = await response.text()
    assert "không cho biết nó sửa phiên bản nào" in text
    assert 'value="Lưu mù quáng"' in text
    assert stored(conn, item_id).revision == before.revision
    assert stored(conn, item_id).title == before.title


@pytest.mark.parametrize("revision", ["", "abc", "-1"])
async def test_a_bad_revision_is_refused(admin, conn, sections, revision):
    item_id = item_id_from(await admin.post("/admin/items/new", article_form("vi")))
    response = await admin.post(
        f"/admin/items/{item_id}", article_form("vi", title="Khác", revision=revision)
    )
    assert response.status == 400
    assert stored(conn, item_id).title == ARTICLE_TITLES["vi"]


async def test_titles_up_to_the_content_stores_limit_are_taken(admin, conn, sections):
    long_title = "Tiêu đề " + "dài " * 497  # 1,996 characters
    response = await admin.post(
        "/admin/items/new", article_form("vi", title=long_title)
    )
    assert stored(conn, item_id_from(response)).title == long_title.strip()

    too_long = await admin.post(
        "/admin/items/new", article_form("vi", title="x" * 2001)
    )
    assert too_long.status == 400
    assert "Tiêu đề dài quá 2.000 ký tự." in await too_long.text()
    page = await (await admin.get("/admin/items/new")).text()
    assert 'maxlength="2000"' in page


async def test_documents_from_import_are_not_edited_by_the_article_form(admin, conn):
    law = save(
        conn,
        ItemInput(
            kind="legal_document",
            lang="vi",
            title="Luật Tổ chức chính quyền địa phương",
            document={"number": "65/2025/QH15", "doc_type": "Luật"},
            external_id="law-65",
            source="vbpl",
        ),
        "published",
    )
    page = await admin.get(f"/admin/items/{law.id}")
    assert page.status == 200
    assert "không sửa được tại đây" in await page.text()

    response = await admin.post(
        f"/admin/items/{law.id}",
        {"title": "Bị sửa", "section": "", "revision": str(law.revision)},
    )
    assert response.status == 400
    again = stored(conn, law.id)
    assert again.title == law.title and again.document["number"] == "65/2025/QH15"
    # Publishing and unpublishing still work for every kind.
    assert (await admin.post(f"/admin/items/{law.id}/transition",
                             {"name": "unpublish"})).status == 303
    assert stored(conn, law.id).status == "unpublished"


async def test_editing_keeps_what_the_form_does_not_show(admin, conn, sections):
    imported = save(
        conn,
        ItemInput(
            kind="article",
            lang="vi",
            title="Tin từ nguồn khác",
            section_key="tin-tuc",
            external_id="news-42",
            source="baoangiang",
            attribution="Báo An Giang",
            source_url="https://example.org/tin-42",
            extra={"origin": "feed"},
        ),
    )
    response = await admin.post(
        f"/admin/items/{imported.id}",
        article_form(
            "vi",
            title="Tin từ nguồn khác (cập nhật)",
            revision=str(imported.revision),
        ),
    )
    item = stored(conn, item_id_from(response))
    assert (item.external_id, item.source, item.attribution, item.source_url) == (
        "news-42",
        "baoangiang",
        "Báo An Giang",
        "https://example.org/tin-42",
    )
    assert item.extra == {"origin": "feed"}


async def test_publishing_twice_is_refused_politely(admin, conn, sections):
    item_id = item_id_from(
        await admin.post("/admin/items/new", article_form("vi", then="publish_now"))
    )
    response = await admin.post(f"/admin/items/{item_id}/transition",
                                {"name": "publish_now"})
    assert response.status == 409
    assert "Tin bài này đã được xuất bản." in await response.text()


async def test_unknown_items_are_not_found(admin):
    assert (await admin.get("/admin/items/999999")).status == 404
    assert (await admin.post("/admin/items/999999/transition",
                             {"name": "publish_now"})).status == 404


# -- the Khmer review mark ------------------------------------------------------


async def test_khmer_items_carry_the_review_mark_until_cleared(admin, conn, sections):
    response = await admin.post(
        "/admin/items/new", article_form("km", awaiting_review="1")
    )
    item_id = item_id_from(response)
    assert stored(conn, item_id).awaiting_review

    listing = await (await admin.get("/admin/items?lang=km")).text()
    assert "Chờ rà soát tiếng Khmer" in listing

    form = article_form("km", revision=str(stored(conn, item_id).revision))
    await admin.post(f"/admin/items/{item_id}", form)
    assert not stored(conn, item_id).awaiting_review


# -- the list -------------------------------------------------------------------


@pytest.fixture
def mixed_items(conn, sections):
    def add(lang, title, status, section="tin-tuc"):
        return save(
            conn,
            ItemInput(kind="article", lang=lang, title=title, section_key=section),
            status,
        ).id

    return {
        "bridge": add("vi", "Khánh thành cầu Vàm Cống", "published"),
        "draft": add("vi", "Dự thảo kế hoạch đầu tư công", "draft", "kinh-te"),
        "english": add("en", "Rice exports rise in the Mekong Delta", "published"),
        "khmer": add("km", "ពិធីបុណ្យអុំទូក", "unpublished", "van-hoa"),
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"bridge", "draft", "english", "khmer"}),
        ("lang=vi", {"bridge", "draft"}),
        ("status=draft", {"draft"}),
        ("status=unpublished&lang=km", {"khmer"}),
        ("section=kinh-te", {"draft"}),
        ("kind=legal_document", set()),
        ("q=cau+vam+cong", {"bridge"}),
        ("q=K%C3%A8+ho%E1%BA%A1ch", {"draft"}),
        ("q=RICE", {"english"}),
        ("q=%E1%9E%94%E1%9E%BB%E1%9E%8E%E1%9F%92%E1%9E%99", {"khmer"}),
    ],
)
async def test_the_list_filters(admin, mixed_items, query, expected):
    response = await admin.get(f"/admin/items?{query}")
    assert response.status == 200
    text = await response.text()
    shown = {
        name
        for name, item_id in mixed_items.items()
        if f'href="/admin/items/{item_id}"' in text
    }
    assert shown == expected


async def test_the_list_is_newest_changed_first_and_pages(admin, conn, sections):
    for n in range(35):
        save(
            conn,
            ItemInput(
                kind="article",
                lang="vi",
                title=f"Tin số {n:02d}",
                section_key="tin-tuc",
            ),
        )
    first = await (await admin.get("/admin/items")).text()
    assert first.index("Tin số 34") < first.index("Tin số 33")
    assert "Tin số 04" not in first and "Trang 1/2" in first
    assert "/admin/items?page=2" in first
    second = await (await admin.get("/admin/items?page=2")).text()
    assert "Tin số 04" in second and "Tin số 34" not in second


@pytest.mark.parametrize(
    "query", ["lang=fr", "status=gone", "kind=dossier", "page=abc", "page=0"]
)
async def test_bad_list_filters_get_a_clear_400(admin, query):
    assert (await admin.get(f"/admin/items?{query}")).status == 400


async def test_the_dashboard_counts_and_tells_what_happened(admin, mixed_items):
    page = await admin.get("/admin/")
    text = await page.text()
    assert "/admin/items?status=published&amp;lang=vi" in text
    assert "Khánh thành cầu Vàm Cống" in text
    assert "Tổng cộng 4 tin bài." in text
    assert "đã tạo" in text  # the audit trail


def activity_lines(page: str) -> list[str]:
    """The dashboard's audit lines, as plain text with links kept as href=."""
    section = page[page.index('id="activity-title"') :]
    lines = re.findall(r"<li>(.*?)</li>", section, flags=re.S)
    return [" ".join(re.sub(r"<(?!a )[^>]+>", " ", line).split()) for line in lines]


async def test_the_activity_names_what_was_changed(admin, add_staff, conn, sections):
    add_staff("reporter", "thu.trang")
    item_id = item_id_from(await admin.post("/admin/items/new", article_form("vi")))
    lines = activity_lines(await (await admin.get("/admin/")).text())
    added = [line for line in lines if "đã thêm người dùng" in line]
    assert added and "thu.trang" in added[0]
    created = [line for line in lines if "đã tạo" in line]
    assert created and f'<a href="/admin/items/{item_id}"' in created[0]
    assert ARTICLE_TITLES["vi"] in created[0]


async def test_a_translation_form_starts_from_the_original(admin, conn, sections):
    source_id = item_id_from(
        await admin.post(
            "/admin/items/new",
            article_form("vi", section="van-hoa", tags="lễ hội, văn hóa"),
        )
    )
    page = await admin.get(f"/admin/items/new?lang=en&translation_of={source_id}")
    text = await page.text()
    assert page.status == 200
    assert f'name="translation_of" value="{source_id}"' in text
    assert '<option value="van-hoa" selected>' in text
    assert 'value="lễ hội, văn hóa"' in text
    assert csrf_in(text)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/items/99999999999999999999999",
        "/admin/items/%C2%B2",
        "/admin/items/new?translation_of=%C2%B2",
        "/admin/items/new?lang=xx",
        "/admin/items?page=%C2%B2",
        "/admin/items?page=99999999999",
    ],
)
async def test_odd_addresses_get_a_clear_answer_not_a_crash(admin, path):
    response = await admin.get(path)
    assert response.status in (400, 404)


@pytest.mark.parametrize(
    "fields",
    [
        {"lead_image": "²"},
        {"lead_image": "99999999999999999999"},
        {"translation_of": "²"},
        {"translation_of": "99999999999999999999"},
    ],
)
async def test_odd_numbers_in_the_form_are_explained(admin, conn, sections, fields):
    response = await admin.post("/admin/items/new", article_form("vi", **fields))
    assert response.status == 400
    assert 'class="error-summary"' in await response.text()
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == 0


@pytest.mark.parametrize("other", ["²", "99999999999999999999", "-1", "1e3"])
async def test_odd_numbers_to_link_are_explained(admin, conn, sections, other):
    item_id = item_id_from(await admin.post("/admin/items/new", article_form("vi")))
    response = await admin.post(f"/admin/items/{item_id}/link", {"other_id": other})
    assert response.status == 400
