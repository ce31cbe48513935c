"""The newsroom's pages for notes, notifications and the dashboard, over
real HTTP: what each shows, who may act, and refusals that say why."""

from __future__ import annotations

import re

import pytest
from notify_support import make_item
from staff_support import sign_in_as

from appliance.app import SCHEDULER, create_app
from appliance.db import transaction
from appliance.users import find_user
from newsroom import notes, notify, workflow


def step(conn, item_id: int, name: str, username: str, **kwargs):
    return transaction(conn, lambda c: workflow.transition(
        c, item_id, name, find_user(c, username), **kwargs))


# -- notes --------------------------------------------------------------------


async def test_a_note_is_added_audited_and_listed(conn, sections, add_staff, sign_in):
    writer = add_staff("contributor", "writer")
    add_staff("editor", "editor")
    conn.execute("UPDATE user SET display_name = 'Lê Thu' WHERE username = 'editor'")
    item = transaction(conn, make_item, writer.id)
    admin = await sign_in("editor")

    response = await admin.post(f"/admin/items/{item.id}/notes",
                                {"body": "  Kiểm tra lại số liệu\r\nở đoạn hai.  "})
    assert response.status == 303
    assert re.fullmatch(rf"/admin/items/{item.id}#note-\d+", response.headers["Location"])

    [note] = notes.notes_for(conn, item.id)
    assert note.body == "Kiểm tra lại số liệu\nở đoạn hai."
    assert note.author == "Lê Thu" and note.kind == "note"
    action = conn.execute("SELECT action, target FROM audit ORDER BY id DESC").fetchone()
    assert tuple(action) == ("item.note", f"item:{item.id}")


async def test_the_item_page_lists_notes_and_return_reasons(conn, sections, add_staff,
                                                            sign_in):
    writer = add_staff("contributor", "writer")
    add_staff("editor", "editor")
    item = transaction(conn, make_item, writer.id)
    step(conn, item.id, "submit", "writer")
    step(conn, item.id, "return", "editor", reason="Thiếu ảnh minh họa.")
    mine = await sign_in("writer")
    assert (await mine.post(f"/admin/items/{item.id}/notes",
                            {"body": "Đã bổ sung ảnh."})).status == 303

    page = await mine.text(f"/admin/items/{item.id}")
    assert 'id="notes"' in page
    assert page.index("Thiếu ảnh minh họa.") < page.index("Đã bổ sung ảnh.")


@pytest.mark.parametrize("body, status", [
    ("", 400),
    ("   \n ", 400),
    ("x" * (notes.MAX_NOTE_LENGTH + 1), 400),
])
async def test_an_empty_or_long_note_is_refused(conn, sections, add_staff, sign_in,
                                                body, status):
    item = transaction(conn, make_item, add_staff("contributor", "writer").id)
    add_staff("editor", "editor")
    admin = await sign_in("editor")
    response = await admin.post(f"/admin/items/{item.id}/notes", {"body": body})
    assert response.status == status
    assert "<h1" in await response.text()
    assert notes.notes_for(conn, item.id) == []


async def test_a_note_without_the_csrf_token_is_refused(conn, sections, add_staff,
                                                        sign_in):
    item = transaction(conn, make_item, add_staff("contributor", "writer").id)
    add_staff("editor", "editor")
    admin = await sign_in("editor")
    response = await admin.post(f"/admin/items/{item.id}/notes",
                                {"body": "Ghi chú"}, csrf=False)
    assert response.status == 403
    assert notes.notes_for(conn, item.id) == []


async def test_writers_may_not_note_on_others_items(conn, sections, add_staff, sign_in):
    item = transaction(conn, make_item, add_staff("contributor", "writer").id)
    add_staff("reporter", "other")
    other = await sign_in("other")
    response = await other.post(f"/admin/items/{item.id}/notes", {"body": "Xin chào"})
    assert response.status == 403
    assert notes.notes_for(conn, item.id) == []
    missing = await other.post("/admin/items/999999/notes", {"body": "Xin chào"})
    assert missing.status == 404


