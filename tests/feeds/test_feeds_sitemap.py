"""The sitemap index, its parts and robots.txt."""

from __future__ import annotations

import math

import pytest
from feeds_support import BASE, address, local
from lxml import etree

from appliance.app import DB
from appliance.content import ItemInput, save_item
from feeds.sitemap import OWN_PAGES, URLS_PER_PART

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "x": "http://www.w3.org/1999/xhtml"}


async def fetch_xml(client, path: str) -> etree._Element:
    response = await client.get(path)
    assert response.status == 200, path
    assert response.content_type == "application/xml"
    assert response.charset == "utf-8"
    return etree.fromstring(await response.read())


async def sitemap_urls(client) -> dict[str, etree._Element]:
    """Every <url> of every part, by address."""
    index = await fetch_xml(client, "/sitemap.xml")
    assert index.tag == "{{{}}}sitemapindex".format(NS["s"])
    urls: dict[str, etree._Element] = {}
    for loc in index.xpath("s:sitemap/s:loc/text()", namespaces=NS):
        if loc.endswith("/sitemaps/news.xml"):
            continue  # the news sitemap repeats recent stories on purpose
        part = await fetch_xml(client, local(loc))
        assert part.tag == "{{{}}}urlset".format(NS["s"])
        entries = part.xpath("s:url", namespaces=NS)
        assert 0 < len(entries) <= URLS_PER_PART
        for url in entries:
            loc = url.findtext("s:loc", namespaces=NS)
            assert loc not in urls, f"{loc} is listed twice"
            urls[loc] = url
    return urls


def alternates(url: etree._Element) -> dict[str, str]:
    return {link.get("hreflang"): link.get("href")
            for link in url.xpath("x:link[@rel='alternate']", namespaces=NS)}


async def test_sitemap_lists_every_published_item_and_the_listings(client, news):
    urls = await sitemap_urls(client)
    published = [item for key, item in news.items() if key != "draft"]
    for item in published:
        assert address(item.url) in urls
    assert not any(news["draft"].slug in url for url in urls)
    for lang in ("vi", "en", "km"):
        for path in ("/", "/tin-tuc/", "/thong-bao/", "/documents/", "/procedures/",
                     "/services/", *(f"/{page}" for page in OWN_PAGES)):
            assert f"{BASE}/{lang}{path}" in urls
    assert len(urls) == len(published) + 3 * (6 + len(OWN_PAGES))


async def test_item_urls_carry_their_last_change(client, news):
    urls = await sitemap_urls(client)
    for key, item in news.items():
        if key != "draft":
            lastmod = urls[address(item.url)].findtext("s:lastmod", namespaces=NS)
            assert lastmod == item.updated_at
    assert urls[f"{BASE}/vi/"].find("s:lastmod", namespaces=NS) is None


async def test_translations_point_at_each_other(client, news):
    urls = await sitemap_urls(client)
    expected = {lang: address(news[key].url) for lang, key in
                (("vi", "harvest"), ("en", "harvest_en"), ("km", "harvest_km"))}
    assert expected["km"].isascii()
    for version in expected.values():
        assert alternates(urls[version]) == expected | {"x-default": expected["vi"]}
    assert alternates(urls[address(news["notice"].url)]) == {}
    assert alternates(urls[f"{BASE}/en/"])["km"] == f"{BASE}/km/"


async def test_every_address_in_the_sitemap_resolves(client, sample):
    urls = await sitemap_urls(client)
    assert len(urls) > 50
    for url in urls:
        assert url.startswith(BASE + "/")
        response = await client.get(local(url), allow_redirects=False)
        assert response.status == 200, url


async def test_a_large_site_is_split_into_parts(client):
    def many(conn, count):
        for number in range(count):
            save_item(conn, ItemInput(kind="article", lang="vi",
                                      title=f"Tin thứ {number}", summary="Tin ngắn."),
                      status="published")

    count = URLS_PER_PART + 50
    await client.app[DB].write(many, count)
    index = await fetch_xml(client, "/sitemap.xml")
    locs = index.xpath("s:sitemap/s:loc/text()", namespaces=NS)
    # Home, documents, procedures, services and the portal's own pages, in
    # each language; all the items are Vietnamese.
    listing = 4 + len(OWN_PAGES)
    assert len(locs) == math.ceil((count + listing) / URLS_PER_PART) + 2 + 1 == 5
    assert locs == [f"{BASE}/sitemaps/vi/1.xml", f"{BASE}/sitemaps/vi/2.xml",
                    f"{BASE}/sitemaps/en/1.xml", f"{BASE}/sitemaps/km/1.xml",
                    f"{BASE}/sitemaps/news.xml"]
    urls = await sitemap_urls(client)
    assert len(urls) == count + 3 * listing


@pytest.mark.parametrize("path", ["/sitemaps/0.xml", "/sitemaps/2.xml",
                                  "/sitemaps/99999999999999999999.xml",
                                  "/sitemaps/vi/2.xml", "/sitemaps/vi/0.xml",
                                  "/sitemaps/fr/1.xml"])
async def test_parts_past_the_end_are_not_found(client, news, path):
    response = await client.get(path)
    assert response.status == 404


async def test_sitemap_parts_are_compressed_for_crawlers_that_ask(client, news):
    response = await client.get("/sitemaps/1.xml",
                                headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert etree.fromstring(await response.read()) is not None


async def test_robots_allows_the_site_and_points_at_the_sitemap(client):
    response = await client.get("/robots.txt")
    assert response.status == 200
    assert response.content_type == "text/plain"
    lines = (await response.text()).splitlines()
    assert lines[0] == "User-agent: *"
    for rule in ("Allow: /", "Disallow: /admin", "Disallow: /api/",
                 "Disallow: /vi/search?", "Disallow: /km/search?"):
        assert rule in lines
    assert "Sitemap: http://localhost:8080/sitemap.xml" in lines


async def test_robots_and_sitemap_follow_the_configured_address(client, config, news):
    config.values["site.base_url"] = "https://angiang.gov.vn/"
    robots = await client.get("/robots.txt")
    assert "Sitemap: https://angiang.gov.vn/sitemap.xml" in await robots.text()
    index = await fetch_xml(client, "/sitemap.xml")
    assert index.xpath("s:sitemap/s:loc/text()", namespaces=NS) == [
        f"https://angiang.gov.vn/sitemaps/{lang}/1.xml" for lang in ("vi", "en", "km")
    ] + ["https://angiang.gov.vn/sitemaps/news.xml"]
