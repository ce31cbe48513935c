"""Short links and sharing: /s/{code} leads to an item, /s/{code}.svg is its
QR code for posters and print, and every story offers plain share links
(Facebook, X, Zalo, e-mail, copy) with no outside script on the page."""

from __future__ import annotations

import io
import re
import sqlite3
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno
from aiohttp import web
from markupsafe import Markup

from appliance import addresses, content
from appliance.app import CONFIG, DB

from .pages import absolute

_CODE = re.compile(r"[0-9a-zA-Z]{4,16}")
# A day, as for the old portal's redirects: an editor's correction reaches
# returning readers soon enough.
SHORT_LINK_HEADERS = {"Cache-Control": "public, max-age=86400"}


@dataclass(frozen=True)
class ShareLink:
    network: str  # facebook, x, zalo, email
    label: str
    href: str


def short_url(base_url: str, code: str) -> str:
    return f"{base_url}/s/{code}"


def share_links(url: str, title: str) -> list[ShareLink]:
    """Plain links to each network's own share page; nothing loads from them
    until the reader follows one."""
    return [
        ShareLink("facebook", "Facebook",
                  "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ShareLink("x", "X", "https://x.com/intent/post?"
                  + urlencode({"url": url, "text": title})),
        ShareLink("zalo", "Zalo", "https://sp.zalo.me/share_inline?"
                  + urlencode({"url": url})),
        ShareLink("email", "E-mail", "mailto:?subject=" + quote(title)
                  + "&body=" + quote(url)),
    ]


def qr_svg(url: str, title: str = "") -> str:
    """A QR code of the address as an SVG element (no XML declaration), to be
    put into a page or served as a file."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2,
                                     xmldecl=False, title=title or None,
                                     svgclass="qr", lineclass=None)
    return buffer.getvalue().decode("utf-8")


def qr_markup(url: str, title: str) -> Markup:
    return Markup(qr_svg(url, title))


def _target(conn: sqlite3.Connection, code: str) -> str | None:
    item_id = addresses.item_for_code(conn, code)
    if item_id is None:
        return None
    item = content.items_by_id(conn, [item_id]).get(item_id)
    return item.url if item is not None and item.is_published else None


async def _resolve(request: web.Request) -> str:
    code = request.match_info["code"]
    if not _CODE.fullmatch(code):
        raise web.HTTPNotFound()
    target = await request.app[DB].read(_target, code)
    if target is None:
        raise web.HTTPNotFound()
    return target


async def short_link(request: web.Request) -> web.Response:
    target = await _resolve(request)
    location = quote(target, safe="/-._~%")
    raise web.HTTPMovedPermanently(location, headers=SHORT_LINK_HEADERS)


async def short_link_qr(request: web.Request) -> web.Response:
    await _resolve(request)
    config = request.app[CONFIG]
    url = short_url(config.base_url, request.match_info["code"].lower())
    svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + qr_svg(url, url)
    return web.Response(text=svg, content_type="image/svg+xml", charset="utf-8",
                        headers=SHORT_LINK_HEADERS)


def sharing_context(conn: sqlite3.Connection, config, item: content.Item) -> dict:
    """What the share block of a story or document shows."""
    code = addresses.short_code(conn, item.id) if item.is_published else None
    page_url = absolute(config, item.url)
    shared = short_url(config.base_url, code) if code else page_url
    return {
        "short_url": short_url(config.base_url, code) if code else None,
        "short_code": code,
        "share_links": share_links(shared, item.title),
        "qr": qr_markup(shared, item.title) if code else None,
    }