# -- notifications ------------------------------------------------------------


def unread_in(page: str) -> int | None:
    match = re.search(r'href="/admin/notifications"[^>]*>(.*?)</a>', page, re.S)
    assert match, "the nav has no notifications link"
    count = re.search(r"\((\d+) unread\)", match.group(1))
    return int(count.group(1)) if count else None


async def test_the_notifications_page_marks_read_one_and_all(conn, sections, add_staff,
                                                             sign_in):
    writer = add_staff("contributor", "writer")
    add_staff("editor", "editor")
    first = transaction(conn, make_item, writer.id, "tin-tuc", "Tin thứ nhất")
    second = transaction(conn, make_item, writer.id, "tin-tuc", "Tin thứ hai")
    step(conn, first.id, "submit", "writer")
    step(conn, second.id, "submit", "writer")
    editor = await sign_in("editor")
    await editor.post("/admin/language", {"lang": "en", "next": "/admin/"})

    page = await editor.text("/admin/notifications")
    assert unread_in(page) == 2
    assert page.index("Tin thứ hai") < page.index("Tin thứ nhất")  # newest first
    assert f'<a href="/admin/items/{first.id}">' in page
    assert page.count('class="notification unread"') == 2
    assert "writer submitted “Tin thứ nhất”" in page

    [latest, _older] = re.findall(r'action="/admin/notifications/(\d+)/read"', page)
    response = await editor.post(f"/admin/notifications/{latest}/read")
    assert response.status == 303
    page = await editor.text("/admin/notifications")
    assert unread_in(page) == 1 and page.count('class="notification unread"') == 1

    assert (await editor.post("/admin/notifications/read")).status == 303
    page = await editor.text("/admin/notifications")
    assert unread_in(page) is None and "unread" not in page.split("<main", 1)[1]
    assert notify.unread_count(conn, find_user(conn, "editor").id) == 0


async def test_nobody_marks_anothers_notifications(conn, sections, add_staff, sign_in):
    writer = add_staff("contributor", "writer")
    add_staff("editor", "editor")
    item = transaction(conn, make_item, writer.id)
    step(conn, item.id, "submit", "writer")
    theirs = conn.execute("SELECT id FROM notification WHERE user_id ="
                          " (SELECT id FROM user WHERE username = 'editor')").fetchone()[0]
    other = await sign_in("writer")
    assert (await other.post(f"/admin/notifications/{theirs}/read")).status == 404
    refused = await other.post("/admin/notifications/read", csrf=False)
    assert refused.status == 403
    assert conn.execute("SELECT read_at FROM notification WHERE id = ?",
                        (theirs,)).fetchone()[0] is None


async def test_the_return_reason_reaches_the_writer_in_their_language(
    conn, sections, add_staff, sign_in
):
    writer = add_staff("contributor", "writer")
    add_staff("editor", "editor")
    item = transaction(conn, make_item, writer.id)
    step(conn, item.id, "submit", "writer")
    step(conn, item.id, "return", "editor", reason="Cần trích dẫn văn bản gốc.")
    mine = await sign_in("writer")
    await mine.post("/admin/language", {"lang": "en", "next": "/admin/"})
    page = await mine.text("/admin/notifications")
    assert "editor returned “Khánh thành cầu Vàm Cống” to you." in page
    assert "Cần trích dẫn văn bản gốc." in page


# -- the dashboard ------------------------------------------------------------


def panel(page: str, panel_id: str) -> str:
    start = page.index(f'id="{panel_id}"')
    return page[start:page.index("</section>", start)]


