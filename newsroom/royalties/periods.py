"""Payment periods (kỳ chi trả): collect the graded works, review, lock.

An open period collects every graded work published up to its last day
that no period has paid, and takes lines of remuneration (thù lao) and
corrections. Sending it to review fixes each person's payment: gross, the
tax withheld under the rule in force on the payment date, and net. Locking
it makes it final: the database refuses any change to a locked period
(triggers in migration 0010), so a mistake found later is put right by a
correction line in a later period, never by editing what was paid.

A payment is everything one person is paid in one period, so the tax
threshold applies to that sum.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from appliance import content, revisions
from appliance.audit import audit
from appliance.content import Item
from appliance.db import utcnow
from appliance.errors import ConflictError, NotFoundError, UserError
from appliance.i18n import current_language, format_number
from appliance.i18n import gettext as _
from appliance.money import HUNDREDTHS, WHOLE, in_words, round_amount
from newsroom.reports.registry import MAX_DAYS

from . import grading, register, rules
from .grading import GradeInput
from .register import Contributor

STATUSES = ("open", "review", "locked")
LINE_TYPES = ("royalty", "supplement", "remuneration", "correction")
TAX_BASES = ("withheld", "below_threshold", "long_contract", "commitment")
MAX_DESCRIPTION = 300


@dataclass(frozen=True)
class Settings:
    """The site's choices a period is worked out with (royalties.* settings)."""

    salary_date: str = "publication"
    rounding: str = "nearest"
    rounding_unit: int = 1

    @classmethod
    def from_config(cls, config) -> Settings:
        return cls(config["royalties.salary_date"], config["royalties.rounding"],
                   config["royalties.rounding_unit"])


@dataclass(frozen=True)
class Period:
    id: int
    name: str
    starts: str
    ends: str
    pay_on: str
    status: str
    salary_date: str
    rounding: str
    rounding_unit: int
    created_at: str
    locked_at: str | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def is_locked(self) -> bool:
        return self.status == "locked"


def _period(row: sqlite3.Row) -> Period:
    return Period(row["id"], row["name"], row["starts"], row["ends"], row["pay_on"],
                  row["status"], row["salary_date"], row["rounding"],
                  row["rounding_unit"], row["created_at"], row["locked_at"])


