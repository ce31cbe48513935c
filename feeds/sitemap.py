"""The sitemap and robots.txt, for search engines.

/sitemap.xml is a sitemap index; the addresses themselves are in parts,
/sitemaps/1.xml, /sitemaps/2.xml, ..., of at most URLS_PER_PART each, so a
site of 100,000 items and more stays within the protocol's limits. Part 1
starts with the listing pages (home, sections, documents, procedures and
services) in every language; the published items follow in id order, so an
item keeps its part as the site grows.

The reads here take only the columns an address needs, never the bodies.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.config import Config
from appliance.content import (list_sections, published_addresses, published_ids,
                               translation_addresses)

from .links import absolute_url

URLS_PER_PART = 10_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_TYPE = "application/xml"
LISTINGS = ("documents", "procedures", "services")


@dataclass
class Page:
    path: str
    lastmod: str | None = None
    # (hreflang, path) of every language version, this one included.
    alternates: list[tuple[str, str]] = field(default_factory=list)


# -- reading ------------------------------------------------------------------

def listing_pages(conn: sqlite3.Connection, languages: list[str]) -> list[Page]:
    """Home, section and kind listings, in every language; each is a folder
    under the language's home (/vi/, /vi/tin-tuc/, /vi/documents/)."""
    folders = ["", *(f"{section.key}/" for section in list_sections(conn)),
               *(f"{name}/" for name in LISTINGS)]
    pages = []
    for folder in folders:
        versions = [(lang, f"/{lang}/{folder}") for lang in languages]
        pages += [Page(path, alternates=versions) for _lang, path in versions]
    return pages


def item_pages(conn: sqlite3.Connection, languages: list[str], first: int,
               last: int) -> list[Page]:
    """The published items with ids from first to last, with their translations."""
    versions = translation_addresses(conn, languages, first, last)
    return [Page(url, updated_at, versions.get(item_id, []))
            for item_id, url, updated_at in published_addresses(conn, languages,
                                                                 first, last)]


@dataclass
class Plan:
    """How the addresses divide into parts."""
    listing: list[Page]
    ids: list[int]

    @property
    def parts(self) -> int:
        total = len(self.listing) + len(self.ids)
        return max(1, -(-total // URLS_PER_PART))


def read_plan(conn: sqlite3.Connection, languages: list[str]) -> Plan:
    return Plan(listing_pages(conn, languages), published_ids(conn, languages))


def read_part(conn: sqlite3.Connection, languages: list[str],
              number: int) -> list[Page] | None:
    """The pages of part `number` (from 1); None past the last part."""
    plan = read_plan(conn, languages)
    if not 1 <= number <= plan.parts:
        return None
    start, end = (number - 1) * URLS_PER_PART, number * URLS_PER_PART
    pages = plan.listing[start:end]
    offset = len(plan.listing)
    ids = plan.ids[max(0, start - offset):max(0, end - offset)]
    if ids:
        pages += item_pages(conn, languages, ids[0], ids[-1])
    return pages


# -- writing ------------------------------------------------------------------

def render_index(base_url: str, parts: int) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<sitemapindex xmlns="{SITEMAP_NS}">']
    for number in range(1, parts + 1):
        loc = escape(absolute_url(base_url, f"/sitemaps/{number}.xml"))
        lines.append(f"<sitemap><loc>{loc}</loc></sitemap>")
    lines.append("</sitemapindex>")
    return "\n".join(lines) + "\n"


def render_part(base_url: str, pages: list[Page], default_language: str) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">']
    lines += [_url(base_url, page, default_language) for page in pages]
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
    parts.append("</url>")
    return "".join(parts)


# -- handlers -----------------------------------------------------------------

@cached
async def sitemap_index(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    plan = await request.app[DB].read(read_plan, config.languages)
    return _xml(render_index(config.base_url, plan.parts))


async def sitemap_part(request: web.Request) -> web.Response:
    # Not kept in the page cache: a part runs to megabytes, and crawlers
    # fetch it rarely. Compression makes it a fraction of that on the wire.
    config = request.app[CONFIG]
    number = int(request.match_info["number"])
    body = await request.app[DB].read(part_document, config, number)
    if body is None:
        raise web.HTTPNotFound()
    response = _xml(body)
    response.headers["Cache-Control"] = f"public, max-age={config['cache.max_age']}"
    response.enable_compression()
    return response


def part_document(conn: sqlite3.Connection, config: Config,
                  number: int) -> bytes | None:
    """Part `number` as XML, built on the reader's thread: 10,000 addresses
    take tens of milliseconds to write, too long for the event loop."""
    pages = read_part(conn, config.languages, number)
    if pages is None:
        return None
    text = render_part(config.base_url, pages, config.default_language)
    return text.encode("utf-8")


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
    lines += ["", f"Sitemap: {absolute_url(config.base_url, '/sitemap.xml')}"]
    return "\n".join(lines) + "\n"
