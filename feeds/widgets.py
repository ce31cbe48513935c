"""Embeddable widgets: the latest news of a section, in one language, for
component sites to show in an iframe.

    GET /widgets/{lang}/              the latest news of every section
    GET /widgets/{lang}/{section}     the latest news of one section
        ?limit=N (1 to 20, default 5)

These are the only pages that may be framed, and only by the component-site
origins an administrator lists in widgets.origins (the CSP's
frame-ancestors); every other page keeps frame-ancestors 'none'. The page is
plain HTML and CSS from this site, no script at all; its links open the
story on the portal in a new tab. Editors copy the iframe snippet from the
newsroom (newsroom.widgets).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from appliance import content
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.config import Config
from appliance.errors import NotFoundError, UserError
from appliance.i18n import N_, lazy_gettext_for
from appliance.i18n import gettext as _
from appliance.i18n import set_language
from appliance.security import PUBLIC_CSP

from .links import absolute_url

PREFIX = "/widgets"
DEFAULT_LIMIT = 5
MAX_LIMIT = 20
_LIMIT = re.compile(r"[0-9]{1,2}")


def frame_policy(origins: list[str]) -> str:
    """The public CSP, with these origins (and the portal itself, for the
    newsroom's preview) allowed to frame the page."""
    allowed = " ".join(["'self'", *origins])
    return PUBLIC_CSP.replace("frame-ancestors 'none'", f"frame-ancestors {allowed}")


def widget_path(lang: str, section_key: str | None, limit: int = DEFAULT_LIMIT) -> str:
    path = f"{PREFIX}/{lang}/" + (section_key or "")
    return path + (f"?limit={limit}" if limit != DEFAULT_LIMIT else "")


def snippet(config: Config, lang: str, section: content.Section | None,
            limit: int = DEFAULT_LIMIT) -> str:
    """The iframe an editor pastes into a component site's page."""
    path, _mark, query = widget_path(lang, section.key if section else None,
                                     limit).partition("?")
    src = absolute_url(config.base_url, path) + (f"?{query}" if query else "")
    title = _widget_title(config, lang, section)
    height = 90 + 64 * limit
    return (f'<iframe src="{src}" title="{_attr(title)}" width="100%" '
            f'height="{height}" loading="lazy" style="border:0"></iframe>')


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _widget_title(config: Config, lang: str, section: content.Section | None) -> str:
    """In the widget's language, whatever the language of the page asking."""
    site = config.site_name(lang)
    if section is None:
        return lazy_gettext_for(lang, N_("Latest news – %(site)s"), site=site)
    return lazy_gettext_for(lang, N_("%(section)s – %(site)s"),
                            section=section.name(lang), site=site)


@dataclass
class WidgetData:
    section: content.Section | None
    items: list[content.Item]


def read_widget(conn: sqlite3.Connection, lang: str, section_key: str | None,
                limit: int) -> WidgetData | None:
    section = None
    if section_key is not None:
        section = content.get_section(conn, section_key)
        if section is None:
            return None
    items = content.list_items(conn, lang=lang, kinds=content.NEWS_KINDS,
                               section_id=section.id if section else None, limit=limit)
    return WidgetData(section, items)


def _limit(request: web.Request) -> int:
    text = request.query.get("limit", "")
    if not text:
        return DEFAULT_LIMIT
    if _LIMIT.fullmatch(text) and 1 <= int(text) <= MAX_LIMIT:
        return int(text)
    raise UserError(_("limit must be a whole number from %(low)s to %(high)s.",
                      low=1, high=MAX_LIMIT))


@cached
async def _page(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    lang = request.match_info["lang"]
    set_language(lang)
    section_key = request.match_info.get("section")
    data = await request.app[DB].read(read_widget, lang, section_key, _limit(request))
    if data is None:
        raise NotFoundError(_("There is no section “%(key)s”.", key=section_key))
    context: dict[str, Any] = {
        "lang": lang, "title": _widget_title(config, lang, data.section),
        "items": data.items, "base_url": config.base_url,
        "more": absolute_url(config.base_url, f"/{lang}/{section_key}/" if section_key
                             else f"/{lang}/"),
        "absolute": lambda path: absolute_url(config.base_url, path),
    }
    response = aiohttp_jinja2.render_template("feeds/widget.html", request, context)
    response.headers["Content-Language"] = lang
    return response


async def widget(request: web.Request) -> web.StreamResponse:
    # The frame policy is set outside the page cache, which keeps only a
    # page's content headers.
    response = await _page(request)
    response.headers["Content-Security-Policy"] = frame_policy(
        request.app[CONFIG]["widgets.origins"])
    return response


def setup_widgets(app: web.Application) -> None:
    lang = "{lang:(?:" + "|".join(app[CONFIG].languages) + ")}"
    app.router.add_get(f"{PREFIX}/{lang}/", widget, name="feeds.widget")
    app.router.add_get(f"{PREFIX}/{lang}/{{section}}", widget,
                       name="feeds.section_widget")
    from .openapi import OPENAPI_PARTS

    app[OPENAPI_PARTS].append(describe)


def describe(config: Config) -> dict[str, Any]:
    """The widget pages in OpenAPI 3.1 (merged by feeds.openapi)."""
    lang = {"name": "lang", "in": "path", "required": True,
            "description": "The widget's language.",
            "schema": {"type": "string", "enum": config.languages}}
    limit = {"name": "limit", "in": "query", "required": False,
             "description": "How many stories.",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT}}
    section = {"name": "section", "in": "path", "required": True,
               "description": "The section's key.",
               "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}}
    page = {"text/html": {"schema": {"type": "string"}}}

    def operation(operation_id: str, summary: str, parameters: list) -> dict[str, Any]:
        return {"get": {
            "operationId": operation_id, "tags": ["widgets"], "summary": summary,
            "description": ("For an iframe on a component site. Only the origins "
                            "in the widgets.origins setting may frame it."),
            "parameters": parameters,
            "responses": {"200": {"description": "The widget.", "content": page},
                          "400": {"description": "A bad limit.", "content": page},
                          "404": {"description": "No such section.",
                                  "content": page}}}}

    return {"tags": [{"name": "widgets", "description": (
        "Latest-news boxes for component sites, as iframes.")}],
        "paths": {
            f"{PREFIX}/{{lang}}/": operation("getNewsWidget",
                                             "The latest news of every section.",
                                             [lang, limit]),
            f"{PREFIX}/{{lang}}/{{section}}": operation(
                "getSectionWidget", "The latest news of one section.",
                [lang, section, limit]),
        }}
