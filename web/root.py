"""Redirects into the site: `/` to a language, and addresses missing their
final slash to the ones that have it."""

from __future__ import annotations

from aiohttp import web

from appliance.app import CONFIG
from appliance.i18n import negotiate


async def choose_language(request: web.Request) -> web.Response:
    """`/` leads to the reader's language (Accept-Language), else the default.

    The answer depends on a request header, so caches are told so (Vary).
    """
    config = request.app[CONFIG]
    lang = negotiate(request.headers.get("Accept-Language"), config.languages)
    raise web.HTTPFound(
        f"/{lang}/", headers={"Vary": "Accept-Language", "Cache-Control": "no-cache"}
    )


async def language_home(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently(f"/{request.match_info['lang']}/")


async def add_slash(request: web.Request) -> web.Response:
    """/vi/documents to /vi/documents/, keeping the query."""
    location = request.rel_url.with_path(request.path + "/")
    raise web.HTTPMovedPermanently(str(location))
