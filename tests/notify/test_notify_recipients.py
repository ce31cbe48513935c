"""Who is told about what: the workflow's events reach the right staff, in
their sections, never the actor, never a disabled account."""

from __future__ import annotations

import pytest
from notify_support import make_item

from appliance.db import transaction
from appliance.users import disable_user, find_user, get_user
from newsroom import notify, workflow


def notified(conn, event: str | None = None) -> dict[str, list[str]]:
    """Usernames notified, by event (or for one event)."""
    rows = conn.execute(
        "SELECT notification.event, user.username FROM notification"
        " JOIN user ON user.id = notification.user_id ORDER BY user.username").fetchall()
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["event"], []).append(row["username"])
    return found.get(event, []) if event else found


@pytest.fixture
def staff(conn, sections, add_staff):
    """A newsroom: a writer, editors of every section and of one, a chief."""
    add_staff("contributor", "writer")
    add_staff("editor", "editor.all")
    add_staff("editor", "editor.economy", sections=(sections["kinh-te"],))
    add_staff("section-editor", "lead.news", sections=(sections["tin-tuc"],))
    add_staff("section-editor", "lead.economy", sections=(sections["kinh-te"],))
    add_staff("editor-in-chief", "chief")
    add_staff("editor", "editor.gone")
    transaction(conn, disable_user, "editor.gone")
    return {name: find_user(conn, name) for name in (
        "writer", "editor.all", "editor.economy", "lead.news", "lead.economy", "chief",
        "admin")}


def step(conn, item_id: int, name: str, user, **kwargs):
    return transaction(conn, lambda c: workflow.transition(c, item_id, name, user,
                                                           **kwargs))


async def test_each_step_reaches_the_people_it_concerns(conn, staff):
    writer, editor, chief = staff["writer"], staff["editor.all"], staff["chief"]
    item = transaction(conn, make_item, writer.id, "tin-tuc")

    step(conn, item.id, "submit", writer)
    # Everyone who may take it in "tin-tuc"; not the economy editor, not the
    # disabled account, not the writer who did it.
    assert notified(conn, "submitted") == ["admin", "chief", "editor.all", "lead.news"]

    step(conn, item.id, "take", editor)
    step(conn, item.id, "send_for_approval", editor)
    assert notified(conn, "awaiting_approval") == ["admin", "chief", "lead.news"]

    step(conn, item.id, "approve", chief)
    # The writer and the editor who vouched for it; the chief did it.
    assert notified(conn, "approved") == ["editor.all", "writer"]

    step(conn, item.id, "schedule", chief, publish_at="2099-01-01T08:00")
    assert notified(conn, "scheduled") == ["editor.all", "writer"]
    conn.execute("UPDATE item SET publish_at = '2000-01-01T00:00:00Z' WHERE id = ?",
                 (item.id,))
    assert transaction(conn, workflow.run_schedule) == [item.id]
    assert notified(conn, "published") == ["editor.all", "writer"]
    by_scheduler = conn.execute(
        "SELECT actor_id FROM notification WHERE event = 'published'").fetchall()
    assert [row[0] for row in by_scheduler] == [None, None]


async def test_a_return_tells_the_writer_why(conn, staff):
    writer, lead = staff["writer"], staff["lead.news"]
    item = transaction(conn, make_item, writer.id, "tin-tuc")
    step(conn, item.id, "submit", writer)
    step(conn, item.id, "return", lead, reason="Thiếu nguồn ảnh.")
    rows = conn.execute("SELECT user_id, actor_id, detail FROM notification"
                        " WHERE event = 'returned'").fetchall()
    assert [tuple(row) for row in rows] == [(writer.id, lead.id, "Thiếu nguồn ảnh.")]


async def test_section_limits_decide_who_hears(conn, staff):
    writer = staff["writer"]
    item = transaction(conn, make_item, writer.id, "kinh-te")
    step(conn, item.id, "submit", writer)
    assert notified(conn, "submitted") == [
        "admin", "chief", "editor.all", "editor.economy", "lead.economy"]


async def test_the_actor_is_never_told_about_their_own_step(conn, staff):
    editor = staff["editor.all"]
    item = transaction(conn, make_item, editor.id, "tin-tuc")
    step(conn, item.id, "submit", editor)
    assert "editor.all" not in notified(conn, "submitted")
    assert notified(conn, "submitted") == ["admin", "chief", "lead.news"]


async def test_quiet_steps_tell_nobody(conn, staff):
    writer, editor = staff["writer"], staff["editor.all"]
    item = transaction(conn, make_item, writer.id, "tin-tuc")
    step(conn, item.id, "submit", writer)
    before = notified(conn)
    step(conn, item.id, "take", editor)
    assert notified(conn) == before


async def test_a_take_over_tells_the_previous_holder(conn, staff):
    writer, editor, chief = staff["writer"], staff["editor.all"], staff["chief"]
    item = transaction(conn, make_item, writer.id)
    assert transaction(conn, notify.on_takeover, item, editor.id, chief) == [editor.id]
    assert notified(conn) == {"takeover": ["editor.all"]}
    # Taking over one's own lock (another tab) is no news.
    assert transaction(conn, notify.on_takeover, item, chief.id, chief) == []


async def test_a_disabled_author_gets_nothing(conn, staff):
    writer, lead = staff["writer"], staff["lead.news"]
    item = transaction(conn, make_item, writer.id, "tin-tuc")
    step(conn, item.id, "submit", writer)
    transaction(conn, disable_user, "writer")
    step(conn, item.id, "return", get_user(conn, lead.id), reason="Viết lại phần mở đầu.")
    assert notified(conn, "returned") == []
