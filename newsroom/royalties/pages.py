"""The royalty screens of the newsroom.

GET  /admin/royalties                       periods, works to grade, my statements
GET  /admin/royalties/mine                  my works and statements
GET  /admin/royalties/works                 published works and their grades, ?month=
GET|POST /admin/royalties/works/{item}      grade a work
GET|POST /admin/royalties/contributors      the register; add someone
GET|POST /admin/royalties/contributors/{id} one entry; POST .../reveal shows a number
GET  /admin/royalties/rules                 the rules; POST /rules/{kind} adds a version
POST /admin/royalties/periods               open a period
GET  /admin/royalties/periods/{id}          a period; POST .../collect|review|reopen|lock|delete
POST /admin/royalties/periods/{id}/lines    remuneration or a correction
GET|POST /admin/royalties/periods/{id}/correct/{item}   regrade a work paid earlier
GET  /admin/royalties/periods/{id}/statements/{contributor}[.pdf]
GET  /admin/royalties/periods/{id}/export/{file}   the accounting office's files

Graders and payers are the roles named by royalties.grading_roles and
royalties.paying_roles; a contributor linked to a staff account sees their
own works and the statements of locked periods.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import date

from aiohttp import web
from multidict import MultiDictProxy

from appliance import content
from appliance.app import CONFIG
from appliance.errors import ConflictError, NotFoundError, UserError
from appliance.i18n import LANGUAGES, LOCAL_TZ
from appliance.i18n import gettext as _
from appliance.users import list_users
from newsroom.labels import N_
from newsroom.pages import (
    as_id,
    field,
    in_thread,
    posted_form,
    read,
    render,
    signed_in,
    write,
)
from newsroom.permissions import can, in_sections_sql, require, require_grading

from . import grading, periods, register, rules, wording
from .grading import Author, GradeInput
from .periods import Settings
from .register import ContributorInput

log = logging.getLogger("portal.newsroom")

BASE = "/admin/royalties"
ROUTE = "/royalties"  # inside the newsroom's own application at /admin
AUTHOR_ROWS = 4
NOTICES = {
    "graded": N_("The grade was saved."),
    "contributor": N_("The register entry was saved."),
    "rule": N_("The rule was saved."),
    "rule-deleted": N_("The rule version was removed."),
    "opened": N_("The payment period was opened."),
    "collected": N_("The graded works were collected."),
    "review": N_("The period is under review: its payments are fixed for checking."),
    "reopened": N_("The period is open again."),
    "locked": N_("The period is locked. It will never change; corrections go into a "
                 "later period."),
    "deleted": N_("The period was deleted."),
    "line": N_("The line was added."),
    "line-removed": N_("The line was removed."),
    "work-removed": N_("The work was taken out of the period."),
    "corrected": N_("The correction was added to this period."),
}
EXPORTS = {
    "payment-list.xlsx": ("application/vnd.openxmlformats-officedocument."
                          "spreadsheetml.sheet", "payment-list"),
    "bank-transfers.csv": ("text/csv; charset=utf-8", "bank-transfers"),
    "signed-sheet.pdf": ("application/pdf", "signed-sheet"),
    "statements.pdf": ("application/pdf", "statements"),
}


def setup_routes(router: web.UrlDispatcher) -> None:
    number = "{id:[0-9]{1,15}}"
    item = "{item:[0-9]{1,15}}"
    router.add_get(ROUTE, overview)
    router.add_get(f"{ROUTE}/mine", mine)
    router.add_get(f"{ROUTE}/works", works_page)
    router.add_get(f"{ROUTE}/works/{item}", grade_page)
    router.add_post(f"{ROUTE}/works/{item}", save_grade)
    router.add_get(f"{ROUTE}/contributors", contributors_page)
    router.add_post(f"{ROUTE}/contributors", add_contributor)
    router.add_get(f"{ROUTE}/contributors/{number}", contributor_page)
    router.add_post(f"{ROUTE}/contributors/{number}", change_contributor)
    router.add_post(f"{ROUTE}/contributors/{number}/reveal", reveal)
    router.add_get(f"{ROUTE}/rules", rules_page)
    router.add_post(f"{ROUTE}/rules/{{table:[a-z_]+}}", save_rule)
    router.add_post(f"{ROUTE}/rules/{{table:[a-z_]+}}/delete", delete_rule)
    router.add_post(f"{ROUTE}/periods", open_period)
    period = f"{ROUTE}/periods/{number}"
    router.add_get(period, period_page)
    for step in ("collect", "review", "reopen", "lock", "delete"):
        router.add_post(f"{period}/{step}", period_step)
    router.add_post(f"{period}/lines", add_line)
    router.add_post(f"{period}/lines/{{line:[0-9]{{1,15}}}}/delete", remove_line)
    router.add_post(f"{period}/works/{item}/remove", remove_work)
    router.add_get(f"{period}/correct", correct_page)
    router.add_get(f"{period}/correct/{item}", correct_page)
    router.add_post(f"{period}/correct/{item}", correct)
    router.add_get(f"{period}/statements/{{who:[0-9]{{1,15}}}}", statement_page)
    router.add_get(f"{period}/statements/{{who:[0-9]{{1,15}}}}.pdf", statement_pdf)
    router.add_get(f"{period}/export/{{file}}", export)


# -- shared -----------------------------------------------------------------------

def _key(request: web.Request):
    return register.cipher(request.config_dict[CONFIG].secrets["personal_key"])


def _settings(request: web.Request) -> Settings:
    return Settings.from_config(request.config_dict[CONFIG])


def _issuer(request: web.Request) -> str:
    return request.config_dict[CONFIG].site_name("vi")


def _number(request: web.Request, name: str = "id") -> int:
    value = as_id(request.match_info.get(name, ""))
    if value is None:
        raise NotFoundError(_("No such record."))
    return value


def _notice(request: web.Request) -> str | None:
    message = NOTICES.get(request.query.get("done", ""))
    return _(message) if message else None


def _status_of(exc: UserError) -> int:
    return 409 if isinstance(exc, ConflictError) else 400


def _shared() -> dict:
    return {"money": wording.money, "figure": wording.figure,
            "coefficient": wording.coefficient, "rate": wording.rate,
            "line_type": wording.line_type, "period_status": wording.status,
            "period_dates": wording.period_dates, "line_label": wording.line_label,
            "tax_note": wording.tax_note, "rounding_note": wording.rounding_note}


async def _page(request: web.Request, template: str, context: dict,
                status: int = 200) -> web.Response:
    return await render(request, template, _shared() | {"notice": _notice(request)}
                        | context, status=status)


# -- overview and my own -----------------------------------------------------------

def _overview_data(conn: sqlite3.Connection, key, user, today: str,
                   config) -> dict:
    found = periods.list_periods(conn)
    due, due_total = periods.due_works(conn, today, config["royalties.payment_days"],
                                       config["royalties.warn_days"], limit=10)
    narrow, narrow_params = in_sections_sql(_sections_of(user))
    # A period that cannot be worked out is listed with what stops it, and
    # the others with their figures.
    problems = {p.id: problem for p in found[:24]
                if (problem := periods.problem(conn, p)) is not None}
    return {
        "periods": found,
        "problems": problems,
        "totals": {p.id: periods.totals(conn, key, p) for p in found[:24]
                   if p.id not in problems},
        "due": due,
        "due_total": due_total,
        "to_grade": conn.execute(
            "SELECT count(*) FROM item WHERE source = 'local' AND published_at IS NOT NULL"
            " AND status IN ('published', 'unpublished', 'archived')"
            " AND id NOT IN (SELECT item_id FROM work_grade)" + narrow,
            narrow_params).fetchone()[0],
        "me": register.contributor_of_user(conn, key, user.id),
    }


async def overview(request: web.Request) -> web.Response:
    user = signed_in(request)
    if not can(user, "royalty.view"):
        raise web.HTTPSeeOther(f"{BASE}/mine")
    data = await read(request, _overview_data, _key(request), user, _today(),
                      request.config_dict[CONFIG])
    return await _page(request, "royalties.html", data | {
        "today": _today(), "month_start": _today()[:8] + "01",
        "month_end": _month_end(_today())})


def _today() -> str:
    from datetime import datetime

    return datetime.now(LOCAL_TZ).date().isoformat()


def _month_end(day: str) -> str:
    first = date.fromisoformat(day[:8] + "01")
    following = first.replace(year=first.year + first.month // 12,
                              month=first.month % 12 + 1)
    return date.fromordinal(following.toordinal() - 1).isoformat()


def _mine_data(conn: sqlite3.Connection, key, user_id: int) -> dict:
    me = register.contributor_of_user(conn, key, user_id)
    if me is None:
        return {"me": None, "works": [], "paid": []}
    return {"me": me, "works": periods.own_works(conn, me.id),
            "paid": periods.own_periods(conn, me.id)}


async def mine(request: web.Request) -> web.Response:
    user = signed_in(request)
    require(user, "royalty.own")
    data = await read(request, _mine_data, _key(request), user.id)
    return await _page(request, "royalty_mine.html", data)


# -- works and grades ----------------------------------------------------------------

def _month(request: web.Request) -> str:
    value = request.query.get("month", "") or _today()[:7]
    try:
        date.fromisoformat(value + "-01")
    except ValueError:
        raise UserError(_("Choose a month written YYYY-MM.")) from None
    rules.check_year(value, _("The month"))
    return value


def _sections_of(user) -> list[int]:
    """The sections whose works a user is shown, none for all of them: a
    grader limited to some sections sees the works of those; the payers pay
    every section's works and see them all."""
    if can(user, "royalty.pay"):
        return []
    return sorted(user.sections)


