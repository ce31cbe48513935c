"""Public pages are cacheable: no cookies, an ETag that answers 304, and a
fresh page as soon as anything is published."""

from __future__ import annotations

import pytest
from web_support import get_page

from appliance import content
from appliance.app import DB
from appliance.content import ItemInput

PUBLIC = [
    "/vi/",
    "/en/kinh-te/",
    "/vi/documents/",
    "/km/procedures/",
    "/en/services/",
    "/vi/search?q=c%E1%BA%A7u",
]


@pytest.mark.parametrize("path", PUBLIC)
async def test_public_pages_have_an_etag_and_answer_304(site, client, path):
    first = await client.get(path)
    assert first.status == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert "Set-Cookie" not in first.headers
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.headers["ETag"] == etag


async def test_article_and_document_pages_set_no_cookie(site, client):
    for path in (site.urls["only-vi"], site.urls["law"], "/vi/procedures/1.000178"):
        response = await client.get(path)
        assert response.status == 200
        assert "Set-Cookie" not in response.headers, path


async def test_publishing_refreshes_cached_pages(site, client):
    before = await get_page(client, "/vi/tin-tuc/")
    etag = before.headers["ETag"]

    def publish(conn):
        return content.save_item(
            conn,
            ItemInput(
                kind="article",
                lang="vi",
                title="Tin vừa đăng trong ngày",
                section_key="tin-tuc",
                published_at="2026-12-01",
            ),
            status="published",
        )

    await client.server.app[DB].write(publish)
    after = await client.get("/vi/tin-tuc/", headers={"If-None-Match": etag})
    assert after.status == 200
    assert "Tin vừa đăng trong ngày" in await after.text()
