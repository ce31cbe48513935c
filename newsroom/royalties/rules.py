"""The royalty rules as data: the base salary, the kinds of work with their
coefficient ranges, the adjustments and the tax withholding rule, each kept
in every version with the date it takes effect.

Administrators change them at /admin/royalties/rules; nothing here is a
constant in code. A new version never rewrites a period already worked out:
periods keep the figures they were computed with (see periods.py).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from appliance.audit import audit
from appliance.content import MAX_YEAR, MIN_YEAR
from appliance.db import utcnow
from appliance.errors import NotFoundError, UserError
from appliance.i18n import LANGUAGES, LOCAL_TZ, format_number, parse_stored
from appliance.i18n import gettext as _
from appliance.money import HUNDREDTHS, WHOLE

MODES = ("share", "supplement")
SALARY_DATES = ("publication", "approval", "payment")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_AMOUNT = 10**12


# -- days ---------------------------------------------------------------------

def local_day(stored: str | None) -> str | None:
    """The Asia/Ho_Chi_Minh calendar day of a stored UTC time."""
    moment = parse_stored(stored)
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.astimezone(LOCAL_TZ).date().isoformat()
    return moment.isoformat()


# No stored time comes before this one: local midnight of the calendar's
# first day falls before the first UTC instant there is.
FIRST_UTC = "0001-01-01T00:00:00Z"


def _stored(moment: datetime) -> str:
    """A UTC moment as stored, its year always in four digits."""
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def day_start_utc(day: str) -> str:
    """Local midnight at the start of a day, as stored UTC."""
    try:
        moment = datetime.combine(date.fromisoformat(day), time(), tzinfo=LOCAL_TZ)
        return _stored(moment.astimezone(UTC))
    except OverflowError:
        return FIRST_UTC


def day_end_utc(day: str) -> str:
    """Local midnight at the end of a day (the start of the next), as stored
    UTC; the calendar's last day ends too, though no day follows it."""
    last = date.fromisoformat(day)
    if last == date.max:
        moment = datetime.combine(last, time(), tzinfo=LOCAL_TZ).astimezone(UTC)
        return _stored(moment + timedelta(days=1))
    return day_start_utc(next_day(day))


def next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def check_year(day: str, what: str) -> str:
    """A day within the years the content store accepts for publication:
    outside them a date is a typing mistake, and the far ends of the
    calendar cannot be moved between time zones."""
    if not MIN_YEAR <= int(day[:4]) <= MAX_YEAR:
        raise UserError(_("%(what)s %(day)s is outside the years %(first)s to %(last)s.",
                          what=what, day=day, first=MIN_YEAR, last=MAX_YEAR))
    return day


def check_day(text: str, what: str) -> str:
    try:
        return date.fromisoformat((text or "").strip()).isoformat()
    except ValueError:
        raise UserError(_("%(what)s must be a date written YYYY-MM-DD.", what=what)) from None


# -- figures as typed and shown ----------------------------------------------

