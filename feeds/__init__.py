"""Feeds and APIs: what machines read from the portal, and what partners
send in.

RSS, Atom and JSON Feed per language, section, tag and kind (syndication.py),
the sitemap and robots.txt (sitemap.py), the search API (api.py), the read
API (read_api.py), the gate every /api/ call passes (gate.py: rate limits,
CORS, keys), partners and their keys (partners.py, commands.py), the inbound
API (inbound.py), webhooks (webhooks.py), open data (opendata.py), news
widgets (widgets.py), and the OpenAPI document (openapi.py and the *_spec.py
parts) with its page (docs_page.py). Component sites, the mobile app and the
open data portal build on these addresses, so they stay stable.
"""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from . import api, openapi, sitemap, syndication
from . import docs_page, feeds_spec, gate, inbound, opendata, read_api, webhooks
from . import widgets
from .syndication import feed_links, kind_feed_links, tag_feed_links

__all__ = ["feed_links", "kind_feed_links", "setup", "tag_feed_links"]


def setup(app: web.Application) -> None:
    """Register the part's routes; called by the core before the public site's."""
    router = app.router
    app[openapi.OPENAPI_PARTS] = [feeds_spec.describe, opendata.describe]
    router.add_get("/robots.txt", sitemap.robots, name="feeds.robots")
    router.add_get("/sitemap.xml", sitemap.sitemap_index, name="feeds.sitemap")
    router.add_get("/sitemaps/{number:[0-9]+}.xml", sitemap.sitemap_part,
                   name="feeds.sitemap_part")
    router.add_get("/sitemaps/news.xml", sitemap.news_sitemap, name="feeds.sitemap_news")
    router.add_get("/sitemaps/{lang:[a-z]{2}}/{number:[0-9]+}.xml", sitemap.sitemap_part,
                   name="feeds.sitemap_language")
    router.add_get("/api/v1/search", api.search, name="feeds.api_search")
    router.add_get("/api/v1/openapi.json", openapi.openapi, name="feeds.api_openapi")
    router.add_get("/{lang}/feed.xml", syndication.rss, name="feeds.rss")
    router.add_get("/{lang}/atom.xml", syndication.atom, name="feeds.atom")
    router.add_get("/{lang}/feed.json", syndication.json_feed, name="feeds.json")
    # Kind and tag feeds before the section feeds, whose {section} would
    # take "documents" too.
    handlers = {"rss": syndication.rss, "atom": syndication.atom,
                "json": syndication.json_feed}
    for flavour, (file, _mime) in syndication.FLAVOURS.items():
        for folder in syndication.KIND_FOLDERS:
            router.add_get(f"/{{lang}}/{folder}/{file}", handlers[flavour],
                           name=f"feeds.kind_{folder.replace('/', '_')}_{flavour}")
        router.add_get(f"/{{lang}}/tags/{{slug}}/{file}", handlers[flavour],
                       name=f"feeds.tag_{flavour}")
    router.add_get("/{lang}/{section}/feed.xml", syndication.rss,
                   name="feeds.section_rss")
    router.add_get("/{lang}/{section}/atom.xml", syndication.atom,
                   name="feeds.section_atom")
    router.add_get("/{lang}/{section}/feed.json", syndication.json_feed,
                   name="feeds.section_json")
    app.on_response_prepare.append(api.allow_cross_origin)
    gate.setup_gate(app)
    read_api.setup_read_api(app)
    webhooks.setup_webhooks(app)
    inbound.setup_inbound(app)
    opendata.setup_opendata(app)
    widgets.setup_widgets(app)
    docs_page.setup_docs(app)
    static = resources.files(__name__).joinpath("static")
    router.add_static("/feeds/static/", str(static), name="feeds.static")