def get_period(conn: sqlite3.Connection, period_id: int) -> Period:
    row = conn.execute("SELECT * FROM payment_period WHERE id = ?",
                       (period_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No payment period with number %(id)s.", id=period_id))
    return _period(row)


def list_periods(conn: sqlite3.Connection) -> list[Period]:
    rows = conn.execute("SELECT * FROM payment_period ORDER BY starts DESC, id DESC")
    return [_period(row) for row in rows]


def default_name(starts: str, ends: str) -> str:
    first, last = date.fromisoformat(starts), date.fromisoformat(ends)
    month_end = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if first.day == 1 and last == month_end:
        return _("Month %(month)s/%(year)s", month=str(first.month).zfill(2), year=first.year)
    return f"{first:%d/%m/%Y}–{last:%d/%m/%Y}"


def check_range(starts: str, ends: str, pay_on: str) -> None:
    """A period's days in order, within the years the content store dates
    works in, and no longer than a report may be."""
    rules.check_year(starts, _("The first day"))
    rules.check_year(ends, _("The last day"))
    rules.check_year(pay_on, _("The payment date"))
    if ends < starts:
        raise UserError(_("The last day may not come before the first."))
    if (date.fromisoformat(ends) - date.fromisoformat(starts)).days > MAX_DAYS:
        raise UserError(_("A payment period covers at most ten years."))


def check_rules(conn: sqlite3.Connection, starts: str, pay_on: str,
                salary_date: str) -> None:
    """The rules a period is worked out with are in force on the days that
    pick them: the tax rule on the payment date, and the base salary on the
    payment date when that picks it (royalties.salary_date = "payment"),
    otherwise on the first day, the earliest a work of the period is
    published (or, for its approval date, is known to be approved by)."""
    if conn.execute("SELECT 1 FROM tax_rule WHERE effective_from <= ?",
                    (pay_on,)).fetchone() is None:
        raise UserError(_("No tax rule is in force on %(day)s, the payment date: add "
                          "one under Royalty rules, or choose a later payment date.",
                          day=pay_on))
    day = pay_on if salary_date == "payment" else starts
    if conn.execute("SELECT 1 FROM base_salary WHERE effective_from <= ?",
                    (day,)).fetchone() is not None:
        return
    if salary_date == "payment":
        raise UserError(_("No base salary is in force on %(day)s, the payment date, "
                          "which picks the base salary of every work on this site: add "
                          "one under Royalty rules, or choose a later payment date.",
                          day=day))
    if salary_date == "approval":
        raise UserError(_("No base salary is in force on %(day)s, the first day, and a "
                          "work is paid with the base salary of the day it was "
                          "approved: add one under Royalty rules, or choose later "
                          "days.", day=day))
    raise UserError(_("No base salary is in force on %(day)s, the first day, and a work "
                      "is paid with the base salary of the day it was published: add "
                      "one under Royalty rules, or choose later days.", day=day))


def problem(conn: sqlite3.Connection, period: Period) -> str | None:
    """What keeps an open period from being worked out (dates stored by an
    older release, or a rule removed since), in words; None when nothing
    does. Periods under review or locked keep the payments they were fixed
    with."""
    if not period.is_open:
        return None
    try:
        check_range(period.starts, period.ends, period.pay_on)
        check_rules(conn, period.starts, period.pay_on, period.salary_date)
    except UserError as exc:
        return str(exc)
    return None


def open_period(conn: sqlite3.Connection, starts: str, ends: str, *, name: str = "",
                pay_on: str = "", settings: Settings = Settings(),
                user_id: int | None = None) -> Period:
    starts = rules.check_day(starts, _("The first day"))
    ends = rules.check_day(ends, _("The last day"))
    pay_on = rules.check_day(pay_on, _("The payment date")) if pay_on.strip() else ends
    check_range(starts, ends, pay_on)
    check_rules(conn, starts, pay_on, settings.salary_date)
    name = " ".join(name.split())[:120] or default_name(starts, ends)
    cur = conn.execute(
        "INSERT INTO payment_period (name, starts, ends, pay_on, salary_date, rounding,"
        " rounding_unit, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (name, starts, ends, pay_on, settings.salary_date, settings.rounding,
         settings.rounding_unit, utcnow(), user_id))
    audit(conn, user_id, "period.open", f"period:{cur.lastrowid}", name)
    return get_period(conn, cur.lastrowid)


def _must_be_open(period: Period) -> None:
    if period.status == "locked":
        raise ConflictError(_("The period “%(name)s” is locked and never changes; put "
                              "corrections in an open period.", name=period.name))
    if period.status != "open":
        raise ConflictError(_("The period “%(name)s” is under review; send it back to "
                              "open to change it.", name=period.name))


def delete_period(conn: sqlite3.Connection, period_id: int, user_id: int | None) -> None:
    period = get_period(conn, period_id)
    _must_be_open(period)
    conn.execute("DELETE FROM period_line WHERE period_id = ?", (period_id,))
    conn.execute("DELETE FROM period_work WHERE period_id = ?", (period_id,))
    conn.execute("DELETE FROM payment_period WHERE id = ?", (period_id,))
    audit(conn, user_id, "period.delete", f"period:{period_id}", period.name)


# -- collecting works ---------------------------------------------------------

@dataclass
class Collected:
    added: list[int]
    to_grade: list[Item]


def works_to_grade(conn: sqlite3.Connection, period: Period) -> list[Item]:
    """Works of the newsroom published in the period that nobody graded yet."""
    ids = [row[0] for row in conn.execute(
        "SELECT id FROM item WHERE source = 'local' AND published_at >= ?"
        " AND published_at < ? AND status IN ('published', 'unpublished', 'archived')"
        " AND id NOT IN (SELECT item_id FROM work_grade)"
        " AND id NOT IN (SELECT item_id FROM period_work)"
        " ORDER BY published_at, id",
        (rules.day_start_utc(period.starts), rules.day_end_utc(period.ends)))]
    found = content.items_by_id(conn, ids)
    return [found[i] for i in ids if i in found]


def collect(conn: sqlite3.Connection, period_id: int, settings: Settings,
            user_id: int | None) -> Collected:
    """Add every graded, unpaid work published up to the period's last day."""
    period = get_period(conn, period_id)
    _must_be_open(period)
    conn.execute("UPDATE payment_period SET salary_date = ?, rounding = ?,"
                 " rounding_unit = ? WHERE id = ?",
                 (settings.salary_date, settings.rounding, settings.rounding_unit,
                  period_id))
    period = get_period(conn, period_id)
    ids = [row[0] for row in conn.execute(
        "SELECT g.item_id FROM work_grade g JOIN item i ON i.id = g.item_id"
        " WHERE g.unpaid = 0 AND i.published_at IS NOT NULL AND i.published_at < ?"
        " AND i.status IN ('published', 'unpublished', 'archived')"
        " AND g.item_id NOT IN (SELECT item_id FROM period_work)"
        " ORDER BY i.published_at, i.id",
        (rules.day_end_utc(period.ends),))]
    for item_id in ids:
        _add_work(conn, period, item_id, user_id)
    audit(conn, user_id, "period.collect", f"period:{period_id}", str(len(ids)))
    return Collected(ids, works_to_grade(conn, period))


def _salary_day(conn: sqlite3.Connection, period: Period, item: Item) -> str:
    published = rules.local_day(item.published_at) or period.ends
    if period.salary_date == "payment":
        return period.pay_on
    if period.salary_date == "approval":
        approved = revisions.reached_at(conn, [item.id], "approved", first=False)
        return rules.local_day(approved.get(item.id)) or published
    return published


def _add_work(conn: sqlite3.Connection, period: Period, item_id: int,
              user_id: int | None) -> None:
    item = content.get_item(conn, item_id)
    grade = grading.get_grade(conn, item_id)
    assert grade is not None
    day = grading.work_day(item)
    kind = rules.kind_names(conn).get(grade.kind_code)
    salary_on = _salary_day(conn, period, item)
    salary = rules.base_salary_on(conn, salary_on)
    conn.execute(
        "INSERT INTO period_work (period_id, item_id, title, lang, section_key,"
        " published_at, kind_code, kind_name, coefficient, salary_on, base_salary,"
        " unit_rate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (period.id, item.id, item.title, item.lang, item.section_key,
         item.published_at, grade.kind_code, kind.name() if kind else grade.kind_code,
         grade.coefficient, salary_on, salary.amount, salary.unit_rate))
    adjustments = rules.adjustments_on(conn, day) | {
        code: rule for code, rule in rules.adjustment_names(conn).items()
        if code in grade.adjustments and code not in rules.adjustments_on(conn, day)}
    lines = grading.work_lines(grade, salary, adjustments, period.rounding,
                               period.rounding_unit)
    for line in lines:
        for author, amount in grading.shares_of(line.amount, grade.authors):
            _insert_line(conn, period.id, author.contributor_id, line.type,
                         item_id=item.id, code=line.code,
                         description=_describe(line, adjustments),
                         coefficient=line.coefficient, base_salary=line.base_salary,
                         unit_rate=line.unit_rate, rate=line.rate,
                         line_amount=line.amount, share=author.share, amount=amount,
                         user_id=user_id)


