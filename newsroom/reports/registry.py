"""Periodic reports as a small registry: a name, a title, who may read it,
and a function that turns a date range into tables.

A report is data (tables of typed columns, with an optional bar chart), so
one report reads the same in the admin (HTML and SVG charts), in XLSX, CSV
and PDF, and from `portal report NAME`. Another part adds a report by
decorating its function with `@report(...)`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from appliance.errors import NotFoundError, UserError
from appliance.i18n import format_number
from appliance.i18n import gettext as _

KINDS = ("text", "count", "money", "days", "percent")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # how values read: text, count, money, days, percent


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    # A bar chart of one column against the first (the labels), when useful.
    chart: int | None = None
    note: str = ""
    # A short name for the table's sheet in XLSX (31 characters at most),
    # where the title is too long for one; the title heads the sheet.
    sheet: str = ""


@dataclass
class Report:
    name: str
    title: str
    starts: str
    ends: str
    tables: list[Table]
    notes: list[str] = field(default_factory=list)


Builder = Callable[[sqlite3.Connection, str, str], Report]


@dataclass(frozen=True)
class ReportType:
    name: str
    title: str  # an English message id, translated where shown
    permission: str
    build: Builder


REPORTS: dict[str, ReportType] = {}


def report(name: str, title: str, permission: str = "report.view"):
    """Register a report function under a name (the CLI's and the address's)."""

    def register(build: Builder) -> Builder:
        REPORTS[name] = ReportType(name, title, permission, build)
        return build

    return register


def get(name: str) -> ReportType:
    _load()
    if name not in REPORTS:
        raise NotFoundError(_("No report named “%(name)s”: choose one of %(names)s.",
                              name=name, names=", ".join(sorted(REPORTS))))
    return REPORTS[name]


def available() -> list[ReportType]:
    _load()
    return [REPORTS[name] for name in sorted(REPORTS)]


def run(conn: sqlite3.Connection, name: str, starts: str, ends: str) -> Report:
    starts, ends = check_range(starts, ends)
    return get(name).build(conn, starts, ends)


def _load() -> None:
    # The built-in reports register themselves when imported.
    from . import production, royalties  # noqa: F401


# -- date ranges --------------------------------------------------------------------

_PERIOD = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")
MAX_DAYS = 3700


def check_range(starts: str, ends: str) -> tuple[str, str]:
    try:
        first, last = date.fromisoformat(starts.strip()), date.fromisoformat(ends.strip())
    except ValueError:
        raise UserError(_("Dates are written YYYY-MM-DD, such as 2026-11-01.")) from None
    if last < first:
        raise UserError(_("The last day may not come before the first."))
    if (last - first).days > MAX_DAYS:
        raise UserError(_("A report covers at most ten years."))
    return first.isoformat(), last.isoformat()


def period_range(text: str) -> tuple[str, str]:
    """A month (2026-11), a quarter (2026-Q4) or a year (2026) as two days."""
    match = _PERIOD.match((text or "").strip().upper())
    if not match:
        raise UserError(_("Write a month (2026-11), a quarter (2026-Q4) or a year "
                          "(2026)."))
    year = int(match.group(1))
    if match.group(2):
        first_month = last_month = int(match.group(2))
    elif match.group(3):
        first_month = 3 * int(match.group(3)) - 2
        last_month = first_month + 2
    else:
        first_month, last_month = 1, 12
    first = date(year, first_month, 1)
    following = date(year + last_month // 12, last_month % 12 + 1, 1)
    return first.isoformat(), date.fromordinal(following.toordinal() - 1).isoformat()


def cell_text(value, column: Column) -> str:
    if value is None or value == "":
        return ""
    if column.kind in ("count", "money") and isinstance(value, int):
        return format_number(value)
    if column.kind in ("days", "percent") and isinstance(value, int | float):
        text = format_number(round(float(value), 1))
        return f"{text}%" if column.kind == "percent" else text
    return str(value)
