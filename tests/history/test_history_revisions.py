"""Every save is a revision: the history lists them, a diff shows the words
that changed, and a restore saves old content as a new revision."""

from __future__ import annotations

import html
import re

from appliance import revisions
from appliance.content import get_item
from appliance.db import transaction


def test_each_save_is_listed_newest_first(conn, save, editor):
    item = save(title="Cầu Đình Phước khởi công", body="<p>Bản đầu.</p>", user=editor)
    save(
        item.id,
        title="Cầu Đình Phước khởi công hôm nay",
        body="<p>Bản hai.</p>",
        user=editor,
    )

    found = revisions.list_revisions(conn, item.id)

    assert [r.revision for r in found] == [2, 1]
    assert found[0].title == "Cầu Đình Phước khởi công hôm nay"
    assert found[1].title == "Cầu Đình Phước khởi công"
    assert found[0].user_label == "Editor"
    assert revisions.get_revision(conn, item.id, 1).body == "<p>Bản đầu.</p>"


def test_word_diff_marks_inserted_and_deleted_words():
    segments = revisions.word_diff("tỉnh khởi công cầu mới", "tỉnh khánh thành cầu mới")

    assert [(s.op, s.text) for s in segments] == [
        ("equal", "tỉnh"),
        ("delete", "khởi công"),
        ("insert", "khánh thành"),
        ("equal", "cầu mới"),
    ]
    assert [s.before for s in segments] == ["", " ", " ", " "]


def test_diff_keeps_paragraphs_and_lists_field_changes(conn, save, editor):
    item = save(body="<p>Một hai.</p><p>Ba bốn.</p>", byline="An", tags=["cầu"])
    save(
        item.id,
        body="<p>Một hai.</p><p>Ba năm.</p>",
        byline="Bình",
        tags=["cầu"],
        section_key="kinh-te",
    )
    old, new = (revisions.get_revision(conn, item.id, n) for n in (1, 2))

    changes = revisions.diff(old, new)

    assert ("delete", "bốn.") in [(s.op, s.text) for s in changes.body]
    assert ("insert", "năm.") in [(s.op, s.text) for s in changes.body]
    assert any("\n" in s.text for s in changes.body)
    by_name = {c.name: (c.before, c.after) for c in changes.fields}
    assert by_name["byline"] == ("An", "Bình")
    assert by_name["section_key"] == ("tin-tuc", "kinh-te")
    assert "tags" not in by_name
    assert not changes.unchanged


async def test_history_page_lists_revisions(sign_in, save, editor):
    item = save(title="Bản thứ nhất", user=editor)
    save(item.id, title="Bản thứ hai", user=editor)
    staff = await sign_in("editor")

    page = await staff.get(f"/admin/items/{item.id}/history")

    text = await page.text()
    assert page.status == 200, text
    assert text.index("Bản thứ hai") < text.index("Bản thứ nhất")
    assert f'action="/admin/items/{item.id}/history/1/restore"' in text
    assert f'action="/admin/items/{item.id}/history/2/restore"' not in text


async def test_diff_page_shows_words_with_labels(sign_in, save, editor):
    item = save(title="Khởi công cầu", body="<p>Cầu dài 200 mét.</p>")
    save(item.id, title="Khởi công cầu", body="<p>Cầu dài 350 mét.</p>")
    staff = await sign_in("editor")

    page = await staff.get(f"/admin/items/{item.id}/diff?from=1&to=2")

    text = html.unescape(await page.text())
    assert page.status == 200, text
    assert re.search(r"<del><span class=\"visually-hidden\">\[[^<]+</span>200", text)
    assert re.search(r"<ins><span class=\"visually-hidden\">\[[^<]+</span>350", text)


async def test_diff_without_numbers_shows_the_latest_change(sign_in, save, editor):
    item = save(title="Một", body="<p>alpha</p>")
    save(item.id, title="Một", body="<p>beta</p>")
    save(item.id, title="Một", body="<p>gamma</p>")
    staff = await sign_in("editor")

    page = await staff.get(f"/admin/items/{item.id}/diff")

    text = await page.text()
    assert page.status == 200, text
    assert re.search(r"<del>(?:(?!</del>).)*beta", text)
    assert re.search(r"<ins>(?:(?!</ins>).)*gamma", text)
    assert "alpha" not in text


