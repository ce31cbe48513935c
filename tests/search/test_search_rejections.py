"""Why a sitemap page was skipped is told in full words, its numbers filled
in, in the language of whoever reads it."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from appliance.i18n import set_language
from search.connectors import SourceSpec, read_source
from search.fetch import Limits
from search.sources import rejection_text

ARTICLE = ("<!doctype html><html lang=vi><head><meta charset=utf-8><title>Tin xã</title>"
           "</head><body><main><article><h1>Tin xã</h1><p>"
           + "Ủy ban nhân dân xã tổ chức hội nghị triển khai nhiệm vụ năm mới. " * 8
           + "</p></article></main></body></html>")


async def sitemap(request: web.Request) -> web.Response:
    base = str(request.url.origin())
    urls = "".join(f"<url><loc>{base}/tin/{n}</loc></url>" for n in ("co", "mat"))
    return web.Response(text='<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                        '"http://www.sitemaps.org/schemas/sitemap/0.9">' + urls + "</urlset>",
                        content_type="application/xml")


async def page(request: web.Request) -> web.Response:
    if request.match_info["id"] != "co":
        raise web.HTTPNotFound()
    return web.Response(text=ARTICLE, content_type="text/html")


@pytest.fixture
async def commune(aiohttp_server):
    app = web.Application()
    app.router.add_get("/sitemap.xml", sitemap)
    app.router.add_get("/tin/{id}", page)
    return await aiohttp_server(app)


async def test_a_missing_page_is_named_with_its_status(commune):
    spec = SourceSpec(id=1, kind="sitemap", url=str(commune.make_url("/sitemap.xml")),
                      item_kind="article", lang="vi", section_key=None, mapping="")
    async with aiohttp.ClientSession() as session:
        fetched = await read_source(session, spec, Limits(timeout=5))
    assert len(fetched.records) == 1
    [(where, *reason)] = fetched.rejected
    assert where.endswith("/tin/mat")
    set_language("vi")
    text = rejection_text(*reason)
    assert "404" in text and "%(" not in text
    set_language("en")
    assert rejection_text(*reason) == (
        "The source answered with HTTP status 404 instead of the content.")
    # Examples kept by an earlier version hold no values: still words, never placeholders.
    assert "%(" not in rejection_text(reason[0])


async def test_a_source_that_suddenly_sends_nothing_keeps_its_items(conn, aiohttp_server):
    from appliance.db import transaction
    from search import sources, sync

    listing = {"items": [{"id": "a", "title": "Thông báo lịch tiếp dân"},
                         {"id": "b", "title": "Thông báo tuyển dụng viên chức"}]}

    async def records(request: web.Request) -> web.Response:
        return web.json_response(listing)

    app = web.Application()
    app.router.add_get("/records.json", records)
    server = await aiohttp_server(app)
    mapping = '{"items": "items", "fields": {"external_id": "id", "title": "title"}}'
    source = transaction(conn, sources.add_source, sources.SourceInput(
        name="Sở Nội vụ", kind="json", url=str(server.make_url("/records.json")),
        mapping=mapping))
    store = sync.ConnectionStore(conn)
    first = await sync.sync_source(store, source.id, Limits(timeout=5))
    assert first.ok and first.counts["added"] == 2

    listing["items"] = []  # a broken export
    empty = await sync.sync_source(store, source.id, Limits(timeout=5))
    assert not empty.ok and empty.error == {"code": "empty", "n": 2}
    set_language("en")
    assert "its 2 items were kept" in sources.error_text(empty.error)
    assert sources.get_source(conn, source.id).item_count == 2
    assert conn.execute("SELECT count(*) FROM item WHERE source = 'sync'").fetchone()[0] == 2

    listing["items"] = [{"id": "b", "title": "Thông báo tuyển dụng viên chức"}]
    again = await sync.sync_source(store, source.id, Limits(timeout=5))
    assert again.ok and again.counts["removed"] == 1  # a real removal still counts
