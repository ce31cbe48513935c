"""Reach and trust in the newsroom: citizen ratings, feedback moderation,
planned-downtime notices, the outside snippets, and the pages the law
expects (leaders, organisation, contacts, press, channels, privacy).

GET  /admin/ratings?from=&to=          ratings per page over a date range
GET  /admin/feedback?status=&page=     messages from the public
GET  /admin/feedback/{id}              one message; answer, reject or close it
POST /admin/feedback/{id}/answer       answer (optionally in public)
POST /admin/feedback/{id}/close        status=rejected|closed; erases contacts
GET  /admin/downtime                   notices; POST schedules one
POST /admin/downtime/{id}/cancel
GET  /admin/snippets                   the three slots; POST /admin/snippets/{name}
GET  /admin/about?page=&lang=          entries of a page; POST adds one
POST /admin/about/{id}                 change; /move (up|down); /delete
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from aiohttp import web

from appliance import about, feedback, notices, ratings, slots
from appliance.errors import UserError
from appliance.i18n import LANGUAGES
from appliance.i18n import gettext as _
from web import trust as public_trust

from .forms import FieldError
from .labels import N_
from .pages import as_id, field, page_number, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

PAGE_SIZE = 30
NOTICES = {
    "answered": N_("The answer was saved."),
    "rejected": N_("The message was rejected; its contact details were erased."),
    "closed": N_("The message was closed; its contact details were erased."),
    "scheduled": N_("The downtime notice was scheduled."),
    "cancelled": N_("The downtime notice was cancelled."),
    "slot": N_("The snippet was saved."),
    "about": N_("The page was changed."),
}


def _notice(request: web.Request) -> str | None:
    message = NOTICES.get(request.query.get("done", ""))
    return _(message) if message else None


def _number(request: web.Request, name: str = "id") -> int:
    found = as_id(request.match_info[name])
    if found is None:
        raise UserError(_("The number must be a whole number."))
    return found


# -- ratings ----------------------------------------------------------------------


def _day(text: str, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        raise UserError(_("Dates are written YYYY-MM-DD, such as 2026-12-01.")) from None


async def ratings_page(request: web.Request) -> web.Response:
    require(signed_in(request), "rating.view")
    today = date.fromisoformat(ratings.today())
    last = _day(request.query.get("to", ""), today)
    first = _day(request.query.get("from", ""), last - timedelta(days=29))
    if first > last:
        raise UserError(_("The first day must not come after the last."))
    found = await read(request, ratings.summaries, first.isoformat(), last.isoformat())
    pending = sum(public_trust.unsaved_ratings(request.config_dict).values())
    return await render(request, "ratings.html", {
        "summaries": found, "first": first.isoformat(), "last": last.isoformat(),
        "pending": pending, "scores": ratings.SCORES})


# -- feedback ---------------------------------------------------------------------


async def feedback_list(request: web.Request) -> web.Response:
    require(signed_in(request), "feedback.manage")
    status = request.query.get("status", "new")
    status = status if status in feedback.STATUSES or status == "all" else "new"
    page = page_number(request)
    found, total = await read(request, feedback.listing,
                              None if status == "all" else status,
                              limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    counts = await read(request, feedback.counts)
    return await render(request, "feedback_list.html", {
        "messages": found, "total": total, "status": status, "counts": counts,
        "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
        "notice": _notice(request)})


async def feedback_item(request: web.Request, *, errors: list[FieldError] | None = None,
                        status: int = 200) -> web.Response:
    require(signed_in(request), "feedback.manage")
    found = await read(request, feedback.get, _number(request))
    return await render(request, "feedback_item.html", {
        "message": found, "errors": errors or [], "notice": _notice(request)},
        status=status)


async def answer_feedback(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "feedback.manage")
    feedback_id = _number(request)
    async with posted_form(request) as form:
        text, public = field(form, "answer"), field(form, "public") == "1"
        question = field(form, "public_question")
    try:
        await write(request, feedback.answer, feedback_id, text, public=public,
                    public_question=question, user_id=user.id)
    except UserError as exc:
        return await feedback_item(request, errors=[FieldError("answer", str(exc))],
                                   status=400)
    log.info("feedback answered", extra={"feedback": feedback_id, "public": public})
    raise web.HTTPSeeOther(f"/admin/feedback/{feedback_id}?done=answered")


async def close_feedback(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "feedback.manage")
    feedback_id = _number(request)
    async with posted_form(request) as form:
        status = field(form, "status")
    await write(request, feedback.close, feedback_id, status, user.id)
    log.info("feedback closed", extra={"feedback": feedback_id, "status": status})
    raise web.HTTPSeeOther(f"/admin/feedback/{feedback_id}?done={status}")


# -- downtime ---------------------------------------------------------------------


async def downtime_page(request: web.Request, *, errors: list[FieldError] | None = None,
                        draft: dict[str, str] | None = None,
                        status: int = 200) -> web.Response:
    require(signed_in(request), "downtime.manage")
    found = await read(request, notices.recent)
    return await render(request, "downtime.html", {
        "notices": found, "errors": errors or [], "draft": draft or {},
        "now": notices.shown_now(found), "required_days": notices.NOTICE_WORKING_DAYS,
        "notice": _notice(request)}, status=status)


async def schedule_downtime(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "downtime.manage")
    async with posted_form(request) as form:
        draft = {name: field(form, name) for name in
                 ("starts_at", "ends_at", "shown_from", *(f"message_{c}" for c in LANGUAGES))}
    messages = {lang: draft[f"message_{lang}"] for lang in LANGUAGES}
    try:
        notice = await write(request, notices.schedule, draft["starts_at"],
                             draft["ends_at"], messages, user.id,
                             draft["shown_from"] or None)
    except UserError as exc:
        return await downtime_page(request, errors=[FieldError("starts_at", str(exc))],
                                   draft=draft, status=400)
    await public_trust.refresh(request.config_dict)
    log.info("downtime scheduled", extra={"notice": notice.id,
                                          "working_days": notice.working_days_ahead})
    raise web.HTTPSeeOther("/admin/downtime?done=scheduled")


async def cancel_downtime(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "downtime.manage")
    notice_id = _number(request)
    async with posted_form(request):
        pass
    await write(request, notices.cancel, notice_id, user.id)
    await public_trust.refresh(request.config_dict)
    raise web.HTTPSeeOther("/admin/downtime?done=cancelled")


# -- snippets ---------------------------------------------------------------------


async def snippets_page(request: web.Request, *, errors: list[FieldError] | None = None,
                        status: int = 200) -> web.Response:
    require(signed_in(request), "slots.manage")
    found = await read(request, slots.load_slots)
    policy = slots.widened_policy(public_trust.PUBLIC_CSP, found)
    return await render(request, "snippets.html", {
        "slots": found, "labels_for": slots.SLOT_LABELS, "fields": slots.SLOT_FIELDS,
        "policy": policy, "errors": errors or [], "notice": _notice(request)},
        status=status)


async def save_snippet(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "slots.manage")
    name = request.match_info["key"]
    async with posted_form(request) as form:
        given = {key: field(form, key) for key in slots.SLOT_FIELDS.get(name, ())}
        enabled = field(form, "enabled") == "1"
    try:
        slot = slots.check_slot(name, given, enabled)
    except UserError as exc:
        return await snippets_page(request, errors=[FieldError(name, str(exc))],
                                   status=400)
    await write(request, slots.save_slot, slot, user.id)
    await public_trust.refresh(request.config_dict)
    log.info("snippet saved", extra={"slot": name, "enabled": enabled})
    raise web.HTTPSeeOther(f"/admin/snippets?done=slot#slot-{name}")


# -- the pages the law expects --------------------------------------------------


def _page_and_lang(request: web.Request, page: str = "", lang: str = "") -> tuple[str, str]:
    page = page or request.query.get("page", "leaders")
    lang = lang or request.query.get("lang", "vi")
    return (page if page in about.PAGES else "leaders",
            lang if lang in LANGUAGES else "vi")


async def about_admin(request: web.Request, *, page: str = "", lang: str = "",
                      errors: list[FieldError] | None = None,
                      draft: dict[str, str] | None = None,
                      status: int = 200) -> web.Response:
    require(signed_in(request), "about.manage")
    page, lang = _page_and_lang(request, page, lang)
    found = await read(request, about.entries, page, lang)
    return await render(request, "about.html", {
        "about_page": page, "about_lang": lang, "entries": found,
        "pages": [(key, about.page_title(key)) for key in about.PAGES],
        "specs": about.PAGES[page][1], "channel_labels": about.CHANNEL_LABELS,
        "errors": errors or [], "draft": draft or {}, "notice": _notice(request)},
        status=status)


def _given(form, page: str) -> dict[str, str]:
    return {spec.name: field(form, spec.name) for spec in about.PAGES[page][1]}


def _back(page: str, lang: str, anchor: str = "") -> str:
    return f"/admin/about?page={page}&lang={lang}&done=about{anchor}"


async def add_about(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "about.manage")
    async with posted_form(request) as form:
        page, lang = _page_and_lang(request, field(form, "page"), field(form, "lang"))
        given = _given(form, page)
    try:
        await write(request, about.add_entry, page, lang, given, user.id)
    except UserError as exc:
        return await about_admin(request, page=page, lang=lang, draft=given,
                                 errors=[FieldError("new", str(exc))], status=400)
    raise web.HTTPSeeOther(_back(page, lang))


async def change_about(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "about.manage")
    entry_id = _number(request)
    async with posted_form(request) as form:
        entry = await read(request, about.get_entry, entry_id)
        given = _given(form, entry.page)
    try:
        await write(request, about.update_entry, entry.id, given, user.id)
    except UserError as exc:
        return await about_admin(request, page=entry.page, lang=entry.lang,
                                 errors=[FieldError(f"entry-{entry.id}", str(exc))],
                                 status=400)
    raise web.HTTPSeeOther(_back(entry.page, entry.lang, f"#entry-{entry.id}"))


async def move_about(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "about.manage")
    async with posted_form(request) as form:
        direction = field(form, "direction")
    entry = await write(request, about.move_entry, _number(request), direction, user.id)
    raise web.HTTPSeeOther(_back(entry.page, entry.lang))


async def delete_about(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "about.manage")
    async with posted_form(request):
        pass
    entry = await write(request, about.delete_entry, _number(request), user.id)
    raise web.HTTPSeeOther(_back(entry.page, entry.lang))


def add_routes(router: web.UrlDispatcher) -> None:
    number = "{id:[0-9]{1,15}}"
    router.add_get("/ratings", ratings_page)
    router.add_get("/feedback", feedback_list)
    router.add_get(f"/feedback/{number}", feedback_item)
    router.add_post(f"/feedback/{number}/answer", answer_feedback)
    router.add_post(f"/feedback/{number}/close", close_feedback)
    router.add_get("/downtime", downtime_page)
    router.add_post("/downtime", schedule_downtime)
    router.add_post(f"/downtime/{number}/cancel", cancel_downtime)
    router.add_get("/snippets", snippets_page)
    router.add_post("/snippets/{key}", save_snippet)
    router.add_get("/about", about_admin)
    router.add_post("/about", add_about)
    router.add_post(f"/about/{number}", change_about)
    router.add_post(f"/about/{number}/move", move_about)
    router.add_post(f"/about/{number}/delete", delete_about)