def _works_data(conn: sqlite3.Connection, month: str, show: str, user) -> dict:
    starts = month + "-01"
    ends = _month_end(starts)
    sections = _sections_of(user)
    narrow, narrow_params = in_sections_sql(sections)
    sql = ("SELECT id FROM item WHERE source = 'local' AND published_at >= ?"
           " AND published_at < ? AND status IN ('published', 'unpublished', 'archived')"
           + narrow)
    if show == "ungraded":
        sql += " AND id NOT IN (SELECT item_id FROM work_grade)"
    elif show == "graded":
        sql += " AND id IN (SELECT item_id FROM work_grade)"
    ids = [row[0] for row in conn.execute(
        sql + " ORDER BY published_at, id LIMIT 500",
        (rules.day_start_utc(starts), rules.day_end_utc(ends), *narrow_params))]
    items = content.items_by_id(conn, ids)
    open_periods = [p for p in periods.list_periods(conn) if p.is_open]
    return {
        # Narrowed in SQL for the limit; the permission check decides.
        "works": [items[i] for i in ids if i in items
                  and (not sections or can(user, "royalty.grade", items[i]))],
        "grades": grading.grades_for(conn, ids),
        "paid": {i: periods.paid_in(conn, i) for i in ids},
        "names": register.names(conn),
        "kinds": rules.kind_names(conn),
        "open_period": open_periods[0] if open_periods else None,
    }