def _describe(line: grading.Line, adjustments: dict[str, rules.Adjustment]) -> str:
    rule = adjustments.get(line.code)
    if line.type == "supplement" and rule:
        return rule.name()
    if rule:
        return _("Royalty: %(adjustment)s", adjustment=rule.name())
    return _("Royalty")


def _insert_line(conn: sqlite3.Connection, period_id: int, contributor_id: int,
                 type: str, *, amount: int, line_amount: int | None = None,
                 item_id: int | None = None, code: str = "", description: str = "",
                 coefficient: int | None = None, base_salary: int | None = None,
                 unit_rate: int | None = None, rate: int | None = None,
                 share: int = WHOLE, corrects: int | None = None,
                 user_id: int | None = None) -> int:
    cur = conn.execute(
        "INSERT INTO period_line (period_id, contributor_id, item_id, type, code,"
        " description, coefficient, base_salary, unit_rate, rate, line_amount, share,"
        " amount, corrects, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (period_id, contributor_id, item_id, type, code, description, coefficient,
         base_salary, unit_rate, rate, amount if line_amount is None else line_amount,
         share, amount, corrects, utcnow(), user_id))
    return cur.lastrowid


def remove_work(conn: sqlite3.Connection, period_id: int, item_id: int,
                user_id: int | None) -> None:
    """Take a work out of an open period (it is collected again next time)."""
    _must_be_open(get_period(conn, period_id))
    conn.execute("DELETE FROM period_line WHERE period_id = ? AND item_id = ?"
                 " AND type IN ('royalty', 'supplement')", (period_id, item_id))
    if conn.execute("DELETE FROM period_work WHERE period_id = ? AND item_id = ?",
                    (period_id, item_id)).rowcount == 0:
        raise NotFoundError(_("That work is not in this period."))
    audit(conn, user_id, "period.remove_work", f"period:{period_id}", f"item:{item_id}")


