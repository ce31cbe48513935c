"""The sitemaps and robots.txt, for search engines.

/sitemap.xml is a sitemap index. It lists one sitemap per language, in parts
of at most URLS_PER_PART addresses (/sitemaps/vi/1.xml, /sitemaps/vi/2.xml,
...), so a site of 100,000 items and more stays within the protocol's limits,
and a news sitemap of the stories of the last two days (/sitemaps/news.xml).
A language's part 1 starts with its listing pages (home, sections,
documents, procedures, services and the portal's own pages); its published
items follow in id order, so an item keeps its part as the site grows. Items
with a lead image carry an image entry. Every address names its language
versions (hreflang), the same in each language's sitemap.

The parts of every language together (/sitemaps/1.xml, ...) are still
served for crawlers that learnt them from earlier releases.

The reads here take only the columns an address needs, never the bodies.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.config import Config
from appliance.content import (lead_images, list_sections, published_addresses,
                               published_ids, recent_news, translation_addresses)

from .links import absolute_url

URLS_PER_PART = 10_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
XML_TYPE = "application/xml"
LISTINGS = ("documents", "procedures", "services")
# The portal's own pages (web.about, web.trust), in every language.
OWN_PAGES = ("about/", "about/leaders", "about/organisation", "about/contacts",
             "about/press", "about/channels", "about/privacy", "sitemap", "questions",
             "feedback")
NEWS_HOURS = 48


@dataclass
class Page:
    path: str
    lastmod: str | None = None
    # (hreflang, path) of every language version, this one included.
    alternates: list[tuple[str, str]] = field(default_factory=list)
    # (address, text alternative) of the page's lead image.
    image: tuple[str, str] | None = None


# -- reading ------------------------------------------------------------------

def listing_pages(conn: sqlite3.Connection, languages: list[str],
                  only: str | None = None) -> list[Page]:
    """Home, section and kind listings, in every language (or in `only`);
    each is a folder under the language's home (/vi/, /vi/tin-tuc/,
    /vi/documents/). A language's sitemap adds the portal's own pages."""
    folders = ["", *(f"{section.key}/" for section in list_sections(conn)),
               *(f"{name}/" for name in LISTINGS)]
    if only is not None:
        folders += OWN_PAGES
    pages = []
    for folder in folders:
        versions = [(lang, f"/{lang}/{folder}") for lang in languages]
        pages += [Page(path, alternates=versions) for lang, path in versions
                  if only is None or lang == only]
    return pages


def item_pages(conn: sqlite3.Connection, languages: list[str], first: int,
               last: int, only: str | None = None) -> list[Page]:
    """The published items with ids from first to last (in `only`, when
    given), with their translations and lead images."""
    versions = translation_addresses(conn, languages, first, last)
    found = published_addresses(conn, [only] if only else languages, first, last)
    images = lead_images(conn, [item_id for item_id, _url, _at in found]) if only else {}
    return [Page(url, updated_at, versions.get(item_id, []),
                 (images[item_id].url, images[item_id].alt) if item_id in images else None)
            for item_id, url, updated_at in found]


@dataclass
class Plan:
    """How the addresses divide into parts."""
    listing: list[Page]
    ids: list[int]

    @property
    def parts(self) -> int:
        total = len(self.listing) + len(self.ids)
        return max(1, -(-total // URLS_PER_PART))


def read_plan(conn: sqlite3.Connection, languages: list[str],
              only: str | None = None) -> Plan:
    return Plan(listing_pages(conn, languages, only),
                published_ids(conn, [only] if only else languages))


def read_plans(conn: sqlite3.Connection, languages: list[str]) -> dict[str, Plan]:
    """Each language's sitemap plan."""
    return {lang: read_plan(conn, languages, lang) for lang in languages}


def read_part(conn: sqlite3.Connection, languages: list[str], number: int,
              only: str | None = None) -> list[Page] | None:
    """The pages of part `number` (from 1) of one language's sitemap (or of
    all languages together); None past the last part."""
    plan = read_plan(conn, languages, only)
    if not 1 <= number <= plan.parts:
        return None
    start, end = (number - 1) * URLS_PER_PART, number * URLS_PER_PART
    pages = plan.listing[start:end]
    offset = len(plan.listing)
    ids = plan.ids[max(0, start - offset):max(0, end - offset)]
    if ids:
        pages += item_pages(conn, languages, ids[0], ids[-1], only)
    return pages


# -- writing ------------------------------------------------------------------