def parse_hundredths(text: str, what: str) -> int:
    """A coefficient or percentage as typed ("8", "8.5", "8,5") in hundredths."""
    cleaned = (text or "").strip().replace(",", ".").removesuffix("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise UserError(_("%(what)s must be a number, such as 8 or 8.5.", what=what)) from None
    scaled = value * HUNDREDTHS
    if not value.is_finite() or scaled != scaled.to_integral_value() or value < 0:
        raise UserError(_("%(what)s may have at most two decimals and may not be "
                          "negative.", what=what))
    if scaled > 10**9:
        raise UserError(_("%(what)s is too large.", what=what))
    return int(scaled)


# Whole đồng as people write them: plain digits, or digits grouped by
# thousands with one separator (".", "," or a space) in groups of three.
# "1000.5" or "1500,50" is refused, never read as 10005 or 150050.
_AMOUNT = re.compile(r"(-?)\s*([0-9]{1,13}|[0-9]{1,3}(?:([.,\s])[0-9]{3})"
                     r"(?:\3[0-9]{3})*)\s*(?:đ|VND|₫)?", re.IGNORECASE)


def parse_amount(text: str, what: str) -> int:
    """A whole number of đồng as typed: "2530000", "2.530.000", "2,530,000"
    or "2 530 000", with a minus sign for a correction owed back."""
    match = _AMOUNT.fullmatch((text or "").strip())
    if match is None:
        raise UserError(_("%(what)s must be a whole number of đồng, written like "
                          "1500000 or 1.500.000, without decimals.", what=what))
    digits = re.sub(r"[^0-9]", "", match.group(2))
    if len(digits) > 13:
        raise UserError(_("%(what)s is too large.", what=what))
    value = int(match.group(1) + digits)
    if abs(value) > MAX_AMOUNT:
        raise UserError(_("%(what)s is too large.", what=what))
    return value


def hundredths_text(value: int | None, lang: str | None = None) -> str:
    """850 -> "8,5" (vi) or "8.5" (en); whole numbers without decimals."""
    if value is None:
        return ""
    return format_number(Decimal(value) / HUNDREDTHS, lang)


def rate_text(value: int | None, lang: str | None = None) -> str:
    """Hundredths of a percent as a percentage: 5000 -> "50%"."""
    return "" if value is None else f"{hundredths_text(value, lang)}%"


# -- records ------------------------------------------------------------------

@dataclass(frozen=True)
class BaseSalary:
    effective_from: str
    amount: int
    unit_rate: int
    note: str

    @property
    def unit_value(self) -> Fraction:
        """The value of one coefficient unit (10% of the base salary)."""
        return Fraction(self.amount * self.unit_rate, WHOLE)


@dataclass(frozen=True)
class WorkKind:
    code: str
    effective_from: str
    names: dict[str, str]
    min_coefficient: int
    max_coefficient: int
    position: int
    retired: bool
    note: str

    def name(self, lang: str = "vi") -> str:
        return self.names.get(lang) or self.names.get("vi") or self.code


@dataclass(frozen=True)
class Adjustment:
    code: str
    effective_from: str
    names: dict[str, str]
    mode: str
    min_rate: int
    max_rate: int
    position: int
    retired: bool
    note: str

    def name(self, lang: str = "vi") -> str:
        return self.names.get(lang) or self.names.get("vi") or self.code


@dataclass(frozen=True)
class TaxRule:
    effective_from: str
    threshold: int
    rate: int
    note: str


def _kind(row: sqlite3.Row) -> WorkKind:
    return WorkKind(row["code"], row["effective_from"], json.loads(row["names"]),
                    row["min_coefficient"], row["max_coefficient"], row["position"],
                    bool(row["retired"]), row["note"])


def _adjustment(row: sqlite3.Row) -> Adjustment:
    return Adjustment(row["code"], row["effective_from"], json.loads(row["names"]),
                      row["mode"], row["min_rate"], row["max_rate"], row["position"],
                      bool(row["retired"]), row["note"])


# -- what is in force on a day -----------------------------------------------

def base_salary_on(conn: sqlite3.Connection, day: str) -> BaseSalary:
    row = conn.execute(
        "SELECT * FROM base_salary WHERE effective_from <= ?"
        " ORDER BY effective_from DESC LIMIT 1", (day,)).fetchone()
    if row is None:
        raise UserError(_("No base salary is in force on %(day)s: add one under "
                          "Royalty rules.", day=day))
    return BaseSalary(row["effective_from"], row["amount"], row["unit_rate"], row["note"])


def tax_rule_on(conn: sqlite3.Connection, day: str) -> TaxRule:
    row = conn.execute(
        "SELECT * FROM tax_rule WHERE effective_from <= ?"
        " ORDER BY effective_from DESC LIMIT 1", (day,)).fetchone()
    if row is None:
        raise UserError(_("No tax rule is in force on %(day)s: add one under "
                          "Royalty rules.", day=day))
    return TaxRule(row["effective_from"], row["threshold"], row["rate"], row["note"])


_IN_FORCE = (" t WHERE effective_from = (SELECT max(effective_from) FROM {table}"
             " WHERE code = t.code AND effective_from <= ?)")


def kinds_on(conn: sqlite3.Connection, day: str) -> dict[str, WorkKind]:
    """The kinds of work in force on a day, in their order."""
    rows = conn.execute("SELECT * FROM work_kind" + _IN_FORCE.format(table="work_kind")
                        + " ORDER BY position, code", (day,))
    return {kind.code: kind for kind in map(_kind, rows) if not kind.retired}


def adjustments_on(conn: sqlite3.Connection, day: str) -> dict[str, Adjustment]:
    rows = conn.execute("SELECT * FROM adjustment_rule"
                        + _IN_FORCE.format(table="adjustment_rule")
                        + " ORDER BY position, code", (day,))
    return {rule.code: rule for rule in map(_adjustment, rows) if not rule.retired}


def kind_names(conn: sqlite3.Connection) -> dict[str, WorkKind]:
    """The newest version of every kind ever defined, for naming old works."""
    rows = conn.execute("SELECT * FROM work_kind" + _IN_FORCE.format(table="work_kind"),
                        ("9999-12-31",))
    return {kind.code: kind for kind in map(_kind, rows)}


def adjustment_names(conn: sqlite3.Connection) -> dict[str, Adjustment]:
    rows = conn.execute("SELECT * FROM adjustment_rule"
                        + _IN_FORCE.format(table="adjustment_rule"), ("9999-12-31",))
    return {rule.code: rule for rule in map(_adjustment, rows)}


# -- every version, for the rules page ----------------------------------------

@dataclass
class History:
    salaries: list[BaseSalary]
    kinds: list[WorkKind]
    adjustments: list[Adjustment]
    taxes: list[TaxRule]


def history(conn: sqlite3.Connection) -> History:
    return History(
        salaries=[BaseSalary(r["effective_from"], r["amount"], r["unit_rate"], r["note"])
                  for r in conn.execute("SELECT * FROM base_salary"
                                        " ORDER BY effective_from DESC")],
        kinds=[_kind(r) for r in conn.execute(
            "SELECT * FROM work_kind ORDER BY position, code, effective_from DESC")],
        adjustments=[_adjustment(r) for r in conn.execute(
            "SELECT * FROM adjustment_rule ORDER BY position, code, effective_from DESC")],
        taxes=[TaxRule(r["effective_from"], r["threshold"], r["rate"], r["note"])
               for r in conn.execute("SELECT * FROM tax_rule ORDER BY effective_from DESC")],
    )


# -- changing them --------------------------------------------------------------

def _note(text: str) -> str:
    note = " ".join((text or "").split())
    if len(note) > 300:
        raise UserError(_("A note may be at most 300 characters long."))
    return note


def _names(names: dict[str, str]) -> dict[str, str]:
    cleaned = {lang: " ".join((names.get(lang) or "").split()) for lang in LANGUAGES}
    if not cleaned["vi"]:
        raise UserError(_("Write the Vietnamese name."))
    if any(len(name) > 200 for name in cleaned.values()):
        raise UserError(_("A name may be at most 200 characters long."))
    return {lang: name for lang, name in cleaned.items() if name}


def check_code(code: str) -> str:
    if not _CODE.match(code or ""):
        raise UserError(_("A code is 2 to 40 lower-case letters, digits or underscores, "
                          "starting with a letter."))
    return code


def save_base_salary(conn: sqlite3.Connection, effective_from: str, amount: int,
                     unit_rate: int, note: str, user_id: int | None) -> None:
    """Add a version (or replace the one of the same date)."""
    day = check_day(effective_from, _("The date it takes effect"))
    if not 0 < amount <= MAX_AMOUNT:
        raise UserError(_("The base salary must be a positive number of đồng."))
    if not 0 < unit_rate <= WHOLE:
        raise UserError(_("The unit share must be more than 0% and at most 100%."))
    conn.execute(
        "INSERT OR REPLACE INTO base_salary (effective_from, amount, unit_rate, note,"
        " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
        (day, amount, unit_rate, _note(note), utcnow(), user_id))
    audit(conn, user_id, "royalty.rule", f"base_salary:{day}", str(amount))


def save_kind(conn: sqlite3.Connection, code: str, effective_from: str,
              names: dict[str, str], min_coefficient: int, max_coefficient: int,
              position: int, retired: bool, note: str, user_id: int | None) -> None:
    day = check_day(effective_from, _("The date it takes effect"))
    if min_coefficient > max_coefficient:
        raise UserError(_("The lowest coefficient may not be above the highest."))
    conn.execute(
        "INSERT OR REPLACE INTO work_kind (code, effective_from, names, min_coefficient,"
        " max_coefficient, position, retired, note, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (check_code(code), day, json.dumps(_names(names), ensure_ascii=False),
         min_coefficient, max_coefficient, position, int(retired), _note(note),
         utcnow(), user_id))
    audit(conn, user_id, "royalty.rule", f"work_kind:{code}", day)