async def test_the_dashboard_shows_each_list(conn, sections, add_staff, sign_in):
    writer = add_staff("reporter", "writer")
    add_staff("editor", "editor")
    add_staff("section-editor", "lead.economy", sections=(sections["kinh-te"],))
    draft = transaction(conn, make_item, writer.id, "tin-tuc", "Bản nháp của tôi")
    waiting = transaction(conn, make_item, writer.id, "tin-tuc", "Chờ biên tập")
    step(conn, waiting.id, "submit", "writer")
    elsewhere = transaction(conn, make_item, writer.id, "tin-tuc", "Chờ duyệt tin")
    econ = transaction(conn, make_item, writer.id, "kinh-te", "Chờ duyệt kinh tế")
    for item in (elsewhere, econ):
        step(conn, item.id, "submit", "writer")
        step(conn, item.id, "take", "editor")
        step(conn, item.id, "send_for_approval", "editor")
    later = transaction(conn, make_item, writer.id, "kinh-te", "Hẹn giờ đăng")
    soon = transaction(conn, make_item, writer.id, "kinh-te", "Đăng sớm hơn")
    for item, when in ((later, "2099-06-01T08:00"), (soon, "2099-05-01T08:00")):
        step(conn, item.id, "submit", "writer")
        step(conn, item.id, "take", "editor")
        step(conn, item.id, "send_for_approval", "editor")
        step(conn, item.id, "approve", "lead.economy")
        step(conn, item.id, "schedule", "lead.economy", publish_at=when)
    public = transaction(conn, make_item, writer.id, "tin-tuc", "Đã đăng hôm qua", "published")

    page = await (await sign_in("writer")).text("/admin/")
    assert "Bản nháp của tôi" in panel(page, "my-drafts")
    assert "Chờ biên tập" not in panel(page, "my-drafts")
    assert "Chờ" not in panel(page, "waiting")  # a reporter takes no review step
    assert 'role="alert"' not in page

    page = await (await sign_in("editor")).text("/admin/")
    mine = panel(page, "waiting")
    assert "Chờ biên tập" in mine and "Chờ duyệt tin" not in mine  # editors do not approve

    page = await (await sign_in("lead.economy")).text("/admin/")
    mine = panel(page, "waiting")
    assert "Chờ duyệt kinh tế" in mine
    assert "Chờ duyệt tin" not in mine and "Chờ biên tập" not in mine  # other section
    upcoming = panel(page, "scheduled")
    assert upcoming.index("Đăng sớm hơn") < upcoming.index("Hẹn giờ đăng")
    assert public.title in panel(page, "published")
    assert draft.title not in panel(page, "published")


async def test_overdue_schedules_raise_the_alarm(aiohttp_client, config, conn, sections,
                                                add_staff):
    # The alarm is for a scheduler that stopped working: this app has none.
    app = create_app(config)
    app[SCHEDULER].jobs.clear()
    client = await aiohttp_client(app)
    writer = add_staff("reporter", "writer")
    late = transaction(conn, make_item, writer.id, "tin-tuc", "Lẽ ra đã đăng", "scheduled")
    stuck = transaction(conn, make_item, writer.id, "tin-tuc", "Lẽ ra đã gỡ", "published")
    on_time = transaction(conn, make_item, writer.id, "tin-tuc", "Vừa đến giờ", "scheduled")
    conn.execute("UPDATE item SET publish_at = '2020-01-01T00:00:00Z' WHERE id = ?",
                 (late.id,))
    conn.execute("UPDATE item SET unpublish_at = '2020-01-01T00:00:00Z' WHERE id = ?",
                 (stuck.id,))
    conn.execute("UPDATE item SET publish_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
                 " WHERE id = ?", (on_time.id,))

    page = await (await sign_in_as(client, "writer")).text("/admin/")
    alarm = page[page.index('role="alert"'):]
    alarm = alarm[:alarm.index("</section>")]
    assert "Lẽ ra đã đăng" in alarm and "Lẽ ra đã gỡ" in alarm
    assert "Vừa đến giờ" not in alarm  # within the scheduler's grace
    assert page.index('role="alert"') < page.index('id="my-drafts"')