# -- grading, and correcting what was paid ------------------------------------

@dataclass(frozen=True)
class PaidIn:
    """Where a work's royalty is: the period and its state."""

    period_id: int
    name: str
    status: str


def paid_in(conn: sqlite3.Connection, item_id: int) -> PaidIn | None:
    row = conn.execute(
        "SELECT p.id, p.name, p.status FROM period_work w JOIN payment_period p"
        " ON p.id = w.period_id WHERE w.item_id = ?", (item_id,)).fetchone()
    return PaidIn(row[0], row[1], row[2]) if row else None


def grade_work(conn: sqlite3.Connection, item_id: int, grade: GradeInput,
               user_id: int | None) -> grading.Grade:
    """Grade a work. A work already in an open period is worked out again
    there; one in a period under review or locked cannot be regraded here."""
    where = paid_in(conn, item_id)
    if where is not None and where.status != "open":
        raise ConflictError(_(
            "This work is in the period “%(name)s”, which is no longer open. Correct "
            "its grade from an open period instead.", name=where.name))
    saved = grading.save_grade(conn, item_id, grade, user_id)
    if where is not None:
        period = get_period(conn, where.period_id)
        remove_work(conn, period.id, item_id, user_id)
        if not saved.unpaid:
            _add_work(conn, period, item_id, user_id)
    return saved


def correct_work(conn: sqlite3.Connection, period_id: int, item_id: int,
                 grade: GradeInput, user_id: int | None) -> list[int]:
    """Regrade a work paid in a locked period: the difference each author is
    owed (or owes) goes into this open period as correction lines, worked
    out with the base salary and rounding the work was paid with."""
    period = get_period(conn, period_id)
    _must_be_open(period)
    where = paid_in(conn, item_id)
    if where is None or where.status != "locked":
        raise UserError(_("Only a work paid in a locked period is corrected; grade "
                          "other works as usual."))
    paid = get_period(conn, where.period_id)
    work = conn.execute("SELECT * FROM period_work WHERE item_id = ?",
                        (item_id,)).fetchone()
    saved = grading.save_grade(conn, item_id, grade, user_id)
    salary = rules.BaseSalary(work["salary_on"], work["base_salary"], work["unit_rate"], "")
    item = content.get_item(conn, item_id)
    adjustments = rules.adjustments_on(conn, grading.work_day(item))
    owed: dict[int, int] = {}
    if not saved.unpaid:
        for line in grading.work_lines(saved, salary, adjustments, paid.rounding,
                                       paid.rounding_unit):
            for author, amount in grading.shares_of(line.amount, saved.authors):
                owed[author.contributor_id] = owed.get(author.contributor_id, 0) + amount
    received: dict[int, int] = {}
    for row in conn.execute(
            "SELECT contributor_id, sum(amount) FROM period_line WHERE item_id = ?"
            " AND type IN ('royalty', 'supplement', 'correction')"
            " GROUP BY contributor_id", (item_id,)):
        received[row[0]] = row[1]
    before = rules.hundredths_text(work["coefficient"])
    after = rules.hundredths_text(saved.coefficient)
    if before != after:
        description = _("Correction of “%(title)s” paid in %(period)s: coefficient "
                        "%(before)s, now %(after)s", title=work["title"], period=paid.name,
                        before=before, after=after)
    else:
        description = _("Correction of “%(title)s” paid in %(period)s: the same "
                        "coefficient, %(before)s, with other shares or adjustments",
                        title=work["title"], period=paid.name, before=before)
    added = []
    for contributor_id in sorted(set(owed) | set(received)):
        delta = owed.get(contributor_id, 0) - received.get(contributor_id, 0)
        if delta:
            added.append(_insert_line(
                conn, period_id, contributor_id, "correction", amount=delta,
                item_id=item_id, description=description, coefficient=saved.coefficient,
                base_salary=salary.amount, unit_rate=salary.unit_rate,
                corrects=paid.id, user_id=user_id))
    audit(conn, user_id, "period.correct", f"period:{period_id}", f"item:{item_id}")
    return added


