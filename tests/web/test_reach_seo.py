"""Found and shared: schema.org JSON-LD parsed back from every page type,
OpenGraph and Twitter tags, hreflang that agrees with the per-language
sitemaps, the news sitemap, image entries, robots.txt, short links with QR
codes, and old addresses that follow an edited slug."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

from lxml import etree
from web_support import get_page, redirect_of

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction

BASE = "http://localhost:8080"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "x": "http://www.w3.org/1999/xhtml",
      "i": "http://www.google.com/schemas/sitemap-image/1.1",
      "n": "http://www.google.com/schemas/sitemap-news/0.9"}


def structured(page) -> dict[str, dict]:
    """The page's JSON-LD blocks by @type; each must be valid JSON."""
    found = {}
    for script in page.all(".//script[@type='application/ld+json']"):
        data = json.loads(script.text)
        assert data["@context"] == "https://schema.org"
        found[data["@type"]] = data
    return found


def meta(page, attr: str, name: str) -> str | None:
    return page.attr(f".//meta[@{attr}='{name}']", "content")


async def test_article_has_news_article_breadcrumbs_and_share_tags(client, site):
    page = await get_page(client, quote(site.urls["story-vi"]))
    data = structured(page)
    article = data["NewsArticle"]
    assert article["headline"] == page.h1
    assert article["inLanguage"] == "vi"
    assert article["url"] == page.canonical
    assert article["datePublished"] == "2026-11-20T01:30:00Z"
    assert article["image"] == [BASE + "/media/tests/bridge.jpg"]
    assert article["keywords"] == ["Giao thông"]
    assert article["publisher"]["@type"] == "GovernmentOrganization"
    crumbs = [step["name"] for step in data["BreadcrumbList"]["itemListElement"]]
    assert crumbs == ["Trang chủ", "Kinh tế", page.h1]
    assert data["BreadcrumbList"]["itemListElement"][-1]["item"] == page.canonical

    assert meta(page, "property", "og:type") == "article"
    assert meta(page, "property", "og:image") == BASE + "/media/tests/bridge.jpg"
    assert meta(page, "property", "og:image:alt") == "Cầu Vàm Cống bắc qua sông Hậu"
    assert meta(page, "property", "og:url") == page.canonical
    assert {e.get("content") for e in page.all(
        ".//meta[@property='og:locale:alternate']")} == {"en_US", "km_KH"}
    assert meta(page, "name", "twitter:card") == "summary_large_image"
    assert meta(page, "name", "twitter:title") == page.h1
    assert meta(page, "property", "article:published_time") == "2026-11-20T01:30:00Z"


async def test_json_ld_cannot_end_its_script_element(client, conn, site):
    def hostile(db):
        return content.save_item(db, ItemInput(
            kind="article", lang="vi", section_key="tin-tuc",
            title="Tin </script><script>alert(1)</script> & <b>đậm</b>",
            summary="Tóm tắt </SCRIPT> có dấu."), status="published")

    item = transaction(conn, hostile)
    page = await get_page(client, quote(item.url))
    assert "alert(1)</script>" not in page.text
    article = structured(page)["NewsArticle"]
    assert article["headline"] == item.title
    assert article["description"] == "Tóm tắt </SCRIPT> có dấu."


async def test_documents_procedures_services_and_home_have_their_types(client, site):
    law = await get_page(client, quote(site.urls["law"]))
    legislation = structured(law)["Legislation"]
    assert legislation["legislationIdentifier"] == "91/2015/QH13"
    assert legislation["legislationLegalForce"] == "InForce"
    assert legislation["legislationDate"] == "2015-11-24"
    assert legislation["legislationPassedBy"]["name"] == "Quốc hội"

    procedure = await get_page(client, "/en/procedures/1.000178")
    service = structured(procedure)["GovernmentService"]
    assert service["identifier"] == "1.000178"
    assert service["provider"]["name"] == "Thanh tra tỉnh"
    assert service["url"] == BASE + "/en/procedures/1.000178"
    assert [s["name"] for s in structured(procedure)["BreadcrumbList"][
        "itemListElement"]][:2] == ["Home", "Procedures"]

    online = await get_page(client, quote(site.urls["service"]))
    channel = structured(online)["GovernmentService"]["availableChannel"]
    assert channel["serviceUrl"].startswith("https://dichvucong.gov.vn/")

    section = structured(await get_page(client, "/en/kinh-te/"))["BreadcrumbList"]
    assert [s["name"] for s in section["itemListElement"]] == ["Home", "Economy"]

    for lang in ("vi", "en", "km"):
        home = await get_page(client, f"/{lang}/")
        data = structured(home)
        assert data["GovernmentOrganization"]["url"] == f"{BASE}/{lang}/"
        assert data["WebSite"]["potentialAction"]["target"] == (
            f"{BASE}/{lang}/search?q={{query}}")


