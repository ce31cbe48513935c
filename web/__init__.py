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

import aiohttp_jinja2
from aiohttp import web

from appliance import about as appliance_about
from appliance.app import CONFIG

from . import (
    about,
    documents,
    dossier,
    home,
    news,
    pageviews,
    procedures,
    redirects,
    root,
    search_page,
    services,
    sharing,
    trust,
)
from .pages import setup_templates

log = logging.getLogger("portal.web")


def setup(app: web.Application) -> None:
    config = app[CONFIG]
    lang = "{lang:(?:" + "|".join(config.languages) + ")}"
    setup_templates(app)
    redirects.setup(app)
    trust.setup(app)
    aiohttp_jinja2.get_env(app).globals.update(
        trust.template_globals(app), about_title=appliance_about.page_title)
    pageviews.setup(app)

    app.middlewares.append(compress_text_files)
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
    add("/s/{code:[0-9A-Za-z]{4,16}}", sharing.short_link)
    add("/s/{code:[0-9A-Za-z]{4,16}}.svg", sharing.short_link_qr)
    add(f"/{lang}/about", root.add_slash)
    add(f"/{lang}/about/", about.about_index)
    add(f"/{lang}/about/{{page}}", about.about_page)
    add(f"/{lang}/sitemap", about.sitemap_page)
    app.router.add_post(f"/{lang}/rate", trust.rate)
    add(f"/{lang}/thanks", trust.thanks)
    add(f"/{lang}/feedback", trust.feedback_page)
    app.router.add_post(f"/{lang}/feedback", trust.send_feedback)
    add(f"/{lang}/feedback/status", trust.feedback_status)
    add(f"/{lang}/questions", trust.questions)
    add(f"/{lang}/{{section}}", news.section_without_slash)
    add(f"/{lang}/{{section}}/", news.section)
    add(f"/{lang}/{{section}}/{{slug}}", news.article)
    log.debug("public site routes registered", extra={"languages": config.languages})


_TEXT_FILES = (".css", ".js", ".svg")


@web.middleware
async def compress_text_files(request: web.Request, handler) -> web.StreamResponse:
    """Stylesheets and scripts go out gzipped to browsers that accept it:
    they are cached for a year, so the work is done about once per reader."""
    response = await handler(request)
    if "/static/" in request.path and request.path.endswith(_TEXT_FILES):
        response.enable_compression()
    return response
