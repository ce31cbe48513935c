"""Previews and review links: an item shown exactly as its public page would
show it, before it is published.

GET  /admin/items/{id}/preview?revision=N    staff: the current or any revision
GET  /admin/items/{id}/review-links          staff: the item's links
POST /admin/items/{id}/review-links          make one (its secret shown once)
POST /admin/items/{id}/review-links/{link}/revoke
GET  /review/{token}                         anyone holding a live link

Every preview carries noindex (meta and X-Robots-Tag) and is never cached.
The public review address also sends no referrer, so the secret never leaks
to sites the reviewer follows links to; its lookups are rate-limited per
client address, and an unknown, expired or revoked link gets the public error
page (404 or 410).
"""

from __future__ import annotations

import logging
import sqlite3
import dataclasses
from dataclasses import dataclass

import aiohttp_jinja2
from aiohttp import web

from appliance import content, i18n, review_links, revisions
from appliance.app import CONFIG, DB, ERROR_PAGES, ERROR_TITLES, Failure
from appliance.audit import acting_from
from appliance.content import Item
from appliance.db import utcnow
from appliance.errors import UserError
from appliance.i18n import N_, format_date
from appliance.i18n import gettext as _
from appliance.review_links import DEFAULT_HOURS, ReviewLink
from appliance.security import RateLimiter, client_address
from appliance.users import User
from web.preview import render_item

from . import labels
from .history import item_for
from .pages import as_id, field, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

REVIEW_PREFIX = "/review"
REVIEW_LIMITER = web.AppKey("review_limiter", RateLimiter)
TEMPLATE = "newsroom/preview.html"
# The choices offered for how long a link lasts, in hours.
DURATIONS = (1, 24, 72, 168, 336, 720)


@dataclass
class Banner:
    """The band above a preview saying it is not the public page; its text
    is translated before the page switches to the item's language."""

    lang: str
    title: str
    text: str
    links: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def private(response: web.StreamResponse, *, no_referrer: bool = False) -> None:
    """Keep a preview out of search engines and every cache."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    if no_referrer:
        response.headers["Referrer-Policy"] = "no-referrer"


# -- staff preview ------------------------------------------------------------


async def preview_page(request: web.Request) -> web.Response:
    user = signed_in(request)
    item = await item_for(request, user, "item.history")
    raw = request.query.get("revision", "")
    shown = item
    if raw:
        number = as_id(raw)
        if number is None:
            raise UserError(_("The revision must be a whole number."))
        shown = await read(request, _at_revision, item, number)
    response = await render_item(
        request, shown, TEMPLATE, {"banner": _staff_banner(item, shown)}
    )
    private(response)
    return response


def _at_revision(conn: sqlite3.Connection, item: Item, number: int) -> Item:
    return revisions.as_item(conn, item, revisions.get_revision(conn, item.id, number))


def _staff_banner(item: Item, shown: Item) -> Banner:
    current = shown.revision == item.revision
    if shown.status == "published" and current:
        title = _("Preview of the published version")
    else:
        title = _("Preview — not published")
    text = _(
        "Revision %(n)s (%(status)s). Readers see only what is published.",
        n=shown.revision,
        status=_(labels.status(shown.status)),
    )
    if not current:
        text += " " + _("This is an older revision; the item has changed since.")
    links = [
        (f"/admin/items/{item.id}", _("Back to the item")),
        (f"/admin/items/{item.id}/history", _("History")),
    ]
    return Banner(i18n.current_language(), title, text, links)


# -- review links (staff) -----------------------------------------------------


async def links_page(request: web.Request) -> web.Response:
    user = signed_in(request)
    item = await item_for(request, user, "review_link.manage")
    return await _links(request, item)


async def _links(
    request: web.Request,
    item: Item,
    *,
    new_url: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    links = await read(request, review_links.list_links, item.id)
    context = {
        "item": item,
        "links": links,
        "now": utcnow(),
        "durations": DURATIONS,
        "default_hours": DEFAULT_HOURS,
        "new_url": new_url,
        "error": error,
        "revoked": request.query.get("revoked") == "1",
    }
    return await render(request, "review_links.html", context, status=status)


async def create_link(request: web.Request) -> web.Response:
    user = signed_in(request)
    item = await item_for(request, user, "review_link.manage")
    async with posted_form(request) as form:
        hours = as_id(field(form, "hours"))
    try:
        expires_at = review_links.expiry(hours if hours is not None else 0)
    except UserError as exc:
        return await _links(request, item, error=str(exc), status=400)
    token, link = await write(request, make_link, item.id, expires_at, user)
    log.info(
        "review link made",
        extra={"item": item.id, "link": link.id, "user": user.username},
    )
    url = request.config_dict[CONFIG].base_url + f"{REVIEW_PREFIX}/{token}"
    # Shown in this answer only: only the secret's hash is kept.
    return await _links(request, item, new_url=url)


async def revoke_link(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    item = await item_for(request, user, "review_link.manage")
    link_id = as_id(request.match_info["link"])
    async with posted_form(request):
        pass
    if link_id is None:
        raise UserError(_("The link number must be a whole number."))
    await write(request, withdraw_link, item.id, link_id, user)
    log.info(
        "review link revoked",
        extra={"item": item.id, "link": link_id, "user": user.username},
    )
    raise web.HTTPSeeOther(f"/admin/items/{item.id}/review-links?revoked=1")


def make_link(
    conn: sqlite3.Connection, item_id: int, expires_at: str, user: User
) -> tuple[str, ReviewLink]:
    """Checked again inside the transaction, against the item as stored."""
    require(user, "review_link.manage", content.get_item(conn, item_id))
    return review_links.create_link(conn, item_id, expires_at, user.id)


def withdraw_link(
    conn: sqlite3.Connection, item_id: int, link_id: int, user: User
) -> ReviewLink:
    require(user, "review_link.manage", content.get_item(conn, item_id))
    return review_links.revoke_link(conn, item_id, link_id, user.id)


# -- the public review address ------------------------------------------------

GONE_TITLE = N_("This review link no longer works")
GONE_MESSAGE = N_(
    "The link has expired or was withdrawn by the newsroom. Ask the person who "
    "sent it for a new one."
)
UNKNOWN_MESSAGE = N_(
    "There is no review copy at this address. Check that the whole link was "
    "copied, or ask the person who sent it."
)
LATER_MESSAGE = N_("Please try again later.")
BUSY_MESSAGE = N_(
    "Too many review pages were opened from your address. Please "
    "wait a few minutes before trying again."
)


async def review_page(request: web.Request) -> web.Response:
    """A live link shows the item's current revision to whoever holds it."""
    config = request.config_dict[CONFIG]
    address = client_address(request, config["server.trust_proxy"])
    limiter = request.config_dict[REVIEW_LIMITER]
    if limiter.blocked(address):
        raise web.HTTPTooManyRequests(headers={"Retry-After": str(int(limiter.window))})
    limiter.hit(address)

    db = request.config_dict[DB]
    state, link = await db.read(review_links.find_link, request.match_info["token"])
    if link is None:
        raise web.HTTPNotFound()
    if state != "active":
        raise web.HTTPGone()
    acting_from(address)
    link = await db.write(review_links.count_view, link)
    item = await db.read(content.get_item, link.item_id)
    response = await render_item(
        request, item, TEMPLATE, {"banner": _review_banner(item, link)}
    )
    private(response, no_referrer=True)
    return response