async def _sitemap_urls(client, lang: str) -> dict[str, etree._Element]:
    index = etree.fromstring(await (await client.get("/sitemap.xml")).read())
    urls = {}
    for loc in index.xpath("s:sitemap/s:loc/text()", namespaces=NS):
        if f"/sitemaps/{lang}/" in loc:
            part = etree.fromstring(await (await client.get(loc[len(BASE):])).read())
            for url in part.xpath("s:url", namespaces=NS):
                urls[url.findtext("s:loc", namespaces=NS)] = url
    return urls


async def test_each_language_has_its_sitemap_and_hreflang_agrees(client, site):
    by_lang = {lang: await _sitemap_urls(client, lang) for lang in ("vi", "en", "km")}
    for lang, urls in by_lang.items():
        assert all(unquote(loc).startswith(f"{BASE}/{lang}/") for loc in urls)
    story = {lang: BASE + quote(site.urls[f"story-{lang}"]) for lang in ("vi", "en", "km")}
    for lang, urls in by_lang.items():
        entry = urls[story[lang]]
        listed = {link.get("hreflang"): link.get("href")
                  for link in entry.xpath("x:link", namespaces=NS)}
        assert listed == story | {"x-default": story["vi"]}
        # The page says the same as the sitemap.
        page = await get_page(client, story[lang][len(BASE):])
        assert page.alternates == {code: url for code, url in listed.items()
                                   if code != "x-default"}
    image = by_lang["vi"][story["vi"]].find("i:image", namespaces=NS)
    assert image.findtext("i:loc", namespaces=NS) == BASE + "/media/tests/bridge.jpg"
    assert image.findtext("i:caption", namespaces=NS) == "Cầu Vàm Cống bắc qua sông Hậu"
    assert f"{BASE}/km/about/privacy" in by_lang["km"]


async def test_news_sitemap_lists_the_last_two_days_only(client, conn, site):
    now = datetime.now(UTC)

    def dated(db):
        fresh = content.save_item(db, ItemInput(
            kind="article", lang="km", title="ព័ត៌មានថ្មី", section_key="tin-tuc",
            published_at=(now - timedelta(hours=5)).isoformat()), status="published")
        content.save_item(db, ItemInput(
            kind="article", lang="vi", title="Tin cũ ba ngày", section_key="tin-tuc",
            published_at=(now - timedelta(hours=72)).isoformat()), status="published")
        return fresh

    fresh = transaction(conn, dated)
    response = await client.get("/sitemaps/news.xml")
    assert response.status == 200
    news = etree.fromstring(await response.read())
    urls = news.xpath("s:url", namespaces=NS)
    assert [u.findtext("s:loc", namespaces=NS) for u in urls] == [BASE + quote(fresh.url)]
    assert urls[0].findtext("n:news/n:title", namespaces=NS) == "ព័ត៌មានថ្មី"
    assert urls[0].findtext("n:news/n:publication/n:language", namespaces=NS) == "km"
    robots = await (await client.get("/robots.txt")).text()
    assert f"Sitemap: {BASE}/sitemaps/news.xml" in robots.splitlines()


async def test_short_link_and_qr_code_lead_to_the_item(client, conn, site):
    code = conn.execute("SELECT code FROM short_link WHERE item_id = ?",
                        (site.ids["story-km"],)).fetchone()[0]
    assert await redirect_of(client, f"/s/{code}") == quote(site.urls["story-km"])
    qr = await client.get(f"/s/{code}.svg")
    assert qr.status == 200 and qr.content_type == "image/svg+xml"
    svg = etree.fromstring(await qr.read())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    page = await get_page(client, quote(site.urls["story-km"]))
    assert page.attr(".//input[@id='short-url']", "value") == f"{BASE}/s/{code}"
    assert page.find(".//figure[@class='qr-code']//{http://www.w3.org/2000/svg}svg") \
        is not None or "<svg" in page.text
    draft = conn.execute("SELECT count(*) FROM short_link WHERE item_id = ?",
                         (site.ids["draft"],)).fetchone()[0]
    assert draft == 0
    assert (await client.get("/s/zzzzzz", allow_redirects=False)).status == 404