def add_line(conn: sqlite3.Connection, period_id: int, contributor_id: int, type: str,
             description: str, *, amount: int | None = None,
             coefficient: int | None = None, corrects: int | None = None,
             user_id: int | None = None) -> int:
    """Remuneration (an amount, or a coefficient at the payment date's unit
    value) or a correction (an amount, which may be negative)."""
    period = get_period(conn, period_id)
    _must_be_open(period)
    if type not in ("remuneration", "correction"):
        raise UserError(_("Choose remuneration or a correction."))
    if conn.execute("SELECT 1 FROM contributor WHERE id = ?",
                    (contributor_id,)).fetchone() is None:
        raise UserError(_("Choose a contributor from the register."))
    description = " ".join((description or "").split())
    if not description:
        raise UserError(_("Say what the line is for."))
    if len(description) > MAX_DESCRIPTION:
        raise UserError(_("The description may be at most %(n)s characters long.",
                          n=MAX_DESCRIPTION))
    salary = None
    if coefficient is not None:
        if type != "remuneration":
            raise UserError(_("A correction is an amount of đồng."))
        salary = rules.base_salary_on(conn, period.pay_on)
        amount = round_amount(Fraction(coefficient, HUNDREDTHS) * salary.unit_value,
                              period.rounding, period.rounding_unit)
    if amount is None:
        raise UserError(_("Give an amount or a coefficient."))
    if type == "remuneration" and amount <= 0:
        raise UserError(_("Remuneration must be more than 0 đồng."))
    if corrects is not None:
        target = get_period(conn, corrects)
        if not target.is_locked:
            raise UserError(_("A correction corrects a locked period."))
    line_id = _insert_line(
        conn, period_id, contributor_id, type, amount=amount, description=description,
        coefficient=coefficient, base_salary=salary.amount if salary else None,
        unit_rate=salary.unit_rate if salary else None, corrects=corrects,
        user_id=user_id)
    audit(conn, user_id, f"period.{type}", f"period:{period_id}", str(amount))
    return line_id


def remove_line(conn: sqlite3.Connection, period_id: int, line_id: int,
                user_id: int | None) -> None:
    _must_be_open(get_period(conn, period_id))
    row = conn.execute("SELECT type FROM period_line WHERE id = ? AND period_id = ?",
                       (line_id, period_id)).fetchone()
    if row is None:
        raise NotFoundError(_("No such line in this period."))
    if row["type"] in ("royalty", "supplement"):
        raise UserError(_("A work's royalty lines go with the work: take the work out "
                          "of the period instead."))
    conn.execute("DELETE FROM period_line WHERE id = ?", (line_id,))
    audit(conn, user_id, "period.remove_line", f"period:{period_id}", str(line_id))


# -- payments and statements ----------------------------------------------------

@dataclass(frozen=True)
class Payment:
    gross: int
    tax: int
    net: int
    rate: int
    threshold: int
    basis: str


def work_out_payment(gross: int, contributor: Contributor, rule: rules.TaxRule,
                     pay_on: str, rounding: str, unit: int) -> Payment:
    """Tax on one person's payment in one run: withheld from people without a
    labour contract of three months or more, on a payment of the threshold
    or more, unless they filed a commitment for that year."""
    if contributor.long_contract:
        basis = "long_contract"
    elif contributor.commitment_year == int(pay_on[:4]):
        basis = "commitment"
    elif gross >= rule.threshold and gross > 0:
        basis = "withheld"
    else:
        basis = "below_threshold"
    tax = 0
    if basis == "withheld":
        tax = round_amount(Fraction(gross * rule.rate, WHOLE), rounding, unit)
    return Payment(gross, tax, gross - tax, rule.rate, rule.threshold, basis)


