"""An item's public page built from an Item object rather than an address:
the newsroom's preview and the review links show unpublished versions with
the same templates, data and stylesheet as the published page.

The caller wraps the page (a banner, noindex); this module only decides which
public template an item uses and fills it as the public handlers do.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from aiohttp import web

from appliance import content, i18n
from appliance.app import CONFIG, DB

from .documents import document_context
from .news import article_context
from .pages import Meta, default_switch, describe, no_version_notes, render
from .procedures import procedure_context
from .services import service_context

TEMPLATES = {
    "article": "web/article.html",
    "disclosure": "web/article.html",
    "directive": "web/document.html",
    "legal_document": "web/document.html",
    "procedure": "web/procedure.html",
    "public_service": "web/service.html",
}
AREAS = {
    "directive": "documents",
    "legal_document": "documents",
    "procedure": "procedures",
    "public_service": "services",
}


def page_context(conn: sqlite3.Connection, item: content.Item) -> dict[str, Any]:
    """What the item's public template shows besides the frame."""
    if item.kind in content.DOCUMENT_KINDS:
        return document_context(conn, item)
    if item.kind == "procedure":
        return procedure_context(conn, item)
    if item.kind == "public_service":
        return service_context(conn, item, item.lang)
    return article_context(conn, item)


def page_meta(
    config, item: content.Item, translations: dict[str, content.Item]
) -> Meta:
    """The head and language switcher of the item's public page."""
    number = (item.document or {}).get("number")
    title = item.title
    if number and number not in item.title:
        title = f"{number} · {item.title}"
    switch = default_switch(config, item.lang, item.url)
    switch |= {
        code: other.url
        for code, other in translations.items()
        if code in config.languages
    }
    return Meta(
        title=title,
        description=describe(item),
        path=item.url,
        switch=switch,
        switch_notes=no_version_notes(config, item.lang, translations),
        og_type="article",
        area=AREAS.get(item.kind, item.section_key or ""),
        image=item.lead_image.url if item.lead_image else None,
    )


async def render_item(
    request: web.Request, item: content.Item, template: str, extra: dict[str, Any]
) -> web.Response:
    """Render `template` (which extends the item's public template, named
    `public_template` in its context) with the item's public page data.

    The page is in the item's language, as readers will see it: anything the
    caller wants in another language must be translated before this call."""
    i18n.set_language(item.lang)
    data = await request.config_dict[DB].read(page_context, item)
    meta = page_meta(request.config_dict[CONFIG], item, data.get("translations", {}))
    context = data | extra | {"public_template": TEMPLATES[item.kind]}
    return await render(request, template, context, meta, lang=item.lang)
