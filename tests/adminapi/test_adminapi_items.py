"""Writing through the API: create, read, edit with revision and lock
checks, notes, history, the workflow with a schedule, take-down times and
the list; the same rules as the web admin."""

from __future__ import annotations

from adminapi_support import API, article, problem_of

from appliance import content, tokens
from appliance.db import utcnow


async def test_create_read_and_edit_an_article(conn, client, sections, add_staff,
                                               caller):
    lan = caller(add_staff("reporter", "lan"))
    response = await lan.post("/items", article(body="<p>Xin chào</p><script>x()</script>"))
    assert response.status == 201, await response.text()
    created = await response.json()
    assert response.headers["Location"] == f"{API}/items/{created['id']}"
    assert created["status"] == "draft" and created["lang"] == "vi"
    assert created["body"] == "<p>Xin chào</p>"  # sanitised on the server
    assert sorted(created["tags"]) == ["cầu", "giao thông"]
    # A program's save leaves no lock behind to block the editors.
    assert created["lock"] is None
    assert created["transitions"] == ["submit"]
    assert created["outdated"] is False

    again = await (await lan.get(f"/items/{created['id']}")).json()
    assert again == created

    response = await lan.patch(f"/items/{created['id']}",
                               {"title": "Cầu Đình Phước thông xe",
                                "revision": created["revision"]})
    assert response.status == 200, await response.text()
    edited = await response.json()
    assert edited["title"] == "Cầu Đình Phước thông xe"
    assert edited["summary"] == "Tóm tắt ngắn."  # left out, so kept
    assert edited["published_at"] == created["published_at"]
    assert edited["revision"] > created["revision"]

    stale = await lan.patch(f"/items/{created['id']}",
                            {"title": "Bản cũ", "revision": created["revision"]})
    await problem_of(stale, 409)
    stored = content.get_item(conn, created["id"])
    assert stored.title == "Cầu Đình Phước thông xe"

    user = conn.execute("SELECT id FROM user WHERE username = 'lan'").fetchone()[0]
    assert tokens.list_tokens(conn, user)[0].last_used_at is not None
    row = conn.execute("SELECT address FROM audit WHERE action = 'item.create'"
                       " ORDER BY id DESC").fetchone()
    assert row["address"] == "127.0.0.1"


async def test_bad_input_names_each_field(client, sections, add_staff, caller):
    lan = caller(add_staff("reporter", "lan"))
    response = await lan.post("/items", {"lang": "fr", "title": 5, "tags": "a, b",
                                         "section": "tin-tuc", "colour": "red"})
    problem = await problem_of(response, 400)
    names = {entry["name"] for entry in problem["invalid_params"]}
    assert names == {"title", "tags", "colour"}

    response = await lan.post("/items", article(lang="fr", section="nowhere",
                                                published_at="tomorrow"))
    problem = await problem_of(response, 400)
    names = {entry["name"] for entry in problem["invalid_params"]}
    assert names == {"lang", "section", "published_at"}

    response = await lan.post("/items", article(then="fly"))
    assert (await problem_of(response, 400))["invalid_params"][0]["name"] == "then"

    for raw, kind in (("{", "application/json"), ("[1]", "application/json"),
                      ("title=x", "application/x-www-form-urlencoded")):
        response = await client.post(f"{API}/items", data=raw,
                                     headers=lan.headers({"Content-Type": kind}))
        await problem_of(response, 400)
    await problem_of(await lan.get("/items/12345"), 404)
    patch = await lan.patch("/items/12345", {"revision": 1})
    await problem_of(patch, 404)