async def test_share_links_are_plain_links_with_no_outside_script(client, site):
    page = await get_page(client, quote(site.urls["story-vi"]))
    links = {a.get("data-network"): a.get("href")
             for a in page.all(".//ul[@class='share-links']//a")}
    assert set(links) == {"facebook", "x", "zalo", "email"}
    short = page.attr(".//input[@id='short-url']", "value")
    assert links["facebook"].startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert quote(short, safe="") in links["facebook"]
    assert links["email"].startswith("mailto:?subject=")
    scripts = [s.get("src") for s in page.all(".//script[@src]")]
    assert all(src.startswith("/static/") for src in scripts), scripts


async def test_an_edited_slug_keeps_the_old_address_working(client, conn, site):
    old = site.urls["story-vi"]

    def rename(db):
        item = content.get_item(db, site.ids["story-vi"])
        data = ItemInput(kind=item.kind, lang=item.lang, title=item.title,
                         summary=item.summary, body=item.body, section_key="tin-tuc",
                         slug="cau-long-xuyen-rach-gia",
                         translation_group=item.translation_group)
        return content.save_item(db, data, item_id=item.id)

    moved = transaction(conn, rename)
    assert moved.url == "/vi/tin-tuc/cau-long-xuyen-rach-gia"
    assert await redirect_of(client, quote(old)) == moved.url
    await get_page(client, moved.url)
    # A draft that was never published leaves no old address behind.
    assert conn.execute("SELECT count(*) FROM item_address WHERE item_id = ?",
                        (site.ids["draft"],)).fetchone()[0] == 0


async def test_text_site_map_and_the_portals_own_pages_exist_in_every_language(
        client, site):
    for lang in ("vi", "en", "km"):
        page = await get_page(client, f"/{lang}/sitemap")
        links = page.links()
        for path in ("/documents/", "/procedures/", "/about/leaders", "/about/privacy",
                     "/feedback", "/kinh-te/"):
            assert f"/{lang}{path}" in links, (lang, path)
        for about in ("leaders", "organisation", "contacts", "press", "channels",
                      "privacy"):
            about_page = await get_page(client, f"/{lang}/about/{about}")
            assert about_page.lang == lang
            assert about_page.alternates[lang].endswith(f"/{lang}/about/{about}")


async def test_editors_change_an_address_in_the_newsroom(client, conn, site, sign_in):
    admin = await sign_in()
    item_id = site.ids["only-vi"]
    old = site.urls["only-vi"]
    page = await admin.text(f"/admin/items/{item_id}")
    assert 'name="slug" value="duong-tran-hung-dao-duoc-mo-rong"' in page
    revision = conn.execute("SELECT revision FROM item WHERE id = ?",
                            (item_id,)).fetchone()[0]
    response = await admin.post(f"/admin/items/{item_id}", {
        "title": "Đường Trần Hưng Đạo được mở rộng", "section": "tin-tuc",
        "summary": "", "body": "<p>Tuyến đường chính được nâng cấp.</p>",
        "slug": "Mở rộng đường Trần Hưng Đạo", "revision": str(revision)})
    assert response.status == 303
    assert await redirect_of(client, old) == "/vi/tin-tuc/mo-rong-duong-tran-hung-dao"
    await get_page(client, "/vi/tin-tuc/mo-rong-duong-tran-hung-dao")


async def test_a_renamed_document_keeps_its_old_address_under_every_language(
        client, conn, site):
    def rename(db):
        item = content.get_item(db, site.ids["law"])
        data = ItemInput(kind=item.kind, lang=item.lang, title=item.title,
                         summary=item.summary, body=item.body, document={
                             k: item.document[k] for k in ("number", "doc_type",
                                                           "issuer", "issued_at")},
                         slug="bo-luat-dan-su-2015")
        return content.save_item(db, data, item_id=item.id)

    old_slug = site.urls["law"].rsplit("/", 1)[1]
    transaction(conn, rename)
    for lang in ("vi", "en", "km"):
        assert await redirect_of(client, f"/{lang}/documents/{old_slug}") == (
            f"/{lang}/documents/bo-luat-dan-su-2015")
