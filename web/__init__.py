"""The public site: home, sections, tags, articles, documents, procedures,
online public services and search, in every configured language.

Addresses are printed on posters and kept for years (see docs/architecture.md):
/{lang}/ and the pages under it. The article route is a catch-all over
/{lang}/{section}/{slug}, so this part is set up last and registers its most
specific routes first.
"""

from __future__ import annotations

import logging
from importlib import resources

from aiohttp import web

from appliance.app import CONFIG

from . import (
    documents,
    dossier,
    home,
    news,
    procedures,
    redirects,
    root,
    search_page,
    services,
)
from .pages import setup_templates

log = logging.getLogger("portal.web")


def setup(app: web.Application) -> None:
    config = app[CONFIG]
    lang = "{lang:(?:" + "|".join(config.languages) + ")}"
    setup_templates(app)
    redirects.setup(app)

    static = resources.files("web").joinpath("static")
    app.router.add_static("/static/", str(static), name="static")

    add = app.router.add_get
    add("/", root.choose_language)
    add(f"/{lang}", root.language_home)
    add(f"/{lang}/", home.home)
    add(f"/{lang}/search", search_page.search)
    dossier.setup(app, lang)
    add(f"/{lang}/documents", root.add_slash)
    add(f"/{lang}/documents/", documents.listing)
    add(f"/{lang}/documents/{{slug}}", documents.document)
    add(f"/{lang}/procedures", root.add_slash)
    add(f"/{lang}/procedures/", procedures.listing)
    add(f"/{lang}/procedures/{{code}}", procedures.procedure)
    add(f"/{lang}/services", root.add_slash)
    add(f"/{lang}/services/", services.listing)
    add(f"/{lang}/services/{{slug}}", services.service)
    add(f"/{lang}/tags/{{slug}}", news.tag)
    add(f"/{lang}/{{section}}", news.section_without_slash)
    add(f"/{lang}/{{section}}/", news.section)
    add(f"/{lang}/{{section}}/{{slug}}", news.article)
    log.debug("public site routes registered", extra={"languages": config.languages})