async def works_page(request: web.Request) -> web.Response:
    user = signed_in(request)
    require(user, "royalty.view")
    month = _month(request)
    show = request.query.get("show", "")
    if show not in ("", "ungraded", "graded"):
        show = ""
    data = await read(request, _works_data, month, show, user)
    return await _page(request, "royalty_works.html",
                       data | {"month": month, "show": show})


def _grade_data(conn: sqlite3.Connection, item_id: int) -> dict:
    item = content.get_item(conn, item_id)
    day = grading.work_day(item)
    grade = grading.get_grade(conn, item_id)
    suggested = grade or _suggestion(conn, item)
    return {
        "item": item,
        "day": day,
        "grade": grade,
        "form": suggested,
        "kinds": rules.kinds_on(conn, day),
        "adjustments": rules.adjustments_on(conn, day),
        "contributors": register.names(conn),
        "paid": periods.paid_in(conn, item_id),
        "open_periods": [p for p in periods.list_periods(conn) if p.is_open],
    }


def _suggestion(conn: sqlite3.Connection, item: content.Item) -> GradeInput:
    """A first grade to start from: the writer's register entry at 100%, and
    for a translation the original's grade at half its royalty."""
    authors = []
    if item.author_id is not None:
        row = conn.execute("SELECT id FROM contributor WHERE user_id = ?",
                           (item.author_id,)).fetchone()
        if row:
            authors = [Author(row[0], 10_000)]
    source = grading.get_grade(conn, item.source_item_id) if item.source_item_id else None
    if source is not None:
        return GradeInput(source.kind_code, source.coefficient, authors,
                          {"translation": 5000})
    return GradeInput("news", 0, authors)


