"""The inbound API: partners push items in the import format with their key;
items wait for review unless the partner is trusted, the same external_id
updates, Idempotency-Key makes retries safe, and bad input is named field by
field."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image
from pypdf import PdfWriter

from appliance.content import find_by_external_id, get_item
from appliance.db import transaction
from feeds.partners import add_partner, revoke_partner
from newsroom import workflow

PUSH = "/api/v1/inbound/items"


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def record(**fields) -> dict:
    return {"external_id": "stp-2025-001", "kind": "article", "lang": "vi",
            "section": "tin-tuc", "title": "Sở Tư pháp tập huấn hộ tịch",
            "summary": "Tập huấn cho công chức tư pháp cấp xã.",
            "body": "Đoạn một.\n\nĐoạn hai.", "tags": ["hộ tịch"],
            "published_at": "2025-03-01T08:00"} | fields


@pytest.fixture
def partner(conn, sections):
    def make(name="Sở Tư pháp", scopes="article,directive,section:tin-tuc",
             trusted=False) -> tuple:
        found, secret = transaction(conn, add_partner, name, scopes, trusted)
        return found, {"Authorization": f"Bearer {secret}"}

    return make


async def push(client, headers, body, key=None):
    extra = {"Content-Type": "application/json", **headers}
    if key:
        extra["Idempotency-Key"] = key
    return await client.post(PUSH, data=json.dumps(body), headers=extra)


async def test_a_push_waits_for_review_and_tells_the_editors(client, conn, partner,
                                                             add_staff):
    editor = add_staff("editor")
    found, headers = partner()
    response = await push(client, headers, record())
    assert response.status == 201, await response.text()
    answer = await response.json()
    assert answer["status"] == "submitted" and answer["created"] is True
    assert response.headers["Location"] == f"{PUSH}/stp-2025-001"

    item = get_item(conn, answer["id"])
    assert item.source == f"partner:{found.id}"
    assert item.attribution == "Sở Tư pháp"
    assert "<p>Đoạn hai.</p>" in item.body
    assert (await client.get(f"/api/v1/articles/{item.id}")).status == 404
    notified = conn.execute("SELECT event, detail FROM notification WHERE user_id = ?",
                            (editor.id,)).fetchall()
    assert [tuple(row) for row in notified] == [("received", "Sở Tư pháp")]
    # Editors take it from here, with the ordinary workflow.
    assert workflow.TRANSITIONS["receive"].system


async def test_the_same_external_id_updates_the_item(client, conn, partner):
    _found, headers = partner()
    first = await (await push(client, headers, record())).json()
    response = await push(client, headers, record(title="Tập huấn hộ tịch, đợt 2"))
    assert response.status == 200
    second = await response.json()
    assert second["id"] == first["id"] and second["created"] is False
    assert get_item(conn, first["id"]).title == "Tập huấn hộ tịch, đợt 2"


async def test_an_idempotency_key_replays_the_first_answer(client, conn, partner):
    _found, headers = partner()
    body = record()
    first = await push(client, headers, body, key="req-1")
    again = await push(client, headers, body, key="req-1")
    assert again.status == first.status == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await again.json() == await first.json()
    assert get_item(conn, (await first.json())["id"]).revision == \
        (await first.json())["revision"]

    other = await push(client, headers, record(title="Khác"), key="req-1")
    assert other.status == 422
    assert other.content_type == "application/problem+json"


async def test_every_bad_field_is_named(client, partner):
    _found, headers = partner()
    response = await push(client, headers, {
        "external_id": "x", "kind": "poem", "lang": "fr", "title": "",
        "published_at": "yesterday", "tags": "one", "year": "2024", "featured": True,
        "source_url": "javascript:alert(1)", "link": "data:text/html,x", "amends": 5,
        "attachments": [{"name": "a.pdf", "data": "%%%"}]})
    assert response.status == 400
    problem = await response.json()
    assert problem["type"] == "about:blank"
    named = {entry["name"] for entry in problem["invalid_params"]}
    assert named == {"kind", "lang", "title", "published_at", "tags", "year",
                     "featured", "source_url", "link", "amends", "attachments[0].data"}


async def test_bad_json_and_a_missing_body_type_are_refused(client, partner):
    _found, headers = partner()
    bad = await client.post(PUSH, data="{", headers=headers | {
        "Content-Type": "application/json"})
    assert bad.status == 400
    plain = await client.post(PUSH, data="x", headers=headers)
    assert plain.status == 400


@pytest.mark.parametrize("fields", [
    {"kind": "legal_document"},  # not among its kinds
    {"section": "kinh-te"},  # not among its sections
    {"section": None},  # news must name one of its sections
])
async def test_scopes_hold(client, partner, fields):
    _found, headers = partner()
    response = await push(client, headers, record(**fields))
    assert response.status == 403
    assert (await response.json())["scopes"] == ["article", "directive",
                                                 "section:tin-tuc"]


async def test_keys_are_required_valid_and_able_to_write(client, conn, partner):
    assert (await push(client, {}, record())).status == 401
    bad = await push(client, {"Authorization": "Bearer pk_not-a-key"}, record())
    assert bad.status == 401
    assert "invalid_token" in bad.headers["WWW-Authenticate"]

    reader, reading = partner("Ứng dụng di động", "read")
    assert (await push(client, reading, record())).status == 403
    me = await (await client.get("/api/v1/inbound/me", headers=reading)).json()
    assert me == {"id": reader.id, "name": "Ứng dụng di động", "scopes": ["read"],
                  "trusted": False}

    found, headers = partner()
    transaction(conn, revoke_partner, found.id)
    assert (await push(client, headers, record())).status == 401


async def test_a_trusted_partner_publishes_and_embargo_holds(client, conn, partner):
    _found, headers = partner("UBND tỉnh", "article,section:tin-tuc", trusted=True)
    now = await (await push(client, headers, record())).json()
    assert now["status"] == "published"
    assert (await client.get(f"/api/v1/articles/{now['id']}")).status == 200

    later = await (await push(client, headers, record(
        external_id="stp-2025-002", published_at="2999-01-01T08:00"))).json()
    assert later["status"] == "scheduled"
    assert later["publish_at"] == "2999-01-01T01:00:00Z"
    listed = await (await client.get("/api/v1/articles")).json()
    assert later["id"] not in [item["id"] for item in listed["items"]]
    assert (await client.get(f"/api/v1/articles/{later['id']}")).status == 404

    # Without a date it goes public now, dated now, so it heads the listings.
    undated = record(external_id="stp-2025-003")
    del undated["published_at"]
    pushed = await (await push(client, headers, undated)).json()
    assert pushed["status"] == "published"
    listed = await (await client.get("/api/v1/articles")).json()
    assert listed["items"][0]["id"] == pushed["id"]
    assert listed["items"][0]["published_at"]


async def test_attachments_go_to_the_media_library(client, conn, partner):
    _found, headers = partner("UBND tỉnh", "article,directive", trusted=True)
    answer = await (await push(client, headers, {
        "external_id": "ct-12", "kind": "directive", "lang": "vi",
        "title": "Chỉ thị về phòng chống hạn mặn", "number": "12/CT-UBND",
        "doc_type": "Chỉ thị", "issuer": "UBND tỉnh An Giang", "issued_at": "2025-02-15",
        "attachments": [{"name": "12-ct-ubnd.pdf", "data": b64(pdf_bytes())}]})).json()
    (attachment,) = answer["attachments"]
    assert attachment["mime"] == "application/pdf"
    assert attachment["name"] == "12-ct-ubnd.pdf"
    fetched = await client.get(attachment["url"].removeprefix("http://localhost:8080"))
    assert fetched.status == 200 and await fetched.read() == pdf_bytes()
    document = await (await client.get(f"/api/v1/documents/{answer['id']}")).json()
    assert document["attachments"] == answer["attachments"]
    assert document["number"] == "12/CT-UBND"

    news = await push(client, headers, record(
        external_id="tin-anh", section=None, lead_image="anh.jpg",
        attachments=[{"name": "anh.jpg", "data": b64(jpeg_bytes()), "alt": "Lớp học"}]))
    assert news.status == 201, await news.text()
    item = get_item(conn, (await news.json())["id"])
    assert item.lead_image is not None and item.lead_image.alt == "Lớp học"

    no_alt = await push(client, headers, record(
        external_id="tin-anh-2", attachments=[{"name": "b.jpg",
                                               "data": b64(jpeg_bytes())}]))
    assert no_alt.status == 400
    assert [p["name"] for p in (await no_alt.json())["invalid_params"]] == [
        "attachments[0].alt"]
    not_a_file = await push(client, headers, record(
        external_id="tin-anh-3", attachments=[{"name": "x.exe",
                                               "data": b64(b"MZ\x90\x00")}]))
    assert [p["name"] for p in (await not_a_file.json())["invalid_params"]] == [
        "attachments[0]"]


async def test_items_in_the_editors_hands_are_not_changed(client, conn, partner,
                                                          add_staff):
    editor = add_staff("editor")
    _found, headers = partner()
    answer = await (await push(client, headers, record())).json()
    transaction(conn, workflow.transition, answer["id"], "take", editor)
    refused = await push(client, headers, record(title="Đổi tựa"))
    assert refused.status == 409
    assert (await refused.json())["item_status"] == "editing"

    state = await (await client.get(f"{PUSH}/stp-2025-001", headers=headers)).json()
    assert state["status"] == "editing"


async def test_a_partner_withdraws_its_item(client, conn, partner):
    found, headers = partner()
    await push(client, headers, record())
    gone = await client.delete(f"{PUSH}/stp-2025-001", headers=headers)
    assert gone.status == 204
    assert find_by_external_id(conn, found.source, "stp-2025-001") is None
    assert (await client.get(f"{PUSH}/stp-2025-001", headers=headers)).status == 404
    # Another partner's items are not its to see or withdraw.
    other, other_headers = partner("Sở Y tế")
    await push(client, other_headers, record())
    assert (await client.delete(f"{PUSH}/stp-2025-001", headers=headers)).status == 404


async def test_the_same_file_twice_is_stored_once(client, config, partner):
    _found, headers = partner("UBND tỉnh", "directive", trusted=True)
    pdf = {"name": "ct.pdf", "data": b64(pdf_bytes())}

    def document(external_id: str) -> dict:
        return {"external_id": external_id, "kind": "directive", "lang": "vi",
                "title": f"Chỉ thị {external_id}", "attachments": [pdf]}

    first = await (await push(client, headers, document("ct-1"))).json()
    second = await (await push(client, headers, document("ct-2"))).json()
    assert first["attachments"][0]["url"] == second["attachments"][0]["url"]
    stored = [path for path in config.media_dir.rglob("*") if path.is_file()]
    assert len(stored) == 1


def test_kept_answers_are_forgotten_after_a_day(conn, partner):
    from feeds import inbound

    found, _headers = partner()
    transaction(conn, lambda db: db.execute(
        "INSERT INTO inbound_request (partner_id, key, fingerprint, status, body,"
        " created_at) VALUES (?, 'old', 'x', 201, '{}', '2020-01-01T00:00:00Z'),"
        " (?, 'new', 'x', 201, '{}', '2999-01-01T00:00:00Z')", (found.id, found.id)))
    limit = inbound._answers_limit()
    assert transaction(conn, inbound.has_old_answers, limit)
    transaction(conn, inbound.forget_old_answers, limit)
    assert [row[0] for row in conn.execute("SELECT key FROM inbound_request")] == ["new"]
    assert not transaction(conn, inbound.has_old_answers, limit)


async def test_document_links_come_as_a_list_or_as_the_import_formats_text(client, conn,
                                                                          partner):
    _found, headers = partner("UBND tỉnh", "directive", trusted=True)
    for external_id, replaces in (("cv-1", ["01/2026/CV-UBND"]),
                                  ("cv-2", "02/2026/CV-UBND; 03/2026/CV-UBND")):
        response = await push(client, headers, record(
            external_id=external_id, kind="directive", section=None, replaces=replaces,
            number=f"1{external_id[-1]}/2026/CV-UBND"))
        assert response.status in (200, 201), await response.text()
    rows = conn.execute("SELECT number FROM document_link ORDER BY number").fetchall()
    assert [row[0] for row in rows] == ["01/2026/CV-UBND", "02/2026/CV-UBND",
                                        "03/2026/CV-UBND"]
    # The audit trail names the partner and the address it called from.
    created = conn.execute("SELECT address FROM audit WHERE action = 'item.create'"
                           ).fetchall()
    assert len(created) == 2
    assert all(row[0] == f"partner:{_found.id}@127.0.0.1" for row in created)