def save_adjustment(conn: sqlite3.Connection, code: str, effective_from: str,
                    names: dict[str, str], mode: str, min_rate: int, max_rate: int,
                    position: int, retired: bool, note: str,
                    user_id: int | None) -> None:
    day = check_day(effective_from, _("The date it takes effect"))
    if mode not in MODES:
        raise UserError(_("Choose how the adjustment applies."))
    if min_rate > max_rate:
        raise UserError(_("The lowest percentage may not be above the highest."))
    if mode == "share" and max_rate > WHOLE:
        raise UserError(_("A share of the original's royalty is at most 100%."))
    conn.execute(
        "INSERT OR REPLACE INTO adjustment_rule (code, effective_from, names, mode,"
        " min_rate, max_rate, position, retired, note, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (check_code(code), day, json.dumps(_names(names), ensure_ascii=False), mode,
         min_rate, max_rate, position, int(retired), _note(note), utcnow(), user_id))
    audit(conn, user_id, "royalty.rule", f"adjustment:{code}", day)


def save_tax_rule(conn: sqlite3.Connection, effective_from: str, threshold: int,
                  rate: int, note: str, user_id: int | None) -> None:
    day = check_day(effective_from, _("The date it takes effect"))
    if not 0 <= threshold <= MAX_AMOUNT:
        raise UserError(_("The threshold must be a whole number of đồng."))
    if not 0 <= rate <= WHOLE:
        raise UserError(_("The tax rate must be between 0% and 100%."))
    conn.execute(
        "INSERT OR REPLACE INTO tax_rule (effective_from, threshold, rate, note,"
        " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
        (day, threshold, rate, _note(note), utcnow(), user_id))
    audit(conn, user_id, "royalty.rule", f"tax_rule:{day}", f"{threshold}/{rate}")


def delete_version(conn: sqlite3.Connection, table: str, effective_from: str,
                   code: str | None, user_id: int | None) -> None:
    """Remove one version of a rule (periods already worked out keep their figures)."""
    tables = {"base_salary": False, "tax_rule": False, "work_kind": True,
              "adjustment_rule": True}
    if table not in tables:
        raise NotFoundError(_("No such rule."))
    sql = f"DELETE FROM {table} WHERE effective_from = ?"
    params: list = [effective_from]
    if tables[table]:
        sql += " AND code = ?"
        params.append(code)
    if conn.execute(sql, params).rowcount == 0:
        raise NotFoundError(_("No such rule."))
    audit(conn, user_id, "royalty.rule.delete", f"{table}:{code or effective_from}",
          effective_from)