async def test_a_patch_needs_the_revision_and_respects_the_lock(
        conn, client, sections, add_staff, caller):
    tam = caller(add_staff("editor", "tam"))
    minh = caller(add_staff("editor", "minh"))
    item = await (await tam.post("/items", article())).json()
    path = f"/items/{item['id']}"

    problem = await problem_of(await minh.patch(path, {"title": "Khác"}), 400)
    assert problem["invalid_params"][0]["name"] == "revision"

    # Tam takes the lock: Minh may neither save nor lock.
    since = (await (await tam.post(path + "/lock")).json())["since"]
    held = {"holder": "tam", "mine": False, "since": since}
    refused = await minh.patch(path, {"title": "Khác", "revision": item["revision"]})
    problem = await problem_of(refused, 409)
    assert "tam" in problem["detail"] and problem["lock"] == held
    locked = await minh.post(path + "/lock")
    problem = await problem_of(locked, 409)
    assert problem["lock"] == held
    seen = await (await minh.get(path)).json()
    assert seen["lock"]["holder"] == "tam" and seen["lock"]["mine"] is False

    # Minh takes over: recorded, noted and told; then Tam is the one refused.
    taken = await minh.post(path + "/lock/takeover")
    assert taken.status == 200
    assert (await taken.json())["mine"] is True
    refused = await tam.patch(path, {"title": "Của Tâm", "revision": item["revision"]})
    await problem_of(refused, 409)
    saved = await minh.patch(path, {"title": "Của Minh", "revision": item["revision"]})
    assert saved.status == 200, await saved.text()
    assert (await minh.delete(path + "/lock")).status == 204
    assert (await (await tam.get(path)).json())["lock"] is None
    heartbeat = await tam.post(path + "/lock")
    assert (await heartbeat.json())["mine"] is True

    kinds = [row[0] for row in conn.execute(
        "SELECT kind FROM item_note WHERE item_id = ?", (item["id"],))]
    assert kinds == ["takeover"]
    assert conn.execute("SELECT count(*) FROM audit WHERE action ="
                        " 'item.lock.takeover'").fetchone()[0] == 1


async def test_writers_cannot_take_over_or_touch_others_items(
        client, sections, add_staff, caller):
    tam = caller(add_staff("editor", "tam"))
    lan = caller(add_staff("contributor", "lan"))
    item = await (await tam.post("/items", article())).json()
    path = f"/items/{item['id']}"
    problem = await problem_of(await lan.post(path + "/lock/takeover"), 403)
    assert problem["action"] == "item.lock.takeover"
    await problem_of(await lan.get(path), 403)
    await problem_of(await lan.patch(path, {"title": "x", "revision": 1}), 403)
    await problem_of(await lan.post(path + "/lock"), 403)
    await problem_of(await lan.get(path + "/revisions"), 403)
    await problem_of(await lan.post(path + "/notes", {"body": "Xem giúp"}), 403)


async def test_notes_and_revisions(client, sections, add_staff, caller):
    tam = caller(add_staff("editor", "tam"))
    item = await (await tam.post("/items", article())).json()
    path = f"/items/{item['id']}"
    response = await tam.post(path + "/notes", {"body": "  Kiểm tra số liệu.\n"})
    assert response.status == 201, await response.text()
    note = await response.json()
    assert note["body"] == "Kiểm tra số liệu." and note["kind"] == "note"
    assert note["author"] == "tam"
    await problem_of(await tam.post(path + "/notes", {"body": "   "}), 400)
    listed = await (await tam.get(path + "/notes")).json()
    assert listed == {"notes": [note]}

    await tam.patch(path, {"summary": "Mới", "revision": item["revision"]})
    revisions = (await (await tam.get(path + "/revisions")).json())["revisions"]
    assert [r["revision"] for r in revisions] == sorted(
        (r["revision"] for r in revisions), reverse=True)
    assert len(revisions) == 2 and revisions[0]["user"] == "tam"


