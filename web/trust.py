"""What makes the portal trusted, on the public side: the citizen rating of
the portal and of each page, the feedback and question form with its
reference number and the published answers, the planned-downtime banner, and
the outside snippets an administrator configured (appliance.slots).

    POST /{lang}/rate               a rating (1 to 5) of the portal or a page
    GET  /{lang}/thanks             after a rating
    GET|POST /{lang}/feedback       the feedback and question form
    GET  /{lang}/feedback/status    a message's state, by its reference number
    GET  /{lang}/questions          questions answered in public

The two forms take no cookie and no session. A forged cross-site post is
refused by its Origin (or Referer); floods by per-address limits kept in
memory only. Addresses are never stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiohttp import web
from yarl import URL

from appliance import content, feedback, notices, ratings, slots
from appliance.app import CACHE_KEY, CONFIG, DB, SCHEDULER
from appliance.cache import cached
from appliance.i18n import gettext as _
from appliance.security import PUBLIC_CSP, PUBLIC_POLICY, PublicPolicy, RateLimiter
from appliance.security import client_address, is_site_path, read_form

from .pages import Meta, Pagination, page_number, render, same_page_switch

log = logging.getLogger("portal.web")

REFRESH_SECONDS = 30
RATING_FLUSH_SECONDS = 60
MAX_TARGET = 400
_REFERENCE = re.compile(r"GY-[0-9]{8}-[0-9A-Z]{5}")


@dataclass
class SiteExtras:
    """What every public page shows beyond its content, kept in memory:
    the turned-on snippets and the downtime notices. Refreshed after an
    administrator's change and every REFRESH_SECONDS, so a notice appears
    and goes at its time even on cached pages."""

    slots: dict[str, slots.Slot] = field(default_factory=dict)
    notices: list[notices.Notice] = field(default_factory=list)
    shown: tuple[int, ...] = ()
    # One refresh at a time: a slower one started earlier must not put back
    # what a change made since has replaced.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def banner(self) -> list[notices.Notice]:
        return notices.shown_now(self.notices)

    def snippet(self, name: str) -> slots.Slot | None:
        slot = self.slots.get(name)
        return slot if slot is not None and slot.enabled and slot.configured else None


@dataclass
class RatingBox:
    """Ratings counted in memory until the next write."""

    tally: ratings.Tally = field(default_factory=Counter)
    # One rating per page, address and day: keyed by a keyed hash, so the
    # memory does not hold addresses either.
    seen: set[str] = field(default_factory=set)
    seen_day: str = ""


EXTRAS = web.AppKey("site_extras", SiteExtras)
RATINGS = web.AppKey("rating_box", RatingBox)
RATING_LIMITER = web.AppKey("rating_limiter", RateLimiter)
FEEDBACK_LIMITER = web.AppKey("feedback_limiter", RateLimiter)


def setup(app: web.Application) -> None:
    config = app[CONFIG]
    app[EXTRAS] = SiteExtras()
    app[RATINGS] = RatingBox()
    app[PUBLIC_POLICY] = PublicPolicy()
    app[RATING_LIMITER] = RateLimiter(config["trust.rating_limit"], 3600)
    app[FEEDBACK_LIMITER] = RateLimiter(config["trust.feedback_limit"], 3600)
    app.cleanup_ctx.append(_rating_writer)
    app[SCHEDULER].every("site-extras", REFRESH_SECONDS, refresh)
    app[SCHEDULER].every("feedback-contacts", 3600, _erase_contacts)


def template_globals(app: web.Application) -> dict:
    extras = app[EXTRAS]
    return {"site_extras": lambda: extras}


def _load(conn: sqlite3.Connection) -> tuple[dict[str, slots.Slot], list[notices.Notice]]:
    return slots.load_slots(conn), notices.upcoming(conn)


async def refresh(app: web.Application) -> None:
    """Reload snippets and notices; empty the page cache when what pages
    show changed (a notice's time came or went)."""
    extras = app[EXTRAS]
    async with extras.lock:
        found, upcoming = await app[DB].read(_load)
        extras.slots, extras.notices = found, upcoming
        app[PUBLIC_POLICY].csp = slots.widened_policy(PUBLIC_CSP, found)
        shown = tuple(n.id for n in extras.banner())
        if shown != extras.shown:
            extras.shown = shown
            app[CACHE_KEY].clear()


async def _erase_contacts(app: web.Application) -> None:
    days = app[CONFIG]["trust.contact_days"]
    erased = await app[DB].read(_old_contacts, days)
    if erased:
        await app[DB].write(feedback.erase_old_contacts, days)
        log.info("feedback contact details erased", extra={"days": days})


def _old_contacts(conn: sqlite3.Connection, days: int) -> bool:
    # Reading first: a write would empty the page cache for nothing.
    cutoff = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return conn.execute("SELECT 1 FROM feedback WHERE created_at < ?"
                        " AND (name != '' OR email != '') LIMIT 1",
                        (cutoff,)).fetchone() is not None


async def _rating_writer(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_write_now_and_then(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await save_ratings(app)


async def _write_now_and_then(app: web.Application) -> None:
    while True:
        await asyncio.sleep(RATING_FLUSH_SECONDS)
        await save_ratings(app)


async def save_ratings(app: web.Application) -> None:
    box = app[RATINGS]
    if not box.tally:
        return
    tally, box.tally = box.tally, Counter()
    try:
        await app[DB].write(ratings.add_counts, tally)
    except Exception:
        log.warning("ratings not saved", exc_info=True)


def unsaved_ratings(app: web.Application) -> ratings.Tally:
    return app[RATINGS].tally


# -- forms without sessions ----------------------------------------------------


# A feedback message of 4,000 Vietnamese or Khmer characters, percent-encoded,
# with its other fields: well under this.
PUBLIC_FORM_BYTES = 64 * 1024


def same_origin(request: web.Request) -> bool:
    """A post made from one of our own pages: its Origin (or, when a browser
    sends none, its Referer) names this site."""
    config = request.config_dict[CONFIG]
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if not sent or sent == "null":
        return False
    try:
        origin = URL(sent)
    except ValueError:  # no address at all ("http://[::1", a port of letters)
        return False
    ours = {URL(config.base_url).origin(), URL.build(scheme=request.scheme,
                                                     host=request.host.split(":")[0],
                                                     port=request.url.port).origin()}
    return origin.is_absolute() and origin.origin() in ours


def _address(request: web.Request) -> str:
    return client_address(request, request.config_dict[CONFIG]["server.trust_proxy"])


def _refuse_foreign(request: web.Request) -> None:
    if not same_origin(request):
        raise web.HTTPForbidden(reason="csrf", text="csrf")


# -- rating ---------------------------------------------------------------------


def rated_target(conn: sqlite3.Connection, path: str) -> str | None:
    """The page a rating is for: "portal", or a published item's address."""
    if path == ratings.PORTAL:
        return path
    parts = path.split("/")
    if len(path) > MAX_TARGET or len(parts) < 4 or parts[0] != "":
        return None
    lang, slug = parts[1], parts[-1]
    for other in (lang, "vi", "en", "km"):
        item = content.find_item(conn, other, slug)
        if item is not None and content.item_url(item.kind, lang, item.slug,
                                                 item.section_key) == path:
            return item.url
    return None


async def rate(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    _refuse_foreign(request)
    form = await read_form(request, PUBLIC_FORM_BYTES)
    target_path = str(form.get("target", ""))
    score = str(form.get("score", ""))
    if score not in {"1", "2", "3", "4", "5"}:
        raise web.HTTPBadRequest(text=_("Choose how satisfied you are, from 1 to 5."))
    target = await request.app[DB].read(rated_target, target_path)
    if target is None:
        raise web.HTTPBadRequest(text=_("That page cannot be rated."))
    _count(request, lang, target, int(score))
    back = target_path if target_path.startswith("/") else f"/{lang}/"
    raise web.HTTPSeeOther(str(URL.build(path=f"/{lang}/thanks",
                                         query={"back": back})))


def _count(request: web.Request, lang: str, target: str, score: int) -> None:
    address = _address(request)
    limiter = request.app[RATING_LIMITER]
    if limiter.blocked(address):
        raise web.HTTPTooManyRequests(headers={"Retry-After": "3600"})
    limiter.hit(address)
    box = request.app[RATINGS]
    day = ratings.today()
    if box.seen_day != day:
        box.seen, box.seen_day = set(), day
    key = request.config_dict[CONFIG].secrets["session_key"].encode()
    mark = hmac.new(key, f"{address}|{target}".encode(), hashlib.sha256).hexdigest()
    if mark in box.seen:
        return  # one per page and day: thanked, not counted again
    box.seen.add(mark)
    box.tally[(day, target, lang, score)] += 1


async def thanks(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    back = request.query.get("back", f"/{lang}/")
    if not is_site_path(back):
        back = f"/{lang}/"
    meta = Meta(title=_("Thank you"), description=_("Thank you for your rating."),
                path=None, noindex=True,
                switch=same_page_switch(request.app[CONFIG], lang, request.path))
    return await render(request, "web/thanks.html", {"back": back}, meta)


# -- feedback -------------------------------------------------------------------


def _feedback_meta(request: web.Request, title: str) -> Meta:
    lang = request.match_info["lang"]
    return Meta(title=title,
                description=_("Send a question or feedback to %(owner)s.",
                              owner=request.app[CONFIG].site_owner(lang)),
                path=f"/{lang}/feedback", area="feedback",
                switch=same_page_switch(request.app[CONFIG], lang, f"/{lang}/feedback"))


async def feedback_page(request: web.Request, *, sub: feedback.Submission | None = None,
                        problems: dict[str, str] | None = None,
                        status: int = 200) -> web.Response:
    lang = request.match_info["lang"]
    page = request.query.get("page", "")
    draft = sub or feedback.Submission(lang=lang, topic="question", message="",
                                       page=page if page.startswith("/") else "")
    return await render(request, "web/feedback.html",
                        {"draft": draft, "problems": problems or {},
                         "topics": feedback.TOPICS},
                        _feedback_meta(request, _("Questions and feedback")),
                        status=status)


async def send_feedback(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    _refuse_foreign(request)
    form = await read_form(request, PUBLIC_FORM_BYTES)

    def text(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    sub = feedback.Submission(lang=lang, topic=text("topic"), message=text("message"),
                              name=text("name"), email=text("email"),
                              page=text("page"))
    if text("website"):
        # The hidden field only robots fill in: answer as if all went well.
        log.info("feedback refused as automated")
        return await _sent(request, None)
    problems = feedback.check(sub)
    if problems:
        return await feedback_page(request, sub=sub, problems=problems, status=400)
    address = _address(request)
    limiter = request.app[FEEDBACK_LIMITER]
    if limiter.blocked(address):
        raise web.HTTPTooManyRequests(headers={"Retry-After": "3600"})
    limiter.hit(address)
    saved = await request.app[DB].write(feedback.submit, sub)
    log.info("feedback received", extra={"feedback": saved.id, "topic": saved.topic})
    return await _sent(request, saved.reference)


async def _sent(request: web.Request, reference: str | None) -> web.Response:
    return await render(request, "web/feedback_sent.html", {"reference": reference},
                        _feedback_meta(request, _("Your message was sent")))


async def feedback_status(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    reference = request.query.get("ref", "").strip().upper()
    found = None
    if reference:
        limiter = request.app[FEEDBACK_LIMITER]
        address = "status:" + _address(request)
        if limiter.blocked(address):
            raise web.HTTPTooManyRequests(headers={"Retry-After": "3600"})
        limiter.hit(address)
        if _REFERENCE.fullmatch(reference):
            found = await request.app[DB].read(feedback.by_reference, reference)
    meta = _feedback_meta(request, _("The state of your message"))
    meta.path, meta.noindex = f"/{lang}/feedback/status", True
    return await render(request, "web/feedback_status.html",
                        {"reference": reference, "found": found}, meta)


@cached
async def questions(request: web.Request) -> web.Response:
    lang = request.match_info["lang"]
    config = request.app[CONFIG]
    page = page_number(request)
    per_page = config["content.page_size"]
    found, total = await request.app[DB].read(
        feedback.public_answers, lang, limit=per_page, offset=(page - 1) * per_page)
    paging = Pagination(page, per_page, total).check()
    meta = Meta(title=_("Questions and answers"),
                description=_("Questions from the public answered by %(owner)s.",
                              owner=config.site_owner(lang)),
                path=f"/{lang}/questions", query={"page": page}, area="feedback",
                alternates={code: f"/{code}/questions" for code in config.languages},
                switch=same_page_switch(config, lang, request.path))
    return await render(request, "web/questions.html",
                        {"answers": found, "paging": paging}, meta)
