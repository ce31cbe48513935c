"""The production report: what was published, by section, kind, language,
author and state; how long stories took from submission to publication; and
how often each work was read (the appliance's own page-view counter)."""

from __future__ import annotations

import sqlite3
import statistics
from collections import Counter
from datetime import datetime

from appliance import content, revisions
from appliance.i18n import N_, current_language, language_name, parse_stored
from appliance.i18n import gettext as _
from appliance.users import list_users
from newsroom import labels
from newsroom.royalties.rules import day_end_utc, day_start_utc, local_day
from web import pageviews

from .registry import Column, Report, Table, report

TOP_WORKS = 50
_PUBLISHED = ("published", "unpublished", "archived")


def _published(conn: sqlite3.Connection, starts: str, ends: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT id, kind, lang, status, section_id, author_id, published_at FROM item"
        " WHERE published_at >= ? AND published_at < ? AND status IN (?, ?, ?)",
        (day_start_utc(starts), day_end_utc(ends), *_PUBLISHED)).fetchall()


def _shares(counter: Counter, labels_of, title: str, key: str, heading: str) -> Table:
    total = sum(counter.values())
    rows = [[labels_of(code), count, round(100 * count / total, 1) if total else 0.0]
            for code, count in counter.most_common()]
    return Table(key, title, [Column(heading), Column(_("Works"), "count"),
                              Column(_("Share of the total"), "percent")],
                 rows, [_("Total"), total, 100.0 if total else 0.0], chart=1)


@report("production", N_("Production: works published, time to publish, page views"))
def production(conn: sqlite3.Connection, starts: str, ends: str) -> Report:
    rows = _published(conn, starts, ends)
    sections = {s.id: s for s in content.list_sections(conn)}
    users = {u.id: u.label for u in list_users(conn)}
    lang = current_language()

    def section_name(section_id):
        return sections[section_id].name(lang) if section_id in sections else _("No section")

    months = Counter(local_day(row["published_at"])[:7] for row in rows)
    by_month = Table("months", _("Works published by month"),
                     [Column(_("Month")), Column(_("Works"), "count")],
                     [[month, months[month]] for month in sorted(months)],
                     [_("Total"), len(rows)], chart=1)
    tables = [
        by_month,
        _shares(Counter(row["section_id"] for row in rows), section_name,
                _("By section"), "sections", _("Section")),
        _shares(Counter(row["kind"] for row in rows), lambda k: _(labels.kind(k)),
                _("By kind"), "kinds", _("Kind")),
        _shares(Counter(row["lang"] for row in rows), language_name,
                _("By language"), "languages", _("Language")),
        _shares(Counter(row["author_id"] for row in rows),
                lambda a: users.get(a, _("Imported or unknown")),
                _("By author"), "authors", _("Author")),
        _shares(Counter(row["status"] for row in rows), lambda s: _(labels.status(s)),
                _("By state today"), "states", _("State")),
        _time_to_publish(conn, rows, section_name),
        _most_read(conn, starts, ends, section_name),
    ]
    return Report("production", _("Production report"), starts, ends, tables, [
        _("Works are items published in the period, in every language and kind."),
        _("Page views are counted by the appliance itself, once per visitor, page and "
          "day; views of the last minute may not be written yet."),
    ])


def _time_to_publish(conn: sqlite3.Connection, rows: list[sqlite3.Row],
                     section_name) -> Table:
    submitted = revisions.reached_at(conn, [row["id"] for row in rows], "submitted")
    by_section: dict[object, list[float]] = {}
    for row in rows:
        sent = parse_stored(submitted.get(row["id"]))
        published = parse_stored(row["published_at"])
        if isinstance(sent, datetime) and isinstance(published, datetime):
            days = max(0.0, (published - sent).total_seconds() / 86400)
            by_section.setdefault(row["section_id"], []).append(days)
    every = [days for values in by_section.values() for days in values]
    table_rows = [[section_name(section), len(values),
                   round(statistics.median(values), 1), round(statistics.fmean(values), 1)]
                  for section, values in sorted(by_section.items(),
                                                key=lambda pair: -len(pair[1]))]
    total = ([_("All sections"), len(every), round(statistics.median(every), 1),
              round(statistics.fmean(every), 1)] if every else None)
    return Table("time_to_publish", _("Time from submission to publication"),
                 [Column(_("Section")), Column(_("Works submitted"), "count"),
                  Column(_("Median, days"), "days"), Column(_("Average, days"), "days")],
                 table_rows, total, chart=2,
                 note=_("Only works that went through review; works published "
                        "directly by an editor are not counted here."),
                 sheet=_("Time to publish"))


def _most_read(conn: sqlite3.Connection, starts: str, ends: str, section_name) -> Table:
    views = pageviews.views_by_item(conn, starts, ends)
    top = sorted(views.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP_WORKS]
    items = content.items_by_id(conn, [item_id for item_id, _count in top])
    rows = [[items[i].title, section_name(items[i].section_id),
             local_day(items[i].published_at) or "", count]
            for i, count in top if i in items]
    return Table("page_views", _("Page views per work (the %(n)s most read)", n=TOP_WORKS),
                 [Column(_("Work")), Column(_("Section")), Column(_("Published")),
                  Column(_("Page views"), "count")],
                 rows, [_("All pages of works"), "", "", sum(views.values())], chart=3,
                 sheet=_("Page views"))