def _review_banner(item: Item, link: ReviewLink) -> Banner:
    lang = item.lang
    when = f"{format_date(link.expires_at, lang=lang)} {format_date(link.expires_at, 'time', lang=lang)}"
    return Banner(
        lang,
        i18n.lazy_gettext_for(lang, N_("Review copy — not published")),
        i18n.lazy_gettext_for(
            lang,
            N_(
                "Shared for review before publication. This link works until "
                "%(time)s; please do not pass it on."
            ),
            time=when,
        ),
    )


async def render_failure(request: web.Request, failure: Failure) -> web.Response:
    """The public error page for review addresses, in the site's default
    language, with a title that says what happened to the link."""
    status = failure.status
    if status == 410:
        title, message = _(GONE_TITLE), _(GONE_MESSAGE)
    elif status == 404:
        title, message = _(ERROR_TITLES[404]), _(UNKNOWN_MESSAGE)
    elif status == 429:
        title, message = _(ERROR_TITLES[429]), _(BUSY_MESSAGE)
    else:
        known = status if status in ERROR_TITLES else (400 if status < 500 else 500)
        title, message = _(ERROR_TITLES[known]), _(LATER_MESSAGE)
    response = aiohttp_jinja2.render_template(
        "web/error.html",
        request,
        {
            "status": status,
            "title": title,
            "message": message,
            "lang": i18n.current_language(),
        },
        status=status,
    )
    response.headers.update(failure.headers)
    private(response, no_referrer=True)
    return response


def setup_review(app: web.Application) -> None:
    """The public review address, its rate limit and its error pages."""
    config = app[CONFIG]
    app[REVIEW_LIMITER] = RateLimiter(
        config["security.review_lookups"], config["security.review_window"]
    )
    app.router.add_get(REVIEW_PREFIX + "/{token}", review_page)
    app[ERROR_PAGES][REVIEW_PREFIX] = render_failure