async def test_the_workflow_from_draft_to_scheduled_and_back(
        conn, client, sections, add_staff, caller):
    lan = caller(add_staff("contributor", "lan"))
    tam = caller(add_staff("editor", "tam"))
    chief = caller(add_staff("editor-in-chief", "chief"))
    item = await (await lan.post("/items", article(then="submit"))).json()
    assert item["status"] == "submitted" and item["transitions"] == []
    path = f"/items/{item['id']}"

    taken = await tam.post(path + "/transitions", {"name": "take"})
    assert (await taken.json())["status"] == "editing"
    sent = await tam.post(path + "/transitions", {"name": "send_for_approval"})
    sent = await sent.json()
    assert sent["status"] == "awaiting_approval"

    returned = await chief.post(path + "/transitions", {"name": "return"})
    assert (await problem_of(returned, 400))["detail"]
    stale = await chief.post(path + "/transitions", {
        "name": "approve", "revision": sent["revision"] - 1})
    await problem_of(stale, 409)
    approved = await chief.post(path + "/transitions", {
        "name": "approve", "publish_at": "2099-01-02T08:00",
        "unpublish_at": "2099-02-01", "revision": sent["revision"]})
    assert approved.status == 200, await approved.text()
    approved = await approved.json()
    assert approved["status"] == "scheduled"
    assert approved["publish_at"] == "2099-01-02T01:00:00Z"  # local time is UTC+7
    assert approved["unpublish_at"] == "2099-01-31T17:00:00Z"
    assert "unschedule" in approved["transitions"]

    mixed = await chief.post(path + "/transitions", {
        "name": "unschedule", "publish_at": "2099-01-03T08:00"})
    assert (await problem_of(mixed, 400))["invalid_params"][0]["name"] == "publish_at"
    takedown = await chief.post(path + "/takedown", {"unpublish_at": None})
    assert (await takedown.json())["unpublish_at"] is None
    await problem_of(await chief.post(path + "/takedown", {}), 400)
    back = await chief.post(path + "/transitions", {"name": "unschedule"})
    assert (await back.json())["status"] == "approved"
    now = await chief.post(path + "/transitions", {"name": "publish"})
    published = await now.json()
    assert published["status"] == "published"
    assert published["published_at"] <= utcnow()
    past = await chief.post(path + "/takedown", {"unpublish_at": "2001-01-01"})
    await problem_of(past, 400)

    unknown = await chief.post(path + "/transitions", {"name": "teleport"})
    await problem_of(unknown, 400)
    system = await chief.post(path + "/transitions", {"name": "expire"})
    assert system.status in (400, 403)
    assert content.get_item(conn, item["id"]).status == "published"


async def test_the_list_filters_and_pages(client, sections, add_staff, caller):
    tam = caller(add_staff("editor", "tam"))
    for n in range(3):
        await tam.post("/items", article(title=f"Tin số {n}", section="kinh-te"))
    await tam.post("/items", article(lang="en", title="Rice harvest"))
    listing = await (await tam.get("/items?lang=vi&per_page=2")).json()
    assert listing["total"] == 3 and listing["per_page"] == 2
    assert len(listing["items"]) == 2 and listing["page"] == 1
    second = await (await tam.get("/items?lang=vi&per_page=2&page=2")).json()
    assert len(second["items"]) == 1
    found = await (await tam.get("/items?q=tin+so+1&section=kinh-te")).json()
    assert [item["title"] for item in found["items"]] == ["Tin số 1"]
    drafts = await (await tam.get("/items?status=draft&kind=article")).json()
    assert drafts["total"] == 4
    problem = await problem_of(await tam.get("/items?status=gone&page=0&lang=xx"), 400)
    assert {p["name"] for p in problem["invalid_params"]} == {"status", "page", "lang"}


async def test_a_translation_shows_when_it_is_outdated(client, sections, add_staff,
                                                       caller):
    tam = caller(add_staff("editor", "tam"))
    source = await (await tam.post("/items", article())).json()
    english = await (await tam.post("/items", article(
        lang="en", title="New bridge", translation_of=source["id"]))).json()
    assert english["source_item_id"] == source["id"]
    assert english["outdated"] is False
    assert english["translation_group"] == (
        await (await tam.get(f"/items/{source['id']}")).json())["translation_group"]

    await tam.patch(f"/items/{source['id']}", {"body": "<p>Nội dung mới.</p>",
                                               "revision": source["revision"]})
    english = await (await tam.get(f"/items/{english['id']}")).json()
    assert english["outdated"] is True
    current = await tam.patch(f"/items/{english['id']}", {
        "source_current": True, "revision": english["revision"]})
    assert (await current.json())["outdated"] is False


async def test_a_refused_step_after_saving_saves_nothing(conn, client, sections,
                                                         add_staff, caller):
    lan = caller(add_staff("contributor", "lan"))
    response = await lan.post("/items", article(then="publish_now"))
    problem = await problem_of(response, 403)
    assert problem["action"] == "transition:publish_now"
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == 0