def _grade_from(form: MultiDictProxy) -> GradeInput:
    kind = field(form, "kind")
    coefficient = rules.parse_hundredths(field(form, "coefficient"), _("The coefficient"))
    adjustments = {}
    for code in form.getall("adjustment", []):
        if isinstance(code, str) and code:
            adjustments[code] = rules.parse_hundredths(
                field(form, f"rate-{code}"), _("The adjustment's percentage"))
    authors = []
    for index in range(AUTHOR_ROWS):
        who = as_id(field(form, f"author-{index}"))
        if who is None:
            continue
        share = rules.parse_hundredths(field(form, f"share-{index}") or "100",
                                       _("The author's share"))
        authors.append(Author(who, share))
    return GradeInput(kind, coefficient, authors, adjustments,
                      unpaid=field(form, "unpaid") == "1", note=field(form, "note"))


async def grade_page(request: web.Request, *, error: str | None = None,
                     form: GradeInput | None = None, status: int = 200,
                     action: str | None = None, period_id: int | None = None
                     ) -> web.Response:
    user = signed_in(request)
    require(user, "royalty.view")
    item_id = _number(request, "item")
    data = await read(request, _grade_data, item_id)
    if form is not None:
        data["form"] = form
    return await _page(request, "royalty_grade.html", data | {
        "error": error, "rows": AUTHOR_ROWS,
        "action": action or f"{BASE}/works/{item_id}", "period_id": period_id,
        "may_grade": can(user, "royalty.grade", data["item"])}, status=status)


