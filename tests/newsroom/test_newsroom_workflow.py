"""The editorial workflow over HTTP: review states, reasons, schedules and
the embargo, stale decisions, edit locks, the rules as data, the audit trail."""

from __future__ import annotations

import re
import sqlite3
from functools import partial
from datetime import UTC, datetime, timedelta

import pytest
from newsroom_support import article_form, item_id_from

from appliance import content, importer
from appliance.app import DB, SCHEDULER, create_app
from appliance.content import ItemInput
from appliance.db import transaction
from newsroom import workflow

TITLE = "Khánh thành cầu Vàm Cống mới"


def later(**delta) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_input(moment: datetime) -> str:
    """How a datetime-local field sends a moment: Vietnam time, no offset."""
    return (moment + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")


def make_item(conn, status: str, section_key: str = "tin-tuc", title: str = TITLE) -> int:
    data = ItemInput(kind="article", lang="vi", title=title, section_key=section_key)
    return transaction(conn, partial(content.save_item, status=status), data).id


def status_of(conn, item_id: int) -> str:
    return content.get_item(conn, item_id).status


async def step(staff, item_id: int, name: str, **fields):
    return await staff.post(
        f"/admin/items/{item_id}/transition", {"name": name, **fields}
    )


@pytest.fixture
async def newsroom(sign_in, add_staff, sections):
    """A contributor, an editor, a section editor of Economy (kinh-te) only,
    and the editor-in-chief, each signed in."""
    add_staff("contributor", "writer")
    add_staff("editor", "editor")
    add_staff("section-editor", "economy")
    add_staff("editor-in-chief", "chief")
    return {name: await sign_in(name) for name in ("writer", "editor", "economy", "chief")}


def limit_to_section(conn, username: str, key: str) -> None:
    def assign(c: sqlite3.Connection) -> None:
        c.execute(
            "INSERT INTO user_section (user_id, section_id) SELECT user.id, section.id"
            " FROM user, section WHERE user.username = ? AND section.key = ?",
            (username, key),
        )

    transaction(conn, assign)


async def test_a_story_goes_from_writer_to_the_site_on_its_schedule(
    newsroom, conn, client
):
    writer, editor, chief = newsroom["writer"], newsroom["editor"], newsroom["chief"]
    item_id = item_id_from(
        await writer.post(
            "/admin/items/new", article_form("vi", title=TITLE, then="submit")
        )
    )
    assert status_of(conn, item_id) == "submitted"

    assert (await step(editor, item_id, "take")).status == 303
    revision = content.get_item(conn, item_id).revision
    saved = await editor.post(
        f"/admin/items/{item_id}",
        article_form("vi", title=TITLE, revision=str(revision),
                     body="<p>Bản đã biên tập.</p>", then="send_for_approval"),
    )
    assert saved.status == 303
    assert status_of(conn, item_id) == "awaiting_approval"

    when = later(hours=2)
    approved = await step(chief, item_id, "approve", publish_at=local_input(when))
    assert approved.status == 303
    item = content.get_item(conn, item_id)
    assert item.status == "scheduled"
    assert item.publish_at == stamp(when.replace(second=0))

    # Under embargo: nowhere public.
    address = item.url
    assert (await client.get(address)).status == 404
    found = await (await client.get("/api/v1/search", params={"q": "Vàm Cống"})).json()
    assert found["total"] == 0
    assert TITLE not in await (await client.get("/vi/feed.xml")).text()
    assert address not in await (await client.get("/sitemap.xml")).text()

    # The scheduler's turn, at the minute.
    assert transaction(conn, workflow.run_schedule, when + timedelta(seconds=1)) == [
        item_id
    ]
    # Written from outside the server, as a command-line import would be: the
    # server notices within a second; here it is told at once.
    await client.app[DB].check_outside_writes()
    item = content.get_item(conn, item_id)
    assert item.status == "published"
    assert item.published_at == stamp(when.replace(second=0))
    page = await client.get(address)
    assert page.status == 200
    assert "Bản đã biên tập." in await page.text()
    found = await (await client.get("/api/v1/search", params={"q": "Vam Cong"})).json()
    assert [hit["title"] for hit in found["items"]] == [TITLE]
    assert TITLE in await (await client.get("/vi/feed.xml")).text()


async def test_returning_needs_a_reason_and_gives_the_text_back(newsroom, conn):
    writer, editor = newsroom["writer"], newsroom["editor"]
    item_id = item_id_from(
        await writer.post("/admin/items/new", article_form("vi", then="submit"))
    )
    refused = await step(editor, item_id, "return", reason="   ")
    assert refused.status == 400
    assert status_of(conn, item_id) == "submitted"

    assert (await step(editor, item_id, "return", reason="Thiếu nguồn tin.")).status == 303
    assert status_of(conn, item_id) == "returned"
    notes = conn.execute(
        "SELECT kind, body FROM item_note WHERE item_id = ?", (item_id,)
    ).fetchall()
    assert [tuple(row) for row in notes] == [("return", "Thiếu nguồn tin.")]

    # The writer has it again, fixes it and submits anew.
    revision = content.get_item(conn, item_id).revision
    again = await writer.post(
        f"/admin/items/{item_id}",
        article_form("vi", title="Đã bổ sung nguồn", revision=str(revision),
                     then="submit"),
    )
    assert again.status == 303
    assert status_of(conn, item_id) == "submitted"


async def test_a_step_from_the_wrong_state_or_a_stale_page_is_refused(newsroom, conn):
    writer, chief = newsroom["writer"], newsroom["chief"]
    item_id = item_id_from(
        await writer.post("/admin/items/new", article_form("vi", then="submit"))
    )
    wrong = await step(chief, item_id, "approve")
    assert wrong.status == 409
    stale_revision = content.get_item(conn, item_id).revision
    assert (await step(chief, item_id, "take")).status == 303
    stale = await step(chief, item_id, "return", reason="Không cần",
                       revision=str(stale_revision))
    assert stale.status == 409
    assert status_of(conn, item_id) == "editing"


async def test_a_section_editor_approves_only_in_their_section(newsroom, conn):
    limit_to_section(conn, "economy", "kinh-te")
    economy = newsroom["economy"]
    ids = {}
    for key in ("kinh-te", "van-hoa"):
        ids[key] = make_item(conn, "awaiting_approval", key, f"Bài {key}")
    assert (await step(economy, ids["van-hoa"], "approve")).status == 403
    assert status_of(conn, ids["van-hoa"]) == "awaiting_approval"
    assert (await step(economy, ids["kinh-te"], "approve")).status == 303
    assert status_of(conn, ids["kinh-te"]) == "approved"
    # Nor may they edit outside it.
    page = await economy.get(f"/admin/items/{ids['van-hoa']}")
    assert 'fieldset class="plain" disabled' in await page.text()


async def test_a_schedule_in_the_past_is_refused(newsroom, conn):
    chief = newsroom["chief"]
    item_id = make_item(conn, "approved")
    response = await step(chief, item_id, "schedule",
                          publish_at=local_input(later(hours=-1)))
    assert response.status == 400
    assert status_of(conn, item_id) == "approved"


async def test_a_scheduled_take_down_happens_on_time(newsroom, conn, client):
    chief = newsroom["chief"]
    item_id = make_item(conn, "published")
    until = later(days=1)
    response = await chief.post(f"/admin/items/{item_id}/takedown",
                                {"unpublish_at": local_input(until)})
    assert response.status == 303
    assert transaction(conn, workflow.run_schedule, until - timedelta(minutes=5)) == []
    assert status_of(conn, item_id) == "published"
    assert transaction(conn, workflow.run_schedule, until + timedelta(minutes=1)) == [
        item_id
    ]
    assert status_of(conn, item_id) == "unpublished"


async def test_the_scheduler_catches_up_after_a_downtime(
    config, conn, sections, aiohttp_client
):
    """Work that fell due while the appliance was stopped is done as soon as
    it starts, and publishing notes who is responsible: the scheduler."""
    item_id = make_item(conn, "approved")
    transaction(conn, partial(content.set_status, publish_at=stamp(later(hours=-3))),
                item_id, "scheduled")
    app = create_app(config)
    client = await aiohttp_client(app)
    # The first run starts with the app; its end is recorded.
    for _attempt in range(200):
        if "publish" in app[SCHEDULER].last_run:
            break
        await client.get("/healthz")
    assert status_of(conn, item_id) == "published"
    assert (await client.get(content.get_item(conn, item_id).url)).status == 200


def test_an_import_dated_in_the_future_waits_for_its_time(conn, sections, tmp_path):
    source = tmp_path / "future.jsonl"
    future = stamp(later(days=2))
    source.write_text(
        '{"kind": "article", "lang": "vi", "title": "Tin tương lai", '
        f'"section": "tin-tuc", "body": "x", "published_at": "{future}", '
        '"external_id": "f-1"}\n',
        encoding="utf-8",
    )
    importer.import_files(conn, [source])
    item = conn.execute("SELECT status, publish_at FROM item").fetchone()
    assert tuple(item) == ("scheduled", future)


async def test_the_rules_are_data_an_administrator_changes(newsroom, sign_in, conn):
    admin = await sign_in()
    writer = newsroom["writer"]
    page = await (await admin.get("/admin/workflow")).text()
    assert 'value="submit:contributor" id="r-submit-contributor"' in page
    granted = workflow.rules(conn)
    keep = [
        f"{name}:{role}"
        for name, roles in granted.items()
        for role in roles
        if (name, role) != ("submit", "contributor")
    ]
    assert (await admin.post("/admin/workflow", {"allow": keep})).status == 303
    assert "contributor" not in workflow.rules(conn)["submit"]
    assert conn.execute(
        "SELECT count(*) FROM audit WHERE action = 'workflow.revoke'"
        " AND target = 'transition:submit' AND detail = 'contributor'"
    ).fetchone()[0] == 1

    item_id = item_id_from(await writer.post("/admin/items/new", article_form("vi")))
    assert (await step(writer, item_id, "submit")).status == 403
    assert status_of(conn, item_id) == "draft"
    # Only administrators see or change the rules.
    assert (await writer.get("/admin/workflow")).status == 403
    assert (await newsroom["chief"].post("/admin/workflow", {"allow": keep})).status == 403


# -- edit locks ---------------------------------------------------------------------


@pytest.fixture
def story(conn, sections) -> int:
    return make_item(conn, "editing")


async def test_the_second_editor_sees_the_lock_and_cannot_save(newsroom, conn, story):
    editor, chief = newsroom["editor"], newsroom["chief"]
    first = await (await editor.get(f"/admin/items/{story}")).text()
    assert 'data-lock="/admin/items/' in first
    second = await chief.get(f"/admin/items/{story}")
    text = await second.text()
    assert 'id="lock-banner"' in text
    assert "editor" in text
    assert 'fieldset class="plain" disabled' in text

    revision = content.get_item(conn, story).revision
    refused = await chief.post(
        f"/admin/items/{story}",
        article_form("vi", title="Bản của tổng biên tập", revision=str(revision),
                     body="<p>Đoạn văn không được mất.</p>"),
    )
    assert refused.status == 409
    kept = await refused.text()
    assert "Đoạn văn không được mất." in kept
    assert "Bản của tổng biên tập" in kept
    assert content.get_item(conn, story).title == TITLE


async def test_taking_over_a_lock_is_recorded_and_the_holder_learns_of_it(
    newsroom, conn, story
):
    editor, chief = newsroom["editor"], newsroom["chief"]
    await editor.get(f"/admin/items/{story}")
    beat = await editor.post(f"/admin/items/{story}/lock")
    assert (await beat.json())["mine"] is True

    assert (await chief.post(f"/admin/items/{story}/lock/takeover")).status == 303
    assert conn.execute(
        "SELECT count(*) FROM audit WHERE action = 'item.lock.takeover'"
        " AND target = ?", (f"item:{story}",)
    ).fetchone()[0] == 1
    assert conn.execute(
        "SELECT kind FROM item_note WHERE item_id = ?", (story,)
    ).fetchone()[0] == "takeover"

    beat = await (await editor.post(f"/admin/items/{story}/lock")).json()
    assert beat["mine"] is False
    assert beat["holder"] == "chief"
    revision = content.get_item(conn, story).revision
    stale = await editor.post(
        f"/admin/items/{story}",
        article_form("vi", title="Sửa muộn", revision=str(revision),
                     body="<p>Chữ của biên tập viên.</p>"),
    )
    assert stale.status == 409
    assert "Chữ của biên tập viên." in await stale.text()


async def test_a_writer_cannot_take_over_a_lock(newsroom, conn, sections):
    writer, editor = newsroom["writer"], newsroom["editor"]
    item_id = item_id_from(await writer.post("/admin/items/new", article_form("vi")))
    await writer.get(f"/admin/items/{item_id}")
    # Editors hold the right to take over in their sections; writers never.
    assert (await writer.post(f"/admin/items/{item_id}/lock/takeover")).status == 403
    assert (await editor.post(f"/admin/items/{item_id}/lock/takeover")).status == 303


async def test_only_those_who_may_edit_an_item_take_over_its_editing(
    newsroom, conn, sections
):
    editor, chief = newsroom["editor"], newsroom["chief"]
    live = make_item(conn, "published")  # editors without publish may not edit it
    page = await (await chief.get(f"/admin/items/{live}")).text()
    assert 'data-lock="/admin/items/' in page
    banner = await (await editor.get(f"/admin/items/{live}")).text()
    assert f"/admin/items/{live}/lock/takeover" not in banner
    assert (await editor.post(f"/admin/items/{live}/lock/takeover")).status == 403
    holder = conn.execute("SELECT user.username FROM item_lock JOIN user"
                          " ON user.id = item_lock.user_id WHERE item_id = ?",
                          (live,)).fetchone()[0]
    assert holder == "chief"
    assert conn.execute("SELECT count(*) FROM audit WHERE action = 'item.lock.takeover'"
                        ).fetchone()[0] == 0


async def test_a_stale_save_is_refused_with_the_text_kept(newsroom, conn, story):
    editor = newsroom["editor"]
    await editor.get(f"/admin/items/{story}")
    old_revision = content.get_item(conn, story).revision
    transaction(conn, content.set_status, story, "editing")  # someone saved since
    response = await editor.post(
        f"/admin/items/{story}",
        article_form("vi", title="Tiêu đề mới", revision=str(old_revision),
                     body="<p>Văn bản chưa lưu.</p>"),
    )
    assert response.status == 409
    page = await response.text()
    assert "Văn bản chưa lưu." in page
    assert content.get_item(conn, story).title == TITLE


# -- the audit trail -------------------------------------------------------------------


async def test_the_audit_trail_records_the_address_and_cannot_be_rewritten(
    newsroom, conn, story
):
    await step(newsroom["editor"], story, "send_for_approval")
    row = conn.execute(
        "SELECT id, address FROM audit WHERE action = 'item.awaiting_approval'"
    ).fetchone()
    assert row["address"] == "127.0.0.1"
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET action = 'x' WHERE id = ?", (row["id"],))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit")


