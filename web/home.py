"""The home page of each language: the lead stories, the latest news of every
section, the latest documents, and the ways into procedures and services."""

from __future__ import annotations

import sqlite3
from typing import Any

from aiohttp import web

from appliance import content, media_store, navigation
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.i18n import gettext as _

from . import seo
from .pages import Meta, render, section_label
from .services import shown_language

LEAD = 5
LATEST = 6
PER_SECTION = 4
DOCUMENTS = 6


def _lead_stories(conn: sqlite3.Connection, lang: str) -> list[content.Item]:
    """Without stories chosen by editors: the featured news, else the newest."""
    lead = content.list_items(
        conn, lang=lang, kinds=content.NEWS_KINDS, featured=True, limit=LEAD
    )
    if not lead:
        lead = content.list_items(conn, lang=lang, kinds=content.NEWS_KINDS, limit=LEAD)
    return lead


def _home_page(conn: sqlite3.Connection, lang: str) -> dict[str, Any]:
    # Stories editors chose (newsroom.homepage) come first when there are any.
    chosen = navigation.home_blocks(conn, lang)
    lead = chosen["featured"] or _lead_stories(conn, lang)
    highlighted = chosen["highlighted"]
    shown = [item.id for item in lead + highlighted]
    latest = content.list_items(
        conn,
        lang=lang,
        kinds=content.NEWS_KINDS,
        exclude_ids=shown,
        limit=LATEST,
        with_images=False,
    )

    blocks = []
    for section in content.list_sections(conn):
        items = content.list_items(
            conn, lang=lang, section_id=section.id, limit=PER_SECTION
        )
        if items:
            name, name_lang = section_label(section, lang)
            blocks.append(
                {
                    "section": section,
                    "name": name,
                    "name_lang": name_lang,
                    "items": items,
                }
            )

    documents_lang = shown_language(conn, lang, content.DOCUMENT_KINDS)
    pictured = lead + highlighted + [b["items"][0] for b in blocks]
    return {
        "lead": lead,
        "highlighted": highlighted,
        "variants": media_store.variants_for(
            conn, [item.lead_image_id for item in pictured]
        ),
        "latest": latest,
        "blocks": blocks,
        "documents": content.list_items(
            conn,
            lang=documents_lang,
            kinds=content.DOCUMENT_KINDS,
            limit=DOCUMENTS,
            with_images=False,
        ),
        "counts": {
            "documents": content.count_items(
                conn, lang=documents_lang, kinds=content.DOCUMENT_KINDS
            ),
            "procedures": content.count_items(
                conn,
                lang=shown_language(conn, lang, ("procedure",)),
                kinds=("procedure",),
            ),
            "services": content.count_items(
                conn,
                lang=shown_language(conn, lang, ("public_service",)),
                kinds=("public_service",),
            ),
        },
    }


@cached
async def home(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    config = request.app[CONFIG]
    data = await request.app[DB].read(_home_page, lang)
    meta = Meta(
        title=config.site_name(lang),
        description=_(
            "The official portal of %(owner)s: news, legal documents, "
            "administrative procedures and online public services.",
            owner=config.site_owner(lang),
        ),
        path=f"/{lang}/",
        alternates={code: f"/{code}/" for code in config.languages},
        switch={code: f"/{code}/" for code in config.languages},
        area="home",
        structured=seo.home(config, lang),
    )
    return await render(request, "web/home.html", data, meta)
