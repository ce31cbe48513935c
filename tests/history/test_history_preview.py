"""Preview: an item (current or any revision) as its public page would show
it, for signed-in staff only, never indexed or cached."""

from __future__ import annotations

import re

from appliance.content import set_status
from appliance.db import transaction


def _main_text(page: str) -> str:
    return page[page.index('<main id="main"') : page.index("</main>")]


async def test_preview_needs_sign_in(client, save):
    item = save(title="Bản nháp chưa đăng")

    response = await client.get(
        f"/admin/items/{item.id}/preview", allow_redirects=False
    )

    assert response.status in (302, 303)
    assert response.headers["Location"].startswith("/admin/login")
    assert "Bản nháp chưa đăng" not in await response.text()


async def test_preview_is_the_public_page_with_a_banner(sign_in, save, editor):
    item = save(
        title="Khánh thành cầu Vàm Cống",
        summary="Tóm tắt riêng.",
        body="<p>Nội dung <strong>chính</strong> của bài.</p>",
        tags=["giao thông"],
        byline="Minh Châu",
    )
    staff = await sign_in("editor")

    response = await staff.get(f"/admin/items/{item.id}/preview")

    page = await response.text()
    assert response.status == 200, page
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert 'class="preview-banner"' in page
    # The public article template and stylesheet, in the item's language.
    assert '<html lang="vi"' in page
    assert 'class="article-title">Khánh thành cầu Vàm Cống</h1>' in page
    assert "<strong>chính</strong>" in page
    assert "Minh Châu" in page
    assert re.search(r'href="/static/css/site\.css\?v=', page)


async def test_preview_of_an_english_item_uses_the_english_page(sign_in, save, editor):
    item = save(lang="en", title="Bridge opens", body="<p>Text.</p>")
    staff = await sign_in("editor")

    page = await (await staff.get(f"/admin/items/{item.id}/preview")).text()

    assert '<html lang="en"' in page
    assert "Skip to main content" in page


async def test_preview_of_an_old_revision(sign_in, save, editor):
    item = save(title="Tiêu đề cũ", body="<p>Đoạn cũ.</p>", byline="An")
    save(item.id, title="Tiêu đề mới", body="<p>Đoạn mới.</p>", byline="Bình")
    staff = await sign_in("editor")

    old = _main_text(
        await (await staff.get(f"/admin/items/{item.id}/preview?revision=1")).text()
    )
    current = _main_text(
        await (await staff.get(f"/admin/items/{item.id}/preview")).text()
    )

    assert "Tiêu đề cũ" in old and "Đoạn cũ." in old and "An" in old
    assert "Tiêu đề mới" not in old
    assert "Tiêu đề mới" in current and "Đoạn mới." in current


async def test_preview_of_a_published_item_says_so(conn, sign_in, save, editor):
    item = save(title="Đã đăng")
    transaction(conn, set_status, item.id, "published")
    staff = await sign_in("editor")
    await staff.post("/admin/language", {"lang": "en", "next": "/admin/"})

    published = await (await staff.get(f"/admin/items/{item.id}/preview")).text()
    draft = await (await staff.get(f"/admin/items/{item.id}/preview?revision=1")).text()

    assert "Preview of the published version" in published
    assert "Preview — not published" in draft
    assert "older revision" in draft
    # The banner is in the editor's language, the page in the item's.
    assert '<html lang="vi"' in published and 'lang="en"' in published


async def test_preview_of_a_missing_revision_or_item(sign_in, save, editor):
    item = save()
    staff = await sign_in("editor")

    assert (await staff.get(f"/admin/items/{item.id}/preview?revision=7")).status == 404
    assert (await staff.get(f"/admin/items/{item.id}/preview?revision=x")).status == 400
    assert (await staff.get("/admin/items/999999/preview")).status == 404


async def test_writers_preview_only_their_own_items(sign_in, save, add_staff, editor):
    add_staff("contributor")
    item = save(user=editor)
    staff = await sign_in("contributor")

    assert (await staff.get(f"/admin/items/{item.id}/preview")).status == 403


async def test_documents_and_procedures_use_their_own_public_pages(
    conn, sign_in, editor
):
    from appliance.content import ItemInput, save_item

    document = transaction(
        conn,
        save_item,
        ItemInput(
            kind="directive",
            lang="vi",
            title="Về phòng chống lũ",
            document={"number": "12/CT-UBND", "issuer": "UBND tỉnh An Giang"},
        ),
    )
    procedure = transaction(
        conn,
        save_item,
        ItemInput(
            kind="procedure",
            lang="vi",
            title="Cấp giấy phép xây dựng",
            procedure={
                "code": "1.009994",
                "agency": "Sở Xây dựng",
                "steps": ["Bước 1: Nộp hồ sơ."],
            },
        ),
    )
    staff = await sign_in("editor")

    shown_document = await (
        await staff.get(f"/admin/items/{document.id}/preview")
    ).text()
    shown_procedure = await (
        await staff.get(f"/admin/items/{procedure.id}/preview")
    ).text()

    assert "12/CT-UBND" in _main_text(shown_document)
    assert "preview-banner" in shown_document
    assert "1.009994" in _main_text(shown_procedure)
    assert "Nộp hồ sơ." in _main_text(shown_procedure)
