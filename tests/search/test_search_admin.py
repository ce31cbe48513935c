"""Search in the admin: a source added and synced from the admin is found by
search; its health and alarm; the synonym table, pinned results and the
query counts editors see; who may do what."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from sources_support import JSON_MAPPING, XLSX_MAPPING, closed_port

from appliance.app import DB
from appliance.db import transaction
from search import querylog, sources
from search.service import QUERY_LOG, save_query_counts


async def in_english(staff):
    response = await staff.post("/admin/language", {"lang": "en", "next": "/admin/"})
    assert response.status == 303
    return staff


async def wait_for_sync(conn, name, tries=100):
    for _ in range(tries):
        source = sources.get_source(conn, name)
        if source.last_attempt_at:
            return source
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} never synced")


async def api_titles(client, q):
    answer = await (await client.get("/api/v1/search", params={"q": q})).json()
    return [item["title"] for item in answer["items"]]


@pytest.mark.corpus
@pytest.mark.parametrize("kind, path, mapping", [
    ("rss", "/feed.xml", ""),
    ("json", "/api/thu-tuc", json.dumps(JSON_MAPPING)),
    ("csv", "/thu-tuc.csv", ""),
    ("xlsx", "/thu-tuc.xlsx", json.dumps(XLSX_MAPPING)),
    ("sitemap", "/sitemap.xml", ""),
])
async def test_a_source_added_in_the_admin_is_found_after_one_sync(
        admin, client, conn, sources_server, source_state, kind, path, mapping):
    await in_english(admin)
    response = await admin.post("/admin/sources", {
        "name": f"nguồn {kind}", "kind": kind, "url": str(sources_server.make_url(path)),
        "every": "60",
        "item_kind": "procedure" if kind in ("json", "csv", "xlsx") else "article",
        "lang": "vi", "mapping": mapping, "enabled": "1"})
    assert response.status == 303, await response.text()
    source = sources.get_source(conn, f"nguồn {kind}")
    response = await admin.post(f"/admin/sources/{source.id}/sync")
    assert response.status == 303
    source = await wait_for_sync(conn, source.name)
    assert source.last_success_at and not source.last_error, source.last_error
    title = (source_state.news() if kind in ("rss", "sitemap")
             else source_state.procedures()[20:] if kind == "xlsx"
             else source_state.procedures())[0]["title"]
    await client.server.app[DB].check_outside_writes()
    assert title in await api_titles(client, title)
    page = await admin.text(f"/admin/sources/{source.id}")
    assert source.name in page and "added" in page
    listing = await admin.text("/admin/sources")
    assert "badge-published" in listing


async def test_a_failing_source_says_why_and_raises_the_alarm(admin, conn):
    await in_english(admin)
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    response = await admin.post("/admin/sources", {
        "name": "Xã đã tắt", "kind": "rss", "url": url, "every": "5", "alarm": "5",
        "item_kind": "article", "lang": "vi", "enabled": "1"})
    assert response.status == 303
    source = sources.get_source(conn, "Xã đã tắt")
    await admin.post(f"/admin/sources/{source.id}/sync")
    await wait_for_sync(conn, source.name)
    # Created long ago, never a good sync: past its alarm time.
    transaction(conn, lambda db: db.execute(
        "UPDATE source SET created_at = '2026-01-01T00:00:00Z' WHERE id = ?",
        (source.id,)))
    page = await admin.text("/admin/sources")
    assert "could not be reached" in page and "badge-unpublished" in page
    dashboard = await admin.text("/admin/")
    assert "sources-alarm-title" in dashboard and "Xã đã tắt" in dashboard


@pytest.mark.parametrize("form, message", [
    ({"kind": "gopher"}, "Unknown kind of source"),
    ({"url": "ftp://x/y"}, "is not a web address"),
    ({"every": "1"}, "Minutes must be from"),
    ({"mapping": "{not json"}, "not valid JSON"),
    ({"mapping": '{"fields": {"tieu_de": "x"}}'}, "not a field of the import format"),
])
async def test_bad_sources_are_refused_in_words(admin, form, message):
    await in_english(admin)
    data = {"name": "sai", "kind": "json", "url": "https://api.example.vn/x",
            "every": "60", "item_kind": "procedure", "lang": "vi", **form}
    response = await admin.post("/admin/sources", data)
    assert response.status == 400
    assert message in await response.text()


async def test_removing_a_source_from_the_admin(admin, conn):
    await admin.post("/admin/sources", {
        "name": "tạm", "kind": "csv", "url": "https://x.example.vn/a.csv", "every": "60",
        "item_kind": "procedure", "lang": "vi"})
    source = sources.get_source(conn, "tạm")
    assert (await admin.post(f"/admin/sources/{source.id}/delete")).status == 303
    assert sources.list_sources(conn) == []


async def test_only_senior_staff_manage_sources(add_staff, sign_in):
    add_staff("editor")
    editor = await sign_in("editor")
    assert (await editor.get("/admin/sources")).status == 403
    assert (await editor.get("/admin/search/synonyms")).status == 200
    add_staff("contributor")
    writer = await sign_in("contributor")
    assert (await writer.get("/admin/search/synonyms")).status == 403


async def test_synonyms_editors_add_are_used_at_once(admin, client, conn, doc_item):
    doc_item("Cấp giấy phép khai thác thủy sản", "procedure", "2.001")
    assert await api_titles(client, "GPKT") == []
    response = await admin.post("/admin/search/synonyms", {
        "term": "GPKT", "expansions": "giấy phép khai thác", "two_way": ""})
    assert response.status == 303
    assert await api_titles(client, "GPKT") == ["Cấp giấy phép khai thác thủy sản"]
    page = await admin.text("/admin/search/synonyms")
    assert "GPKT" in page and "hộ khẩu" in page  # the seeded rows are there too
    duplicate = await admin.post("/admin/search/synonyms", {
        "term": "gpkt", "expansions": "x"})
    assert duplicate.status == 400


async def test_a_pinned_result_comes_first(admin, client, conn, doc_item):
    doc_item("Tin: hướng dẫn làm hộ chiếu", "article", None)
    item = doc_item("Cấp hộ chiếu phổ thông", "procedure", "1.001456")
    before = await api_titles(client, "hộ chiếu")
    response = await admin.post("/admin/search/pins", {
        "query": "Hộ chiếu", "address": item.url})
    assert response.status == 303, await response.text()
    after = await api_titles(client, "ho chieu")
    assert after[0] == "Cấp hộ chiếu phổ thông" and set(after) == set(before)
    bad = await admin.post("/admin/search/pins", {"query": "x", "address": "/vi/nope/x"})
    assert bad.status == 400


async def test_editors_see_top_queries_and_those_that_found_nothing(admin, client,
                                                                   doc_item):
    doc_item("Đăng ký khai sinh", "procedure", "1.001193")
    for q in ["khai sinh", "khai sinh", "khai sinh", "zzkhong co gi", "089123456789"]:
        assert (await client.get("/api/v1/search", params={"q": q})).status == 200
    await client.get("/vi/search", params={"q": "khai sinh"})  # the page counts too
    await save_query_counts(client.server.app)
    page = await admin.text("/admin/search")
    top = re.search(r'id="top-title".*?</section>', page, re.S).group()
    assert "khai sinh" in top and ">4<" in top
    empty = re.search(r'id="empty-title".*?</section>', page, re.S).group()
    assert "zzkhong co gi" in empty and "khai sinh" not in empty
    assert "089123456789" not in page  # a personal number is never kept


def test_personal_numbers_are_not_kept():
    log = querylog.QueryLog()
    for q in ["0912 345 678", "CCCD 089123456789", "42/2022/NĐ-CP", "1.000178"]:
        log.note(q, 1)
    assert sorted(row[2] for row in log.take()) == ["1.000178", "42/2022/NĐ-CP"]


async def test_searches_answered_from_the_page_cache_are_counted(client, doc_item):
    doc_item("Đăng ký kết hôn", "procedure", "1.000894")
    for _ in range(3):
        await client.get("/api/v1/search", params={"q": "kết hôn"})
    rows = client.server.app[QUERY_LOG].take()
    assert [(r[2], r[3], r[4]) for r in rows] == [("kết hôn", 3, 0)]
