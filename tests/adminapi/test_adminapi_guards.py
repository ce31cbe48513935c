"""The workflow cannot be got round: live stories, section limits, future
dates, locks during steps, lapsed schedules, out-of-range dates and damaged
images, each refused with a reason and nothing stored changed."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from adminapi_support import article, problem_of
from aiohttp import FormData
from PIL import Image

from appliance import content
from appliance.db import transaction
from newsroom import workflow


async def _published(conn, chief, **fields) -> dict:
    made = await chief.post("/items", article(then="publish_now", **fields))
    assert made.status == 201, await made.text()
    return await made.json()


async def test_an_editor_who_may_not_publish_cannot_change_a_live_story(
        conn, client, sections, add_staff, caller):
    chief = caller(add_staff("editor-in-chief", "chief"), "en")
    editor = caller(add_staff("editor", "tam"))
    live = await _published(conn, chief)
    path = f"/items/{live['id']}"

    defaced = await editor.patch(path, {"revision": live["revision"],
                                        "title": "Defaced"})
    assert (await problem_of(defaced, 403))["action"] == "item.edit"
    later = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    redated = await editor.patch(path, {"revision": live["revision"],
                                        "published_at": later})
    await problem_of(redated, 403)

    # Even one who may publish cannot make a live story vanish by its date.
    vanish = await chief.patch(path, {"revision": live["revision"],
                                      "published_at": later})
    assert "unpublish" in (await problem_of(vanish, 400))["detail"]
    stored = content.get_item(conn, live["id"])
    assert (stored.status, stored.title) == ("published", live["title"])
    assert (await client.get(stored.url)).status == 200


async def test_section_limits_hold_on_create_and_on_moving(
        conn, client, sections, add_staff, caller):
    economy = caller(add_staff("section-editor", "kt", sections=(sections["kinh-te"],)))
    elsewhere = await economy.post("/items", article(section="van-hoa"))
    assert (await problem_of(elsewhere, 403))["action"] == "item.section"
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == 0

    made = await economy.post("/items", article(section="kinh-te"))
    item = await made.json()
    moved = await economy.patch(f"/items/{item['id']}",
                                {"revision": item["revision"], "section": "van-hoa"})
    await problem_of(moved, 403)
    assert content.get_item(conn, item["id"]).section_key == "kinh-te"

    # Notes too: in its own section, not in another's.
    assert (await economy.post(f"/items/{item['id']}/notes", {"body": "Xem lại số liệu"})
            ).status == 201
    culture = caller(add_staff("editor", "vh", sections=(sections["van-hoa"],)))
    refused = await culture.post(f"/items/{item['id']}/notes", {"body": "Ghi chú lạc"})
    assert (await problem_of(refused, 403))["action"] == "item.note"
    assert (await culture.get(f"/items/{item['id']}/notes")).status == 200  # still seen


async def test_a_future_publication_time_is_never_published_at_once(
        conn, client, sections, add_staff, caller):
    chief = caller(add_staff("editor-in-chief", "chief"), "en")
    later = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    refused = await chief.post("/items", article(published_at=later,
                                                 then="publish_now"))
    assert "in the future" in (await problem_of(refused, 409))["detail"]
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == 0
    search = await (await client.get("/api/v1/search?q=Đình+Phước")).json()
    assert search["total"] == 0


async def test_a_step_under_someone_elses_lock(conn, client, sections, add_staff,
                                               caller):
    writer = caller(add_staff("contributor", "lan"))
    editor = caller(add_staff("editor", "tam"))
    draft = await (await writer.post("/items", article())).json()
    path = f"/items/{draft['id']}"
    assert (await editor.post(path + "/lock")).status == 200

    # The writer may not end the editor's work...
    step = await writer.post(path + "/transitions", {"name": "submit"})
    problem = await problem_of(step, 409)
    assert problem["lock"]["holder"] == "tam"
    assert content.get_item(conn, draft["id"]).status == "draft"

    # ...an editor who may take over does, and it is recorded and told.
    chief = caller(add_staff("editor-in-chief", "chief"))
    done = await chief.post(path + "/transitions", {"name": "send_for_approval"})
    assert done.status == 200, await done.text()
    assert content.get_item(conn, draft["id"]).status == "awaiting_approval"
    assert conn.execute("SELECT count(*) FROM audit WHERE action ="
                        " 'item.lock.takeover'").fetchone()[0] == 1
    told = conn.execute("SELECT count(*) FROM notification WHERE event = 'takeover'"
                        ).fetchone()[0]
    assert told == 1


async def test_a_reopened_story_keeps_its_address(conn, client, sections, add_staff,
                                                  caller):
    chief = caller(add_staff("editor-in-chief", "chief"))
    live = await _published(conn, chief)
    path = f"/items/{live['id']}"
    address = content.get_item(conn, live["id"]).url
    for step in ("unpublish", "reopen"):
        assert (await chief.post(path + "/transitions", {"name": step})).status == 200
    current = content.get_item(conn, live["id"])
    assert current.status == "draft"
    renamed = await chief.patch(path, {"revision": current.revision,
                                       "title": "Một tiêu đề hoàn toàn khác"})
    assert renamed.status == 200
    assert content.get_item(conn, live["id"]).url == address


async def test_dates_the_calendar_cannot_hold_are_refused(client, sections, add_staff,
                                                          caller):
    chief = caller(add_staff("editor-in-chief", "chief"), "en")
    for moment in ("0001-01-01T03:00", "9999-12-31T23:59:59-14:00",
                   "0001-01-01T00:00:00+14:00", "1850-01-01"):
        response = await chief.post("/items", article(published_at=moment))
        problem = await problem_of(response, 400)
        assert "1900" in str(problem), moment


def _damaged_jpeg() -> bytes:
    noise = Image.effect_noise((600, 600), 90).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=90)
    return out.getvalue()[:2000]


async def test_a_jpeg_cut_short_is_refused_not_a_fault(client, add_staff, caller):
    chief = caller(add_staff("editor-in-chief", "chief"), "en")

    form = FormData()
    form.add_field("alt", "Ảnh hỏng")
    form.add_field("file", _damaged_jpeg(), filename="cut.jpg",
                   content_type="image/jpeg")
    response = await chief.client.post("/api/v1/admin/media", data=form,
                                       headers=chief.headers())
    problem = await problem_of(response, 400)
    assert "JPEG" in problem["detail"]


async def test_both_times_passed_while_stopped_publishes_nothing(
        conn, client, sections, add_staff, caller):
    chief = caller(add_staff("editor-in-chief", "chief"))
    draft = await (await chief.post("/items", article(then="send_for_approval"))
                   ).json()
    start = datetime.now(UTC) + timedelta(hours=1)
    body = {"name": "approve", "publish_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "unpublish_at": (start + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert (await chief.post(f"/items/{draft['id']}/transitions", body)).status == 200

    changed = transaction(conn, workflow.run_schedule, start + timedelta(hours=2))
    assert changed == [draft["id"]]
    item = content.get_item(conn, draft["id"])
    assert item.status == "unpublished" and item.publish_at is None
    ever = conn.execute("SELECT count(*) FROM item_revision WHERE item_id = ?"
                        " AND status = 'published'", (draft["id"],)).fetchone()[0]
    assert ever == 0
    assert conn.execute("SELECT count(*) FROM notification WHERE event = 'published'"
                        ).fetchone()[0] == 0


async def test_contributors_list_their_own_items_only(client, sections, add_staff,
                                                      caller):
    editor = caller(add_staff("editor", "tam"))
    writer = caller(add_staff("contributor", "lan"))
    await editor.post("/items", article(title="Tin của tòa soạn"))
    await writer.post("/items", article(title="Bài của cộng tác viên"))
    seen = await (await writer.get("/items")).json()
    assert [item["title"] for item in seen["items"]] == ["Bài của cộng tác viên"]
    assert len((await (await editor.get("/items")).json())["items"]) == 2