def _gross_by_contributor(conn: sqlite3.Connection, period_id: int) -> dict[int, int]:
    rows = conn.execute("SELECT contributor_id, sum(amount) FROM period_line"
                        " WHERE period_id = ? GROUP BY contributor_id", (period_id,))
    return {row[0]: row[1] for row in rows}


def payments(conn: sqlite3.Connection, key, period: Period) -> dict[int, Payment]:
    """Each person's payment: as fixed for review or locked periods, as it
    would be now for an open one."""
    if not period.is_open:
        return {row["contributor_id"]: Payment(row["gross"], row["tax"], row["net"],
                                               row["tax_rate"], row["tax_threshold"],
                                               row["tax_basis"])
                for row in conn.execute("SELECT * FROM period_payment WHERE period_id = ?",
                                        (period.id,))}
    gross = _gross_by_contributor(conn, period.id)
    people = register.contributors_by_id(conn, key, set(gross))
    rule = rules.tax_rule_on(conn, period.pay_on)
    return {cid: work_out_payment(amount, people[cid], rule, period.pay_on,
                                  period.rounding, period.rounding_unit)
            for cid, amount in gross.items()}


def to_review(conn: sqlite3.Connection, key, period_id: int,
              user_id: int | None) -> Period:
    period = get_period(conn, period_id)
    _must_be_open(period)
    worked_out = payments(conn, key, period)
    if not worked_out:
        raise UserError(_("The period has nothing to pay yet: collect the works first."))
    _refuse_negative(conn, worked_out)
    conn.execute("UPDATE payment_period SET status = 'review' WHERE id = ?", (period_id,))
    conn.executemany(
        "INSERT INTO period_payment (period_id, contributor_id, gross, tax, net,"
        " tax_rate, tax_threshold, tax_basis) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(period_id, cid, p.gross, p.tax, p.net, p.rate, p.threshold, p.basis)
         for cid, p in worked_out.items()])
    audit(conn, user_id, "period.review", f"period:{period_id}", period.name)
    return get_period(conn, period_id)


def _refuse_negative(conn: sqlite3.Connection, worked_out: dict[int, Payment]) -> None:
    """A period pays people; it never asks them for money. A correction that
    takes back more than someone earns in the period would make their net
    negative, and the payment list, the bank transfers and the signed sheet
    would no longer agree, so such a period does not go to review."""
    owing = {cid: p.net for cid, p in worked_out.items() if p.net < 0}
    if not owing:
        return
    names = register.names(conn)
    people = "; ".join(
        f"{names.get(cid, str(cid))}: {format_number(net)} đ"
        for cid, net in sorted(owing.items(), key=lambda pair: names.get(pair[0], "")))
    raise UserError(_(
        "The period cannot go to review while someone would be paid less than "
        "nothing: %(people)s. Move the correction to a later period in which they "
        "are owed enough, or settle the difference with the accounting office.",
        people=people))


def reopen(conn: sqlite3.Connection, period_id: int, user_id: int | None) -> Period:
    period = get_period(conn, period_id)
    if period.status != "review":
        raise ConflictError(_("Only a period under review can be opened again."))
    conn.execute("DELETE FROM period_payment WHERE period_id = ?", (period_id,))
    conn.execute("UPDATE payment_period SET status = 'open' WHERE id = ?", (period_id,))
    audit(conn, user_id, "period.reopen", f"period:{period_id}", period.name)
    return get_period(conn, period_id)


def lock(conn: sqlite3.Connection, period_id: int, user_id: int | None) -> Period:
    period = get_period(conn, period_id)
    if period.status != "review":
        raise ConflictError(_("A period is locked after its review: send it to review "
                              "first."))
    conn.execute("UPDATE payment_period SET status = 'locked', locked_at = ?,"
                 " locked_by = ? WHERE id = ?", (utcnow(), user_id, period_id))
    audit(conn, user_id, "period.lock", f"period:{period_id}", period.name)
    return get_period(conn, period_id)


@dataclass
class StatementLine:
    id: int
    contributor_id: int
    type: str
    code: str
    description: str
    item_id: int | None
    title: str
    lang: str
    published_at: str | None
    kind_name: str
    coefficient: int | None
    base_salary: int | None
    unit_rate: int | None
    rate: int | None
    line_amount: int
    share: int
    amount: int
    corrects: int | None

    @property
    def unit_value(self) -> Fraction | None:
        if self.base_salary is None or self.unit_rate is None:
            return None
        return Fraction(self.base_salary * self.unit_rate, WHOLE)


