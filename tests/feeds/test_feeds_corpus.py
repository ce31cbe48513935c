"""The search API, feeds and sitemap on the real corpus (PORTAL_CORPUS)."""

from __future__ import annotations

import math
import sqlite3

import feedparser
import pytest
from feeds_support import local
from lxml import etree

from appliance import config as config_mod
from appliance.app import create_app
from feeds.sitemap import OWN_PAGES, URLS_PER_PART

pytestmark = pytest.mark.corpus

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
CIVIL_CODE = {"vlc-bo-luat-dan-su", "ref-91-2015-qh13"}


@pytest.fixture
async def corpus_client(aiohttp_client, corpus_site):
    return await aiohttp_client(create_app(config_mod.load(corpus_site)))


@pytest.fixture
def corpus_db(corpus_site):
    """A read-only look at the corpus site, to check answers against."""
    path = config_mod.load(corpus_site).database_path
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield connection
    connection.close()


async def search(client, query: str) -> dict:
    response = await client.get(f"/api/v1/search?{query}")
    assert response.status == 200
    return await response.json()


@pytest.mark.parametrize("q", ["91/2015/QH13", "91/2015/qh13"])
async def test_a_law_number_puts_that_law_first(corpus_client, q):
    answer = await search(corpus_client, f"q={q}")
    first = answer["items"][0]
    assert first["external_id"] in CIVIL_CODE, first
    assert first["kind"] == "legal_document"
    assert first["title"].lower() == "bộ luật dân sự"


@pytest.mark.parametrize("q", ["70/2024/NĐ-CP", "70/2024/ND-CP"])
async def test_a_decree_number_is_found_with_or_without_accents(corpus_client, q):
    answer = await search(corpus_client, f"q={q}")
    assert answer["items"][0]["external_id"] == "ref-70-2024-nd-cp"


async def test_folded_words_find_land_procedures_with_marked_snippets(corpus_client):
    answer = await search(corpus_client, "q=thu+tuc+dat+dai&kind=procedure")
    assert answer["total"] >= 10 and answer["facets"]["kind"]["procedure"] >= 10
    assert {item["kind"] for item in answer["items"]} == {"procedure"}
    marked = [item for item in answer["items"] if "<mark>" in item["snippet"]]
    assert len(marked) >= len(answer["items"]) // 2
    assert any("đất" in item["snippet"].lower() for item in marked)


async def test_facets_count_every_kind_of_the_corpus(corpus_client):
    answer = await search(corpus_client, "q=đất+đai&per_page=5")
    kinds = answer["facets"]["kind"]
    assert {"article", "legal_document", "procedure"} <= set(kinds)
    assert answer["total"] == sum(kinds.values())
    assert len(answer["items"]) == 5


async def test_sitemap_has_enough_parts_for_every_item(corpus_client, corpus_db):
    published = corpus_db.execute(
        "SELECT count(*) FROM item WHERE status = 'published'").fetchone()[0]
    sections = corpus_db.execute("SELECT count(*) FROM section").fetchone()[0]
    per_language = 1 + sections + 3 + len(OWN_PAGES)
    by_language = dict(corpus_db.execute(
        "SELECT lang, count(*) FROM item WHERE status = 'published' GROUP BY lang"))
    listing = 3 * per_language
    response = await corpus_client.get("/sitemap.xml")
    index = etree.fromstring(await response.read())
    parts = index.xpath("s:sitemap/s:loc/text()", namespaces=NS)
    assert parts[-1].endswith("/sitemaps/news.xml")
    parts = parts[:-1]
    assert len(parts) == sum(math.ceil((by_language.get(lang, 0) + per_language)
                                       / URLS_PER_PART) for lang in ("vi", "en", "km"))

    urls = []
    for part in parts:
        response = await corpus_client.get(local(part))
        document = etree.fromstring(await response.read())
        urls += document.xpath("s:url/s:loc/text()", namespaces=NS)
    assert len(urls) == len(set(urls)) == published + listing > 6000
    for url in urls[:20] + urls[-20:] + urls[len(urls) // 2:len(urls) // 2 + 20]:
        response = await corpus_client.get(local(url), allow_redirects=False)
        assert response.status == 200, url


@pytest.mark.parametrize("lang", ["vi", "en", "km"])
async def test_language_feeds_on_real_content(corpus_client, lang):
    response = await corpus_client.get(f"/{lang}/feed.xml")
    parsed = feedparser.parse(await response.read())
    assert not parsed.bozo
    assert len(parsed.entries) == 30
    dated = [entry.published_parsed for entry in parsed.entries
             if "published_parsed" in entry]
    assert dated == sorted(dated, reverse=True)
    for entry in parsed.entries[:5]:
        assert (await corpus_client.get(local(entry.link))).status == 200
