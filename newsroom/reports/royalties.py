"""The royalties report: what each payment period paid (royalties,
remuneration, corrections, tax withheld), per period, per person and per
kind of work, for the periods paid within the dates."""

from __future__ import annotations

import sqlite3

from appliance.i18n import N_, current_language
from appliance.i18n import gettext as _
from newsroom.royalties import periods, register, rules, wording

from .registry import Column, Report, Table, report


def _sums(conn: sqlite3.Connection, period_ids: list[int], by: str) -> dict:
    """Line amounts summed per `by` (period_id or contributor_id) and type."""
    if not period_ids:
        return {}
    found: dict = {}
    marks = ",".join("?" * len(period_ids))
    for row in conn.execute(
            f"SELECT {by} AS k, type, sum(amount) FROM period_line"
            f" WHERE period_id IN ({marks}) GROUP BY {by}, type", period_ids):
        found.setdefault(row[0], {})[row[1]] = row[2]
    return found


def _money_columns() -> list[Column]:
    return [Column(_("Royalties"), "money"), Column(_("Remuneration"), "money"),
            Column(_("Corrections"), "money"), Column(_("Gross"), "money"),
            Column(_("Tax withheld"), "money"), Column(_("Net"), "money")]


def _figures(lines: dict, gross: int, tax: int, net: int) -> list[int]:
    return [lines.get("royalty", 0) + lines.get("supplement", 0),
            lines.get("remuneration", 0), lines.get("correction", 0), gross, tax, net]


@report("royalties", N_("Royalties and remuneration paid, tax withheld"),
        permission="royalty.view")
def royalties(conn: sqlite3.Connection, starts: str, ends: str) -> Report:
    chosen = [p for p in periods.list_periods(conn) if starts <= p.pay_on <= ends]
    chosen.sort(key=lambda p: (p.pay_on, p.id))
    ids = [p.id for p in chosen]
    by_period = _sums(conn, ids, "period_id")
    payments = {p.id: periods.payments(conn, None, p) for p in chosen}

    rows, total = [], [0] * 7
    for period in chosen:
        paid = payments[period.id].values()
        works = conn.execute("SELECT count(*) FROM period_work WHERE period_id = ?",
                             (period.id,)).fetchone()[0]
        figures = _figures(by_period.get(period.id, {}), sum(p.gross for p in paid),
                           sum(p.tax for p in paid), sum(p.net for p in paid))
        rows.append([period.name, wording.status(period.status), works, *figures])
        total = [a + b for a, b in zip(total, [works, *figures], strict=True)]
    per_period = Table("periods", _("By payment period"),
                       [Column(_("Period")), Column(_("State")),
                        Column(_("Works"), "count"), *_money_columns()],
                       rows, [_("Total"), "", *total], chart=8)

    names = register.names(conn)
    by_person = _sums(conn, ids, "contributor_id")
    people: dict[int, list[int]] = {}
    for period in chosen:
        for cid, payment in payments[period.id].items():
            sums = people.setdefault(cid, [0, 0, 0])
            sums[0] += payment.gross
            sums[1] += payment.tax
            sums[2] += payment.net
    person_rows = sorted(
        ([names.get(cid, str(cid)), *_figures(by_person.get(cid, {}), *sums)]
         for cid, sums in people.items()), key=lambda row: -row[4])
    per_person = Table("people", _("By person"), [Column(_("Name")), *_money_columns()],
                       person_rows, [_("Total"), *total[1:]], chart=6)

    kinds = rules.kind_names(conn)
    kind_rows = []
    if ids:
        marks = ",".join("?" * len(ids))
        for row in conn.execute(
                f"SELECT w.kind_code, count(DISTINCT w.item_id), sum(l.amount)"
                f" FROM period_work w JOIN period_line l ON l.item_id = w.item_id"
                f" AND l.period_id = w.period_id AND l.type IN ('royalty', 'supplement')"
                f" WHERE w.period_id IN ({marks}) GROUP BY w.kind_code ORDER BY 3 DESC",
                ids):
            name = kinds[row[0]].name(current_language()) if row[0] in kinds else row[0]
            kind_rows.append([name, row[1], row[2]])
    per_kind = Table("kinds", _("Royalties by kind of work"),
                     [Column(_("Kind")), Column(_("Works"), "count"),
                      Column(_("Royalties"), "money")], kind_rows,
                     [_("Total"), sum(r[1] for r in kind_rows), sum(r[2] for r in kind_rows)],
                     chart=2)
    notes = [_("Periods paid (by their payment date) from %(starts)s to %(ends)s.",
               starts=starts, ends=ends)]
    if any(not p.is_locked for p in chosen):
        notes.append(_("Periods that are not locked yet may still change."))
    return Report("royalties", _("Royalties report"), starts, ends,
                  [per_period, per_person, per_kind], notes)