@dataclass
class Statement:
    period: Period
    contributor: Contributor
    lines: list[StatementLine]
    payment: Payment
    words: str = ""
    groups: dict[str, list[StatementLine]] = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.period.is_locked


def _lines(conn: sqlite3.Connection, period_id: int,
           contributor_id: int | None = None) -> list[StatementLine]:
    sql = ("SELECT l.*, w.title, w.lang, w.published_at, w.kind_code, w.kind_name"
           " FROM period_line l"
           " LEFT JOIN period_work w ON w.item_id = l.item_id AND w.period_id = l.period_id"
           " WHERE l.period_id = ?")
    params: list = [period_id]
    if contributor_id is not None:
        sql += " AND l.contributor_id = ?"
        params.append(contributor_id)
    kinds = rules.kind_names(conn)
    lang = current_language()
    result = []
    for row in conn.execute(sql, params):
        result.append(StatementLine(
            id=row["id"], contributor_id=row["contributor_id"], type=row["type"], code=row["code"],
            description=row["description"], item_id=row["item_id"],
            title=row["title"] or "", lang=row["lang"] or "vi",
            published_at=row["published_at"],
            kind_name=kinds[row["kind_code"]].name(lang) if row["kind_code"] in kinds
            else row["kind_name"] or "",
            coefficient=row["coefficient"], base_salary=row["base_salary"],
            unit_rate=row["unit_rate"], rate=row["rate"], line_amount=row["line_amount"],
            share=row["share"], amount=row["amount"], corrects=row["corrects"]))
    result.sort(key=_line_order)
    return result


_TYPE_ORDER = {"royalty": 0, "supplement": 1, "remuneration": 2, "correction": 3}


def _line_order(line: StatementLine) -> tuple:
    """Works by publication (royalty, then its supplements), then
    remuneration, then corrections, each in the order they were added."""
    group = max(0, _TYPE_ORDER[line.type] - 1)
    return (group, line.published_at or "", line.item_id or 0,
            _TYPE_ORDER[line.type], line.id)


def statement(conn: sqlite3.Connection, key, period_id: int,
              contributor_id: int) -> Statement:
    period = get_period(conn, period_id)
    contributor = register.get_contributor(conn, key, contributor_id)
    lines = _lines(conn, period_id, contributor_id)
    if not lines:
        raise NotFoundError(_("%(name)s is paid nothing in this period.",
                              name=contributor.label))
    payment = payments(conn, key, period).get(contributor_id)
    assert payment is not None
    return _complete(Statement(period, contributor, lines, payment))


def statements(conn: sqlite3.Connection, key, period_id: int) -> list[Statement]:
    period = get_period(conn, period_id)
    worked_out = payments(conn, key, period)
    people = register.contributors_by_id(conn, key, set(worked_out))
    by_person: dict[int, list[StatementLine]] = {}
    for line in _lines(conn, period_id):
        by_person.setdefault(line.contributor_id, []).append(line)
    found = [_complete(Statement(period, people[cid], by_person.get(cid, []), payment))
             for cid, payment in worked_out.items()]
    return sorted(found, key=lambda s: (s.contributor.full_name.casefold(), s.contributor.id))


def _complete(found: Statement) -> Statement:
    found.words = in_words(found.payment.net)
    for line in found.lines:
        group = "works" if line.type in ("royalty", "supplement") else line.type
        found.groups.setdefault(group, []).append(line)
    return found


@dataclass
class Totals:
    gross: int = 0
    tax: int = 0
    net: int = 0
    people: int = 0
    works: int = 0

    @property
    def words(self) -> str:
        return in_words(self.net)


def totals(conn: sqlite3.Connection, key, period: Period,
           worked_out: dict[int, Payment] | None = None) -> Totals:
    found = (payments(conn, key, period) if worked_out is None else worked_out).values()
    works = conn.execute("SELECT count(*) FROM period_work WHERE period_id = ?",
                         (period.id,)).fetchone()[0]
    return Totals(sum(p.gross for p in found), sum(p.tax for p in found),
                  sum(p.net for p in found), len(found), works)