def test_overdue_work_is_reported(conn, sections):
    item_id = make_item(conn, "approved")
    transaction(conn, partial(content.set_status, publish_at=stamp(later(minutes=-10))),
                item_id, "scheduled")
    assert [item.id for item in workflow.overdue(conn)] == [item_id]
    assert workflow.overdue(conn, grace_seconds=3600) == []


# -- what the first trial installation found ---------------------------------------


def _lease_in(page: str) -> str:
    match = re.search(r'data-lease="([^"]+)"', page)
    assert match, "the edit page holds no lease"
    return match.group(1)


async def test_leaving_a_page_gives_back_only_that_pages_lock(newsroom, conn, story):
    editor, chief = newsroom["editor"], newsroom["chief"]
    first = _lease_in(await (await editor.get(f"/admin/items/{story}")).text())
    # A reload (or the page after a save) opens while the first page is left:
    # the first page's goodbye arrives last and must not free the item.
    second = _lease_in(await (await editor.get(f"/admin/items/{story}")).text())
    assert second != first
    gone = await editor.post(f"/admin/items/{story}/lock/release", {"lease": first})
    assert gone.status == 204
    assert 'id="lock-banner"' in await (await chief.get(f"/admin/items/{story}")).text()

    await editor.post(f"/admin/items/{story}/lock/release", {"lease": second})
    page = await (await chief.get(f"/admin/items/{story}")).text()
    assert 'id="lock-banner"' not in page


