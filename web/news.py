"""News: section pages, tag pages and article pages."""

from __future__ import annotations

import sqlite3
from typing import Any

from aiohttp import web

from appliance import content, media_store
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.i18n import LANGUAGES
from appliance.i18n import gettext as _
from feeds import feed_links, tag_feed_links

from . import related as related_items
from . import seo, sharing
from .pages import (
    Meta,
    Pagination,
    default_switch,
    describe,
    no_version_notes,
    page_number,
    render,
    same_page_switch,
    section_label,
)

RELATED = 5


# -- sections -----------------------------------------------------------------


def _section_page(
    conn: sqlite3.Connection, key: str, lang: str, page: int, per_page: int
) -> dict[str, Any] | None:
    section = content.get_section(conn, key)
    if section is None:
        return None
    total = content.count_items(conn, lang=lang, section_id=section.id)
    paging = Pagination(page, per_page, total).check()
    items = content.list_items(
        conn, lang=lang, section_id=section.id, limit=per_page, offset=paging.offset
    )
    # hreflang alternates only name languages in which the section has news.
    languages = [
        code
        for code in LANGUAGES
        if content.count_items(conn, lang=code, section_id=section.id)
    ]
    return {
        "section": section,
        "items": items,
        "paging": paging,
        "languages": languages,
    }


@cached
async def section(request: web.Request) -> web.Response:
    lang, key = request.match_info["lang"], request.match_info["section"]
    config = request.app[CONFIG]
    data = await request.app[DB].read(
        _section_page, key, lang, page_number(request), config["content.page_size"]
    )
    if data is None:
        raise web.HTTPNotFound()

    name, _name_lang = section_label(data["section"], lang)
    path = f"/{lang}/{key}/"
    paging = data["paging"]
    meta = Meta(
        title=_("%(section)s, page %(page)s", section=name, page=paging.page)
        if paging.page > 1
        else name,
        description=_(
            "The latest news in %(section)s from %(site)s.",
            section=name,
            site=config.site_name(lang),
        ),
        path=path,
        query={"page": paging.page},
        alternates={
            code: f"/{code}/{key}/"
            for code in data["languages"]
            if code in config.languages and len(data["languages"]) > 1
        },
        switch=same_page_switch(config, lang, path),
        area=key,
        feeds=feed_links(lang, key, name),
        structured=[seo.breadcrumbs(config, lang, _("Home"), [(name, path)])],
    )
    return await render(request, "web/section.html", data, meta)


async def section_without_slash(request: web.Request) -> web.Response:
    """/vi/tin-tuc leads to /vi/tin-tuc/ when that section exists."""
    key = request.match_info["section"]
    if await request.app[DB].read(content.get_section, key) is None:
        raise web.HTTPNotFound()
    raise web.HTTPMovedPermanently(str(request.rel_url.with_path(request.path + "/")))


# -- tags ---------------------------------------------------------------------


def _tag_page(
    conn: sqlite3.Connection, lang: str, slug: str, page: int, per_page: int
) -> dict[str, Any] | None:
    tag = content.find_tag(conn, lang, slug)
    if tag is None:
        return None
    total = content.count_items(conn, lang=lang, tag_id=tag.id)
    if total == 0:
        return None
    paging = Pagination(page, per_page, total).check()
    items = content.list_items(
        conn, lang=lang, tag_id=tag.id, limit=per_page, offset=paging.offset
    )
    return {"tag": tag, "items": items, "paging": paging}


@cached
async def tag(request: web.Request) -> web.Response:
    lang, slug = request.match_info["lang"], request.match_info["slug"]
    config = request.app[CONFIG]
    data = await request.app[DB].read(
        _tag_page, lang, slug, page_number(request), config["content.page_size"]
    )
    if data is None:
        raise web.HTTPNotFound()

    name = data["tag"].name
    meta = Meta(
        title=_("Topic: %(tag)s", tag=name),
        description=_(
            "News on %(tag)s from %(site)s.", tag=name, site=config.site_name(lang)
        ),
        path=f"/{lang}/tags/{slug}",
        query={"page": data["paging"].page},
        switch=default_switch(config, lang, request.path),
        feeds=tag_feed_links(lang, slug, name),
    )
    return await render(request, "web/tag.html", data, meta)


# -- articles -----------------------------------------------------------------


def _article_page(
    conn: sqlite3.Connection, lang: str, slug: str
) -> dict[str, Any] | None:
    item = content.find_item(conn, lang, slug)
    if item is None:
        return None
    return article_context(conn, item)


def article_context(conn: sqlite3.Connection, item: content.Item) -> dict[str, Any]:
    """What the article template shows besides the frame; the newsroom's
    preview renders unpublished items through this too."""
    related = related_items.related_to(conn, item, RELATED)
    section = content.get_section(conn, item.section_key) if item.section_key else None
    # Imported news often repeats its lead as the whole body: show it once.
    lead_repeated = " ".join(item.text.split()).startswith(
        " ".join(item.summary.split())
    )
    return {
        "item": item,
        "section": section,
        "related": related,
        "same_section": bool(related) and all(
            other.section_id == item.section_id for other in related),
        "show_summary": bool(item.summary) and not lead_repeated,
        "translations": content.translations_of(conn, item),
        "variants": media_store.variants_for(conn, [item.lead_image_id]),
    }


@cached
async def article(request: web.Request) -> web.Response:
    lang, slug = request.match_info["lang"], request.match_info["slug"]
    config = request.app[CONFIG]
    data = await request.app[DB].read(_article_page, lang, slug)
    if data is None:
        raise web.HTTPNotFound()
    item = data["item"]
    if request.path != item.url:
        # Addresses printed with an old or wrong section still reach the story.
        raise web.HTTPMovedPermanently(item.url)

    translations = data["translations"]
    switch = default_switch(config, lang, item.url)
    switch |= {
        code: other.url
        for code, other in translations.items()
        if code in config.languages
    }
    alternates = {code: other.url for code, other in translations.items()}
    meta = Meta(
        title=item.title,
        description=describe(item),
        path=item.url,
        alternates=(alternates | {lang: item.url}) if alternates else {},
        switch=switch,
        switch_notes=no_version_notes(config, lang, translations),
        og_type="article",
        area=item.section_key or "",
        image=item.lead_image.url if item.lead_image else None,
        image_alt=item.lead_image.alt if item.lead_image else "",
        published=item.published_at,
        modified=item.updated_at,
        rating_target=request.path,
        structured=[seo.article(config, item),
                    seo.breadcrumbs(config, lang, _("Home"), _article_trail(data))],
    )
    data |= await request.app[DB].read(sharing.sharing_context, config, item)
    return await render(request, "web/article.html", data, meta)


def _article_trail(data: dict[str, Any]) -> list[tuple[str, str]]:
    item, section = data["item"], data["section"]
    trail = []
    if section is not None:
        name, _lang = section_label(section, item.lang)
        trail.append((name, f"/{item.lang}/{section.key}/"))
    return trail + [(item.title, item.url)]