async def save_grade(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.grade")
    item_id = _number(request, "item")
    async with posted_form(request) as form:
        require_grading(user, await read(request, content.get_item, item_id))
        try:
            grade = _grade_from(form)
        except UserError as exc:
            return await grade_page(request, error=str(exc), status=400)
    try:
        await write(request, _grade_work, user, item_id, grade)
    except UserError as exc:
        return await grade_page(request, error=str(exc), form=grade,
                                status=_status_of(exc))
    log.info("work graded", extra={"item": item_id, "user": user.username})
    raise web.HTTPSeeOther(f"{BASE}/works/{item_id}?done=graded")


def _grade_work(conn: sqlite3.Connection, user, item_id: int,
                grade: GradeInput) -> grading.Grade:
    # Asked again in the transaction that grades: the work may have moved
    # to another section since the form was read.
    require_grading(user, content.get_item(conn, item_id))
    return periods.grade_work(conn, item_id, grade, user.id)


# -- the register ------------------------------------------------------------------

def _register_data(conn: sqlite3.Connection, key) -> dict:
    return {"people": register.list_contributors(conn, key),
            "accounts": {u.id: u for u in list_users(conn)}}


async def contributors_page(request: web.Request, *, error: str | None = None,
                            draft: ContributorInput | None = None,
                            status: int = 200) -> web.Response:
    require(signed_in(request), "royalty.pay")
    data = await read(request, _register_data, _key(request))
    return await _page(request, "royalty_contributors.html", data | {
        "error": error, "draft": draft or ContributorInput()}, status=status)


def _contributor_input(form: MultiDictProxy, *, new: bool) -> ContributorInput:
    year = field(form, "commitment_year").strip()
    if year and not (year.isascii() and year.isdigit()):
        raise UserError(_("The commitment year must be a year such as 2026."))

    def secret(name: str) -> str | None:
        if field(form, f"clear_{name}") == "1":
            return ""
        typed = field(form, name).strip()
        return typed if typed or new else None

    return ContributorInput(
        full_name=field(form, "full_name"), pen_name=field(form, "pen_name"),
        email=field(form, "email"), phone=field(form, "phone"),
        address=field(form, "address"), user_id=as_id(field(form, "user_id")),
        long_contract=field(form, "long_contract") == "1",
        commitment_year=int(year) if year else None,
        bank_name=field(form, "bank_name"),
        active=field(form, "active") == "1" if not new else True,
        id_number=secret("id_number"), tax_code=secret("tax_code"),
        bank_account=secret("bank_account"))


async def add_contributor(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.pay")
    async with posted_form(request) as form:
        try:
            data = _contributor_input(form, new=True)
        except UserError as exc:
            return await contributors_page(request, error=str(exc), status=400)
    try:
        saved = await write(request, lambda conn: register.save_contributor(
            conn, _key(request), data, actor_id=user.id))
    except UserError as exc:
        data.id_number = data.tax_code = data.bank_account = None  # never echoed back
        return await contributors_page(request, error=str(exc), draft=data,
                                       status=_status_of(exc))
    raise web.HTTPSeeOther(f"{BASE}/contributors/{saved.id}?done=contributor")


def _contributor_data(conn: sqlite3.Connection, key, contributor_id: int) -> dict:
    person = register.get_contributor(conn, key, contributor_id)
    return {"person": person, "accounts": list_users(conn),
            "works": periods.own_works(conn, contributor_id, limit=50),
            "paid": periods.own_periods(conn, contributor_id)}


async def contributor_page(request: web.Request, *, error: str | None = None,
                           revealed: dict | None = None,
                           status: int = 200) -> web.Response:
    require(signed_in(request), "royalty.pay")
    data = await read(request, _contributor_data, _key(request), _number(request))
    return await _page(request, "royalty_contributor.html", data | {
        "error": error, "revealed": revealed or {},
        "secret_fields": register.SECRET_FIELDS}, status=status)


async def change_contributor(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.pay")
    contributor_id = _number(request)
    async with posted_form(request) as form:
        try:
            data = _contributor_input(form, new=False)
        except UserError as exc:
            return await contributor_page(request, error=str(exc), status=400)
    try:
        await write(request, lambda conn: register.save_contributor(
            conn, _key(request), data, contributor_id=contributor_id, actor_id=user.id))
    except UserError as exc:
        return await contributor_page(request, error=str(exc), status=_status_of(exc))
    raise web.HTTPSeeOther(f"{BASE}/contributors/{contributor_id}?done=contributor")


async def reveal(request: web.Request) -> web.Response:
    """Show one personal number in full; the reveal goes into the audit log."""
    user = signed_in(request)
    require(user, "royalty.pay")
    contributor_id = _number(request)
    async with posted_form(request) as form:
        name = field(form, "field")
    value = await write(request, register.reveal, _key(request), contributor_id, name,
                        user.id)
    log.info("personal number revealed", extra={"contributor": contributor_id,
                                                "field": name, "user": user.username})
    return await contributor_page(request, revealed={name: value})


# -- rules ---------------------------------------------------------------------------

async def rules_page(request: web.Request, *, error: str | None = None,
                     status: int = 200) -> web.Response:
    user = signed_in(request)
    require(user, "royalty.view")
    found = await read(request, rules.history)
    return await _page(request, "royalty_rules.html", {
        "history": found, "error": error, "may_edit": can(user, "royalty.rules"),
        "modes": rules.MODES}, status=status)


def _names_from(form: MultiDictProxy) -> dict[str, str]:
    return {lang: field(form, f"name_{lang}") for lang in LANGUAGES}


def _position(form: MultiDictProxy) -> int:
    value = as_id(field(form, "position").strip() or "0")
    if value is None or value > 1000:
        raise UserError(_("The order must be a whole number from 0 to 1000."))
    return value


async def save_rule(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.rules")
    table = request.match_info["table"]
    async with posted_form(request) as form:
        try:
            day, note = field(form, "effective_from"), field(form, "note")
            if table == "base_salary":
                amount = rules.parse_amount(field(form, "amount"), _("The base salary"))
                unit = rules.parse_hundredths(field(form, "unit_rate") or "10",
                                              _("The unit share"))
                await write(request, rules.save_base_salary, day, amount, unit, note,
                            user.id)
            elif table == "tax_rule":
                threshold = rules.parse_amount(field(form, "threshold"),
                                               _("The threshold"))
                rate = rules.parse_hundredths(field(form, "rate"), _("The tax rate"))
                await write(request, rules.save_tax_rule, day, threshold, rate, note,
                            user.id)
            elif table == "work_kind":
                low = rules.parse_hundredths(field(form, "min"), _("The lowest coefficient"))
                high = rules.parse_hundredths(field(form, "max"),
                                              _("The highest coefficient"))
                await write(request, rules.save_kind, field(form, "code"), day,
                            _names_from(form), low, high, _position(form),
                            field(form, "retired") == "1", note, user.id)
            elif table == "adjustment_rule":
                low = rules.parse_hundredths(field(form, "min"), _("The lowest percentage"))
                high = rules.parse_hundredths(field(form, "max"),
                                              _("The highest percentage"))
                await write(request, rules.save_adjustment, field(form, "code"), day,
                            _names_from(form), field(form, "mode"), low, high,
                            _position(form), field(form, "retired") == "1", note, user.id)
            else:
                raise NotFoundError(_("No such rule."))
        except UserError as exc:
            if isinstance(exc, NotFoundError):
                raise
            return await rules_page(request, error=str(exc), status=_status_of(exc))
    log.info("royalty rule saved", extra={"rule": table, "user": user.username})
    raise web.HTTPSeeOther(f"{BASE}/rules?done=rule#{table}")


async def delete_rule(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.rules")
    table = request.match_info["table"]
    async with posted_form(request) as form:
        day, code = field(form, "effective_from"), field(form, "code") or None
    await write(request, rules.delete_version, table, day, code, user.id)
    raise web.HTTPSeeOther(f"{BASE}/rules?done=rule-deleted#{table}")


# -- periods ----------------------------------------------------------------------------

async def open_period(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.pay")
    async with posted_form(request) as form:
        starts, ends = field(form, "starts"), field(form, "ends")
        name, pay_on = field(form, "name"), field(form, "pay_on")
    settings = _settings(request)
    try:
        period = await write(request, lambda conn: periods.open_period(
            conn, starts, ends, name=name, pay_on=pay_on, settings=settings,
            user_id=user.id))
    except UserError as exc:
        data = await read(request, _overview_data, _key(request), user, _today(),
                          request.config_dict[CONFIG])
        return await _page(request, "royalties.html", data | {
            "error": str(exc), "today": _today(), "month_start": starts,
            "month_end": ends, "typed_pay_on": pay_on, "typed_name": name}, status=400)
    raise web.HTTPSeeOther(f"{BASE}/periods/{period.id}?done=opened")


def _period_data(conn: sqlite3.Connection, key, period_id: int) -> dict:
    period = periods.get_period(conn, period_id)
    problem = periods.problem(conn, period)
    worked_out = {} if problem else periods.payments(conn, key, period)
    return {
        "period": period,
        "problem": problem,
        "works": periods.period_works(conn, period_id),
        "others": periods.other_lines(conn, period_id),
        "to_grade": periods.works_to_grade(conn, period) if period.is_open else [],
        "payments": worked_out,
        "names": register.names(conn),
        "totals": periods.totals(conn, key, period, worked_out),
        "people": register.list_contributors(conn, key, active_only=True),
        "locked": [p for p in periods.list_periods(conn) if p.is_locked],
    }


async def period_page(request: web.Request, *, error: str | None = None,
                      status: int = 200) -> web.Response:
    user = signed_in(request)
    require(user, "royalty.view")
    data = await read(request, _period_data, _key(request), _number(request))
    return await _page(request, "royalty_period.html", data | {
        "error": error, "exports": EXPORTS, "today": _today()}, status=status)


async def period_step(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.pay")
    period_id = _number(request)
    step = request.path.rsplit("/", 1)[1]
    async with posted_form(request):
        pass
    key, settings = _key(request), _settings(request)
    steps = {
        "collect": lambda conn: periods.collect(conn, period_id, settings, user.id),
        "review": lambda conn: periods.to_review(conn, key, period_id, user.id),
        "reopen": lambda conn: periods.reopen(conn, period_id, user.id),
        "lock": lambda conn: periods.lock(conn, period_id, user.id),
        "delete": lambda conn: periods.delete_period(conn, period_id, user.id),
    }
    try:
        await write(request, steps[step])
    except UserError as exc:
        if isinstance(exc, NotFoundError):
            raise
        return await period_page(request, error=str(exc), status=_status_of(exc))
    log.info("payment period step", extra={"period": period_id, "step": step,
                                           "user": user.username})
    if step == "delete":
        raise web.HTTPSeeOther(f"{BASE}?done=deleted")
    done = {"collect": "collected", "review": "review", "reopen": "reopened",
            "lock": "locked"}[step]
    raise web.HTTPSeeOther(f"{BASE}/periods/{period_id}?done={done}")


async def add_line(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.pay")
    period_id = _number(request)
    async with posted_form(request) as form:
        try:
            kind = field(form, "type")
            who = as_id(field(form, "contributor"))
            if who is None:
                raise UserError(_("Choose a contributor from the register."))
            amount = coefficient = None
            if field(form, "coefficient").strip():
                coefficient = rules.parse_hundredths(field(form, "coefficient"),
                                                     _("The coefficient"))
            else:
                amount = rules.parse_amount(field(form, "amount"), _("The amount"))
            corrects = as_id(field(form, "corrects"))
            await write(request, lambda conn: periods.add_line(
                conn, period_id, who, kind, field(form, "description"), amount=amount,
                coefficient=coefficient, corrects=corrects, user_id=user.id))
        except UserError as exc:
            if isinstance(exc, NotFoundError):
                raise
            return await period_page(request, error=str(exc), status=_status_of(exc))
    raise web.HTTPSeeOther(f"{BASE}/periods/{period_id}?done=line#others")


async def remove_line(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.pay")
    period_id, line_id = _number(request), _number(request, "line")
    async with posted_form(request):
        pass
    try:
        await write(request, periods.remove_line, period_id, line_id, user.id)
    except UserError as exc:
        if isinstance(exc, NotFoundError):
            raise
        return await period_page(request, error=str(exc), status=_status_of(exc))
    raise web.HTTPSeeOther(f"{BASE}/periods/{period_id}?done=line-removed#others")


async def remove_work(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.pay")
    period_id, item_id = _number(request), _number(request, "item")
    async with posted_form(request):
        pass
    try:
        await write(request, periods.remove_work, period_id, item_id, user.id)
    except UserError as exc:
        if isinstance(exc, NotFoundError):
            raise
        return await period_page(request, error=str(exc), status=_status_of(exc))
    raise web.HTTPSeeOther(f"{BASE}/periods/{period_id}?done=work-removed#works")


async def correct_page(request: web.Request) -> web.StreamResponse:
    require(signed_in(request), "royalty.pay")
    period_id = _number(request)
    if "item" not in request.match_info:
        item_id = as_id(request.query.get("item", "").strip().lstrip("#"))
        if item_id is None:
            raise UserError(_("Give the number of the work to correct."))
        raise web.HTTPSeeOther(f"{BASE}/periods/{period_id}/correct/{item_id}")
    return await grade_page(request, action=request.path, period_id=period_id)


async def correct(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "royalty.pay")
    period_id, item_id = _number(request), _number(request, "item")
    async with posted_form(request) as form:
        try:
            grade = _grade_from(form)
        except UserError as exc:
            return await grade_page(request, error=str(exc), status=400,
                                    action=request.path, period_id=period_id)
    try:
        await write(request, periods.correct_work, period_id, item_id, grade, user.id)
    except UserError as exc:
        return await grade_page(request, error=str(exc), form=grade,
                                status=_status_of(exc), action=request.path,
                                period_id=period_id)
    raise web.HTTPSeeOther(f"{BASE}/periods/{period_id}?done=corrected#others")


# -- statements and exports ---------------------------------------------------------------

async def _statement(request: web.Request) -> periods.Statement:
    """A statement for a payer, or for the contributor themself once locked."""
    user = signed_in(request)
    period_id, who = _number(request), _number(request, "who")
    found = await read(request, periods.statement, _key(request), period_id, who)
    own = found.contributor.user_id == user.id and found.final
    if not (can(user, "royalty.pay") or own):
        require(user, "royalty.pay")
    return found


async def statement_page(request: web.Request) -> web.Response:
    found = await _statement(request)
    return await _page(request, "royalty_statement.html", {"statement": found})


async def statement_pdf(request: web.Request) -> web.Response:
    from . import exports  # fpdf2 is loaded only when a document is made

    found = await _statement(request)
    pdf = await in_thread(exports.statements_pdf, [found], _issuer(request))
    return _download(pdf, "application/pdf",
                     f"statement-{found.period.id}-{found.contributor.id}.pdf")


async def export(request: web.Request) -> web.Response:
    user = signed_in(request)
    require(user, "royalty.pay")
    period_id = _number(request)
    name = request.match_info["file"]
    from . import exports  # openpyxl and fpdf2 are loaded only when needed

    if name not in EXPORTS:
        raise NotFoundError(_("No such file."))
    key = _key(request)
    period = await read(request, periods.get_period, period_id)
    found = await read(request, periods.statements, key, period_id)
    if not found:
        raise UserError(_("The period pays nobody yet: collect the works first."))
    issuer = _issuer(request)
    content_type, stem = EXPORTS[name]
    if name == "payment-list.xlsx":
        body = await in_thread(exports.payment_list_xlsx, period, found, issuer)
    elif name == "bank-transfers.csv":
        body = await in_thread(exports.bank_transfer_csv, period, found)
    elif name == "signed-sheet.pdf":
        body = await in_thread(exports.signed_sheet_pdf, period, found, issuer)
    else:
        body = await in_thread(exports.statements_pdf, found, issuer)
    if name in ("payment-list.xlsx", "bank-transfers.csv"):
        await write(request, register.record_export, user.id, period_id, stem)
    log.info("payment period exported", extra={"period": period_id, "file": stem,
                                               "user": user.username})
    return _download(body, content_type, f"{stem}-{period_id}{name[name.rindex('.'):]}")


def _download(body: bytes, content_type: str, filename: str) -> web.Response:
    return web.Response(body=body, headers={
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})

