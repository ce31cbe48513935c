"""The pages the law expects, from the entries editors keep (appliance.about),
and the text site map for people.

    GET /{lang}/about/              the list of these pages
    GET /{lang}/about/{page}        leaders, organisation, contacts, press,
                                    channels, privacy
    GET /{lang}/sitemap             every section and page of the portal
"""

from __future__ import annotations

import sqlite3
from typing import Any

from aiohttp import web

from appliance import about, content
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.i18n import gettext as _

from . import seo
from .pages import Meta, render, same_page_switch, section_label

ABOUT_ORDER = ("leaders", "organisation", "contacts", "press", "channels", "privacy")


def _about_page(conn: sqlite3.Connection, page: str, lang: str) -> dict[str, Any]:
    found = about.entries(conn, page, lang)
    shown_lang = lang
    if not found and lang != "vi":
        # Not written in this language yet: the Vietnamese entries, marked so.
        found, shown_lang = about.entries(conn, page, "vi"), "vi"
    return {"entries": found, "entries_lang": shown_lang,
            "tree": about.organisation_tree(found) if page == "organisation" else []}


@cached
async def about_index(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    config = request.app[CONFIG]
    path = f"/{lang}/about/"
    meta = Meta(title=_("About the portal"),
                description=_("Who runs %(site)s, how to reach them, and how the portal "
                              "treats personal data.", site=config.site_name(lang)),
                path=path, area="about",
                alternates={code: f"/{code}/about/" for code in config.languages},
                switch=same_page_switch(config, lang, path),
                structured=[seo.breadcrumbs(config, lang, _("Home"),
                                            [(_("About the portal"), path)])])
    pages = [(page, about.page_title(page)) for page in ABOUT_ORDER]
    return await render(request, "web/about_index.html", {"pages": pages}, meta)


@cached
async def about_page(request: web.Request) -> web.Response:
    lang, page = request.match_info["lang"], request.match_info["page"]
    if page not in about.PAGES:
        raise web.HTTPNotFound()
    config = request.app[CONFIG]
    data = await request.app[DB].read(_about_page, page, lang)
    path = f"/{lang}/about/{page}"
    title = _(about.page_title(page))
    structured = [seo.breadcrumbs(config, lang, _("Home"), [
        (_("About the portal"), f"/{lang}/about/"), (title, path)])]
    if page in ("contacts", "press", "leaders", "channels"):
        structured.append({"@context": seo.CONTEXT} | seo.organisation(config, lang))
    meta = Meta(title=title,
                description=_("%(page)s – %(owner)s", page=title,
                              owner=config.site_owner(lang)),
                path=path, area="about",
                alternates={code: f"/{code}/about/{page}" for code in config.languages},
                switch=same_page_switch(config, lang, path), structured=structured)
    return await render(request, "web/about_page.html",
                        data | {"page": page, "fields": dict(
                            (f.name, f) for f in about.PAGES[page][1]),
                            "channel_labels": about.CHANNEL_LABELS}, meta)


def _sitemap(conn: sqlite3.Connection, lang: str) -> dict[str, Any]:
    counts = content.section_counts(conn, lang)
    sections = []
    for section in content.list_sections(conn):
        if counts.get(section.id):
            name, name_lang = section_label(section, lang)
            sections.append((section.key, name, name_lang, counts[section.id]))
    return {"site_sections": sections}


@cached
async def sitemap_page(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    config = request.app[CONFIG]
    data = await request.app[DB].read(_sitemap, lang)
    path = f"/{lang}/sitemap"
    meta = Meta(title=_("Site map"),
                description=_("Every part of %(site)s on one page.",
                              site=config.site_name(lang)),
                path=path, area="sitemap",
                alternates={code: f"/{code}/sitemap" for code in config.languages},
                switch=same_page_switch(config, lang, path))
    pages = [(page, about.page_title(page)) for page in ABOUT_ORDER]
    return await render(request, "web/sitemap.html", data | {"about_pages": pages}, meta)
