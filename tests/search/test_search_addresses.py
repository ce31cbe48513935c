"""Only http and https addresses of an item's origin are handed on: a source
or a record that gives javascript: or data: loses that address, never the
record."""

from __future__ import annotations

import json

import aiohttp
import pytest
from aiohttp import web

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction
from appliance.errors import UserError
from search.connectors import SourceSpec, read_source
from search.fetch import Limits

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Sở X</title><link>https://x.example.vn/</link>
<description>d</description>
<item><title>Tin một</title><link>javascript:alert(1)</link><guid>t1</guid></item>
<item><title>Tin hai</title><link>https://x.example.vn/tin-hai</link><guid>t2</guid></item>
</channel></rss>"""

RECORDS = {"items": [
    {"id": "a", "title": "Dịch vụ A", "url": "data:text/html,hi", "link": "javascript:x()"},
    {"id": "b", "title": "Dịch vụ B", "url": "https://dvc.example.vn/b",
     "link": "https://dvc.example.vn/b/nop"},
]}
MAPPING = {"items": "items", "fields": {"external_id": "id", "title": "title",
                                        "source_url": "url", "link": "link"},
           "values": {"kind": "public_service"}}


async def feed(request: web.Request) -> web.Response:
    return web.Response(text=RSS, content_type="application/rss+xml")


async def records(request: web.Request) -> web.Response:
    return web.json_response(RECORDS)


@pytest.fixture
async def origin(aiohttp_server):
    app = web.Application()
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/records.json", records)
    return await aiohttp_server(app)


def spec(kind: str, url: str, mapping: dict | None = None) -> SourceSpec:
    return SourceSpec(id=1, kind=kind, url=url, item_kind="article", lang="vi",
                      section_key=None, mapping=json.dumps(mapping) if mapping else "")


async def test_a_feed_entry_with_a_script_link_keeps_no_link(origin):
    async with aiohttp.ClientSession() as session:
        fetched = await read_source(session, spec("rss", str(origin.make_url("/feed.xml"))),
                                    Limits(timeout=5))
    by_title = {r.data["title"]: r for r in fetched.records}
    assert set(by_title) == {"Tin một", "Tin hai"}
    assert "source_url" not in by_title["Tin một"].data
    assert by_title["Tin một"].origin is None
    assert by_title["Tin hai"].data["source_url"] == "https://x.example.vn/tin-hai"


async def test_mapped_records_lose_script_and_data_addresses(origin):
    async with aiohttp.ClientSession() as session:
        fetched = await read_source(
            session, spec("json", str(origin.make_url("/records.json")), MAPPING),
            Limits(timeout=5))
    by_id = {r.data["external_id"]: r.data for r in fetched.records}
    assert "source_url" not in by_id["a"] and "link" not in by_id["a"]
    assert by_id["b"]["source_url"] == "https://dvc.example.vn/b"
    assert by_id["b"]["link"] == "https://dvc.example.vn/b/nop"


@pytest.mark.parametrize("address", ["javascript:alert(1)", " javascript:alert(1)",
                                     "JAVASCRIPT:alert(1)", "data:text/html,x",
                                     "//evil.example/", "https://", "http:/x"])
def test_the_content_store_refuses_other_addresses(conn, address):
    for fields in ({"source_url": address}, {"extra": {"link": address}}):
        data = ItemInput(kind="public_service", lang="vi", title="Dịch vụ", **fields)
        with pytest.raises(UserError, match="https://"):
            transaction(conn, content.save_item, data)
    data = ItemInput(kind="public_service", lang="vi", title="Dịch vụ",
                     source_url="https://dvc.example.vn/a", extra={"link": "http://a.vn/n"})
    assert transaction(conn, content.save_item, data).source_url == "https://dvc.example.vn/a"