def period_works(conn: sqlite3.Connection, period_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT w.*, (SELECT sum(amount) FROM period_line l WHERE l.period_id ="
        " w.period_id AND l.item_id = w.item_id AND l.type IN ('royalty', 'supplement'))"
        " AS amount FROM period_work w WHERE w.period_id = ? ORDER BY w.published_at,"
        " w.item_id", (period_id,)).fetchall()


def other_lines(conn: sqlite3.Connection, period_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM period_line WHERE period_id = ? AND type IN ('remuneration',"
        " 'correction') ORDER BY id", (period_id,)).fetchall()


# -- the 60-day rule ----------------------------------------------------------------

@dataclass(frozen=True)
class DueWork:
    item: Item
    due: str
    days_left: int
    graded: bool
    period: str | None


def due_works(conn: sqlite3.Connection, today: str, payment_days: int,
              warn_days: int, limit: int = 20) -> tuple[list[DueWork], int]:
    """Works whose royalty must be paid within `warn_days` (or is late): the
    law gives 60 days from publication. A work counts as paid once its
    period is locked."""
    horizon = date.fromisoformat(today) + timedelta(days=warn_days - payment_days + 1)
    params = (rules.day_start_utc(horizon.isoformat()),)
    where = (" FROM item WHERE source = 'local' AND published_at IS NOT NULL"
             " AND published_at < ? AND status IN ('published', 'unpublished', 'archived')"
             " AND id NOT IN (SELECT item_id FROM work_grade WHERE unpaid = 1)"
             " AND id NOT IN (SELECT w.item_id FROM period_work w JOIN payment_period p"
             " ON p.id = w.period_id WHERE p.status = 'locked')")
    total = conn.execute("SELECT count(*)" + where, params).fetchone()[0]
    ids = [row[0] for row in conn.execute(
        "SELECT id" + where + " ORDER BY published_at, id LIMIT ?", (*params, limit))]
    items = content.items_by_id(conn, ids)
    graded = set(grading.grades_for(conn, ids))
    found = []
    for item_id in ids:
        item = items[item_id]
        due = date.fromisoformat(rules.local_day(item.published_at)) + timedelta(days=payment_days)
        where_paid = paid_in(conn, item_id)
        found.append(DueWork(item, due.isoformat(),
                             (due - date.fromisoformat(today)).days, item_id in graded,
                             where_paid.name if where_paid else None))
    return found, total


# -- a contributor's own view -----------------------------------------------------

@dataclass(frozen=True)
class OwnWork:
    item: Item
    grade: grading.Grade
    period: PaidIn | None
    amount: int | None


def own_works(conn: sqlite3.Connection, contributor_id: int,
              limit: int = 200) -> list[OwnWork]:
    """The works a contributor is an author of, newest first, with where they
    are paid and how much."""
    ids = [row[0] for row in conn.execute(
        "SELECT a.item_id FROM work_author a JOIN item i ON i.id = a.item_id"
        " WHERE a.contributor_id = ? ORDER BY i.published_at DESC, i.id DESC LIMIT ?",
        (contributor_id, limit))]
    items = content.items_by_id(conn, ids)
    grades = grading.grades_for(conn, ids)
    result = []
    for item_id in ids:
        row = conn.execute("SELECT sum(amount) FROM period_line WHERE item_id = ?"
                           " AND contributor_id = ?", (item_id, contributor_id)).fetchone()
        result.append(OwnWork(items[item_id], grades[item_id], paid_in(conn, item_id),
                              row[0]))
    return result


def own_periods(conn: sqlite3.Connection, contributor_id: int) -> list[tuple[Period, Payment]]:
    """The locked periods that paid a contributor, newest first."""
    rows = conn.execute(
        "SELECT p.*, pp.gross, pp.tax, pp.net, pp.tax_rate, pp.tax_threshold,"
        " pp.tax_basis FROM period_payment pp JOIN payment_period p ON p.id = pp.period_id"
        " WHERE pp.contributor_id = ? AND p.status = 'locked' ORDER BY p.starts DESC",
        (contributor_id,))
    return [(_period(row), Payment(row["gross"], row["tax"], row["net"], row["tax_rate"],
                                   row["tax_threshold"], row["tax_basis"]))
            for row in rows]