async def test_a_save_refused_because_the_item_moved_keeps_the_text(
        newsroom, conn, sections):
    economy = newsroom["economy"]
    limit_to_section(conn, "economy", "kinh-te")
    item_id = make_item(conn, "editing", section_key="kinh-te")
    await economy.get(f"/admin/items/{item_id}")
    revision = content.get_item(conn, item_id).revision
    # The chief moves the story to another section meanwhile.
    transaction(conn, partial(content.save_item, item_id=item_id),
                ItemInput(kind="article", lang="vi", title=TITLE, section_key="tin-tuc"))
    refused = await economy.post(
        f"/admin/items/{item_id}",
        article_form("vi", section="kinh-te", revision=str(revision),
                     body="<p>Đoạn văn đang viết dở.</p>"))
    assert refused.status == 403
    page = await refused.text()
    assert "Đoạn văn đang viết dở." in page
    assert 'fieldset class="plain" disabled' not in page
    assert content.get_item(conn, item_id).section_key == "tin-tuc"


async def test_refused_rules_come_back_as_ticked(newsroom, sign_in, conn):
    admin = await sign_in()
    before = workflow.rules(conn)
    # Nobody left to publish: refused, and the grid shows what was ticked.
    ticked = ["submit:contributor", "take:editor"]
    response = await admin.post("/admin/workflow", {"allow": ticked})
    assert response.status == 400
    page = await response.text()
    assert 'id="error-summary"' in page
    assert re.search(r'value="take:editor" id="r-take-editor"\s+aria-label="[^"]*" checked',
                     page)
    assert not re.search(r'value="approve:admin" id="r-approve-admin"\s+aria-label="[^"]*"'
                         r' checked', page)
    assert workflow.rules(conn) == before


async def test_editors_limited_to_sections_do_not_shape_the_whole_site(
        newsroom, conn, add_staff, sign_in, sections):
    add_staff("editor", "limited", sections=(sections["kinh-te"],))
    limited = await sign_in("limited")
    menus = await limited.post("/admin/menus", {"lang": "vi", "menu": "main",
                                                "label": "Kinh tế", "url": "/vi/kinh-te/"})
    assert menus.status == 403
    assert (await newsroom["editor"].get("/admin/menus")).status == 200