async def test_diff_of_a_missing_revision_is_404(sign_in, save, editor):
    item = save()
    staff = await sign_in("editor")

    missing = await staff.get(f"/admin/items/{item.id}/diff?from=1&to=9")
    malformed = await staff.get(f"/admin/items/{item.id}/diff?from=x&to=1")

    assert missing.status == 404
    assert malformed.status == 400


async def test_restore_saves_old_text_as_a_new_revision(conn, sign_in, save, editor):
    item = save(title="Tiêu đề gốc", body="<p>Văn bản gốc.</p>", byline="An")
    save(item.id, title="Tiêu đề sửa", body="<p>Văn bản sửa.</p>", byline="Bình")
    staff = await sign_in("editor")

    response = await staff.post(
        f"/admin/items/{item.id}/history/1/restore", {"revision": "2"}
    )

    assert response.status == 303, await response.text()
    restored = get_item(conn, item.id)
    assert restored.revision == 3
    assert (restored.title, restored.body, restored.byline) == (
        "Tiêu đề gốc",
        "<p>Văn bản gốc.</p>",
        "An",
    )
    assert [r.revision for r in revisions.list_revisions(conn, item.id)] == [3, 2, 1]
    entry = conn.execute(
        "SELECT user_id, detail FROM audit WHERE action = 'item.restore'"
    ).fetchone()
    assert entry["user_id"] == editor.id
    assert entry["detail"].startswith("revision:1")


async def test_a_stale_restore_is_refused(conn, sign_in, save, editor):
    item = save(title="Bản một")
    save(item.id, title="Bản hai")
    staff = await sign_in("editor")
    save(item.id, title="Bản ba, lưu bởi người khác")

    response = await staff.post(
        f"/admin/items/{item.id}/history/1/restore", {"revision": "2"}
    )

    assert response.status == 409
    assert "Bản ba" in await response.text()
    assert get_item(conn, item.id).title == "Bản ba, lưu bởi người khác"


async def test_no_restore_while_someone_else_edits(
    conn, sign_in, save, add_staff, editor
):
    from newsroom import locks

    other = add_staff("editor", "another")
    item = save(title="Bản một")
    save(item.id, title="Bản hai")
    transaction(conn, locks.acquire, item.id, other)
    staff = await sign_in("editor")

    response = await staff.post(
        f"/admin/items/{item.id}/history/1/restore", {"revision": "2"}
    )

    assert response.status == 409
    assert "Another" in await response.text()
    assert get_item(conn, item.id).title == "Bản hai"


async def test_writers_see_only_their_own_history(sign_in, save, add_staff, editor):
    writer = add_staff("contributor")
    own = save(user=writer)
    other = save(user=editor)
    staff = await sign_in("contributor")

    assert (await staff.get(f"/admin/items/{own.id}/history")).status == 200
    assert (await staff.get(f"/admin/items/{other.id}/history")).status == 403
    refused = await staff.post(
        f"/admin/items/{other.id}/history/1/restore", {"revision": "1"}
    )
    assert refused.status == 403


async def test_restore_needs_the_csrf_token(sign_in, save, editor):
    item = save()
    save(item.id, title="Khác")
    staff = await sign_in("editor")

    response = await staff.client.post(
        f"/admin/items/{item.id}/history/1/restore",
        data={"revision": "2"},
        allow_redirects=False,
    )

    assert response.status == 403


async def test_a_restore_cannot_move_an_item_out_of_the_editors_sections(
    conn, sign_in, save, add_staff, sections
):
    item = save(title="Bản ở Văn hóa", section_key="van-hoa")
    save(item.id, title="Bản ở Kinh tế", section_key="kinh-te")
    add_staff("section-editor", "kinhte", sections=(sections["kinh-te"],))
    staff = await sign_in("kinhte")

    refused = await staff.post(
        f"/admin/items/{item.id}/history/1/restore", {"revision": "2"}
    )

    assert refused.status == 403
    kept = get_item(conn, item.id)
    assert (kept.section_key, kept.revision) == ("kinh-te", 2)
    # Restoring within the section stays open to them.
    save(item.id, title="Bản ba ở Kinh tế", section_key="kinh-te")
    allowed = await staff.post(
        f"/admin/items/{item.id}/history/2/restore", {"revision": "3"}
    )
    assert allowed.status == 303
    assert get_item(conn, item.id).title == "Bản ở Kinh tế"
