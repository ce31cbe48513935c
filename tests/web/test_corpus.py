"""The public site on the real corpus (PORTAL_CORPUS): untidy real content
renders with its fields, and search finds it without tone marks."""

from __future__ import annotations

import pytest
from web_support import get_page, text_of

from appliance import config as config_mod
from appliance import content
from appliance.app import create_app
from appliance.db import open_sync

pytestmark = pytest.mark.corpus


@pytest.fixture
async def corpus_client(corpus_site, aiohttp_client):
    return await aiohttp_client(create_app(config_mod.load(corpus_site)))


@pytest.fixture(scope="module")
def corpus_urls(corpus_site) -> dict[str, str]:
    """Addresses of known corpus items, looked up through the content store."""
    conn = open_sync(config_mod.load(corpus_site).database_path)
    try:
        law = content.documents_by_number(conn, ["91/2015/QH13"])["91-2015-qh13"]
        news = content.list_items(conn, lang="vi", kinds=["article"], limit=1)[0]
        story = next(
            item
            for item in content.list_items(conn, lang="km", kinds=["article"], limit=20)
            if item.translation_group
        )
        procedure = content.find_item(conn, "vi", "1.000178", kinds=["procedure"])
        return {
            "law": law.url,
            "news": news.url,
            "story-km": story.url,
            "procedure": procedure.url,
        }
    finally:
        conn.close()


async def test_home_pages_render_with_real_sections(corpus_client):
    for lang in ("vi", "en", "km"):
        page = await get_page(corpus_client, f"/{lang}/")
        assert page.lang == lang
        assert len(page.all(".//section[@class='section-block']")) >= 1


async def test_news_article_renders_with_its_attribution(corpus_client, corpus_urls):
    page = await get_page(corpus_client, corpus_urls["news"])
    assert page.h1
    assert "CC BY" in text_of(page.find(".//p[@class='attribution']"))


async def test_law_page_shows_number_issuer_and_full_text(corpus_client, corpus_urls):
    page = await get_page(corpus_client, corpus_urls["law"])
    facts = text_of(page.find(".//table[@class='facts']"))
    assert "91/2015/QH13" in facts and "Quốc hội" in facts and "24/11/2015" in facts
    text = text_of(page.find(".//div[@class='prose legal-text']"))
    assert "Điều 1" in text and len(text) > 100_000


async def test_procedure_page_shows_channels_and_linked_basis(
    corpus_client, corpus_urls
):
    page = await get_page(
        corpus_client, corpus_urls["procedure"].replace("/vi/", "/en/")
    )
    assert page.find(".//table[@class='data-table']") is not None
    basis = page.all(".//ul[@class='basis-list']/li")
    assert len(basis) == 4
    # Every number that is a document on the portal is a link to it.
    linked = [li for li in basis if li.find("a") is not None]
    assert all(a.find("a").get("href").startswith("/en/documents/") for a in linked)


async def test_procedure_listing_counts_in_the_language_format(corpus_client):
    vi = await get_page(corpus_client, "/vi/procedures/")
    en = await get_page(corpus_client, "/en/procedures/")
    assert "2.6" in text_of(vi.find(".//p[@class='result-count']"))  # 2.6xx
    assert "2,6" in text_of(en.find(".//p[@class='result-count']"))  # 2,6xx
    assert len(vi.all(".//li[@class='document-row']")) == 12


async def test_khmer_story_renders(corpus_client, corpus_urls):
    from urllib.parse import quote

    page = await get_page(corpus_client, quote(corpus_urls["story-km"]))
    assert page.lang == "km"
    assert set(page.switcher) == {"vi", "en", "km"}
    assert all(not href.endswith(("/vi/", "/en/")) for href in page.switcher.values())


async def test_search_without_tone_marks_finds_land_procedures(corpus_client):
    page = await get_page(corpus_client, "/vi/search?q=thu+tuc+dat+dai")
    results = page.all(".//ol[@class='results']/li")
    assert len(results) == 20
    assert page.all(".//nav[@class='pagination']//a[@rel='next']")
    assert any("đất đai" in text_of(r).lower() for r in results)