def render_index(base_url: str, parts: dict[str, int]) -> str:
    """The index: each language's parts, then the news sitemap."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<sitemapindex xmlns="{SITEMAP_NS}">']
    for lang, count in parts.items():
        for number in range(1, count + 1):
            loc = escape(absolute_url(base_url, f"/sitemaps/{lang}/{number}.xml"))
            lines.append(f"<sitemap><loc>{loc}</loc></sitemap>")
    loc = escape(absolute_url(base_url, "/sitemaps/news.xml"))
    lines.append(f"<sitemap><loc>{loc}</loc></sitemap>")
    lines.append("</sitemapindex>")
    return "\n".join(lines) + "\n"


def render_part(base_url: str, pages: list[Page], default_language: str) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}"'
             f' xmlns:image="{IMAGE_NS}">']
    lines += [_url(base_url, page, default_language) for page in pages]
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def render_news(base_url: str, news: list[tuple[str, str, str, str]],
                site_names: dict[str, str]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">']
    for path, title, lang, published_at in news:
        lines.append(
            f"<url><loc>{escape(absolute_url(base_url, path))}</loc><news:news>"
            f"<news:publication><news:name>{escape(site_names[lang])}</news:name>"
            f"<news:language>{lang}</news:language></news:publication>"
            f"<news:publication_date>{escape(published_at)}</news:publication_date>"
            f"<news:title>{escape(title)}</news:title></news:news></url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _url(base_url: str, page: Page, default_language: str) -> str:
    parts = [f"<url><loc>{escape(absolute_url(base_url, page.path))}</loc>"]
    if page.lastmod:
        parts.append(f"<lastmod>{escape(page.lastmod)}</lastmod>")
    languages = dict(page.alternates) if len(page.alternates) > 1 else {}
    if default_language in languages:
        languages["x-default"] = languages[default_language]
    for lang, path in languages.items():
        href = quoteattr(absolute_url(base_url, path))
        parts.append(f'<xhtml:link rel="alternate" hreflang="{lang}" href={href}/>')
    if page.image:
        loc, alt = page.image
        parts.append(f"<image:image><image:loc>{escape(absolute_url(base_url, loc))}"
                     f"</image:loc><image:caption>{escape(alt)}</image:caption>"
                     "</image:image>")
    parts.append("</url>")
    return "".join(parts)


# -- handlers -----------------------------------------------------------------

@cached
async def sitemap_index(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    plans = await request.app[DB].read(read_plans, config.languages)
    parts = {lang: plan.parts for lang, plan in plans.items()}
    return _xml(render_index(config.base_url, parts))


async def sitemap_part(request: web.Request) -> web.Response:
    # Not kept in the page cache: a part runs to megabytes, and crawlers
    # fetch it rarely. Compression makes it a fraction of that on the wire.
    config = request.app[CONFIG]
    number = int(request.match_info["number"])
    lang = request.match_info.get("lang")
    if lang is not None and lang not in config.languages:
        raise web.HTTPNotFound()
    body = await request.app[DB].read(part_document, config, number, lang)
    if body is None:
        raise web.HTTPNotFound()
    response = _xml(body)
    response.headers["Cache-Control"] = f"public, max-age={config['cache.max_age']}"
    response.enable_compression()
    return response


def part_document(conn: sqlite3.Connection, config: Config, number: int,
                  lang: str | None = None) -> bytes | None:
    """Part `number` as XML, built on the reader's thread: 10,000 addresses
    take tens of milliseconds to write, too long for the event loop."""
    pages = read_part(conn, config.languages, number, lang)
    if pages is None:
        return None
    text = render_part(config.base_url, pages, config.default_language)
    return text.encode("utf-8")


@cached
async def news_sitemap(request: web.Request) -> web.Response:
    """News of the last two days, for news search engines."""
    config = request.app[CONFIG]
    since = (datetime.now(UTC) - timedelta(hours=NEWS_HOURS)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    news = await request.app[DB].read(recent_news, config.languages, since)
    names = {lang: config.site_name(lang) for lang in config.languages}
    return _xml(render_news(config.base_url, news, names))


def _xml(body: str | bytes) -> web.Response:
    if isinstance(body, str):
        body = body.encode("utf-8")
    return web.Response(body=body, content_type=XML_TYPE, charset="utf-8")


@cached
async def robots(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    return web.Response(text=render_robots(config), content_type="text/plain",
                        charset="utf-8")


def render_robots(config: Config) -> str:
    """Crawl the public site; leave the newsroom, the API and search results
    alone (result pages are endless and repeat what the sitemap lists)."""
    lines = ["User-agent: *", "Allow: /", "Disallow: /admin", "Disallow: /api/"]
    lines += [f"Disallow: /{lang}/search?" for lang in config.languages]
    lines += ["", f"Sitemap: {absolute_url(config.base_url, '/sitemap.xml')}",
              f"Sitemap: {absolute_url(config.base_url, '/sitemaps/news.xml')}"]
    return "\n".join(lines) + "\n"
