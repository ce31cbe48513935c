"""Planned-downtime notices: administrators schedule them, every public page
shows the current one from `shown_from` until the expected restore time.

The law asks for public notice at least seven working days before planned
downtime; `working_days_between` counts Monday to Friday (public holidays
are not known to the appliance, so the count may be generous around them),
and the admin warns when a notice gives less.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta, UTC

from .audit import audit
from .content import parse_time
from .db import utcnow
from .errors import NotFoundError, UserError
from .i18n import LANGUAGES, LOCAL_TZ
from .i18n import gettext as _
from .text import clean

NOTICE_WORKING_DAYS = 7
MAX_MESSAGE = 500


@dataclass(frozen=True)
class Notice:
    id: int
    starts_at: str
    ends_at: str
    shown_from: str
    messages: dict[str, str]
    created_at: str
    cancelled: bool

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or self.messages.get("vi") or ""

    @property
    def working_days_ahead(self) -> int:
        return working_days_between(_local_date(self.shown_from),
                                    _local_date(self.starts_at))

    @property
    def short_notice(self) -> bool:
        return self.working_days_ahead < NOTICE_WORKING_DAYS

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Notice:
        return cls(row["id"], row["starts_at"], row["ends_at"], row["shown_from"],
                   json.loads(row["messages"] or "{}"), row["created_at"],
                   bool(row["cancelled"]))


def _local_date(stamp: str) -> date:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(LOCAL_TZ).date()


def working_days_between(first: date, last: date) -> int:
    """Working days (Monday to Friday) after `first` up to the day before
    `last`: the full days of notice the public had."""
    days, current = 0, first + timedelta(days=1)
    while current < last:
        if current.weekday() < 5:
            days += 1
        current += timedelta(days=1)
    return days


def schedule(conn: sqlite3.Connection, starts_at: str, ends_at: str,
             messages: dict[str, str], user_id: int | None,
             shown_from: str | None = None) -> Notice:
    start = parse_time(starts_at, _("Start of the downtime"))
    end = parse_time(ends_at, _("Expected restore time"))
    if not start or not end:
        raise UserError(_("Give when the downtime starts and when the service is "
                          "expected back."))
    if end <= start:
        raise UserError(_("The expected restore time must come after the start."))
    shown = parse_time(shown_from, _("Shown from")) if shown_from else utcnow()
    if shown and shown > start:
        raise UserError(_("The notice must be shown before the downtime starts."))
    texts = {lang: " ".join(clean(text).split())[:MAX_MESSAGE]
             for lang, text in messages.items() if lang in LANGUAGES and text.strip()}
    cur = conn.execute(
        "INSERT INTO downtime_notice (starts_at, ends_at, shown_from, messages,"
        " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
        (start, end, shown, json.dumps(texts, ensure_ascii=False), utcnow(), user_id))
    audit(conn, user_id, "downtime.schedule", f"downtime:{cur.lastrowid}",
          f"{start} - {end}")
    return get(conn, cur.lastrowid)


def cancel(conn: sqlite3.Connection, notice_id: int, user_id: int | None) -> Notice:
    get(conn, notice_id)
    conn.execute("UPDATE downtime_notice SET cancelled = 1 WHERE id = ?", (notice_id,))
    audit(conn, user_id, "downtime.cancel", f"downtime:{notice_id}")
    return get(conn, notice_id)


def get(conn: sqlite3.Connection, notice_id: int) -> Notice:
    row = conn.execute("SELECT * FROM downtime_notice WHERE id = ?",
                       (notice_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No downtime notice with number %(id)s.", id=notice_id))
    return Notice.from_row(row)


def upcoming(conn: sqlite3.Connection, now: str | None = None) -> list[Notice]:
    """Notices not cancelled whose restore time has not passed, soonest first."""
    rows = conn.execute("SELECT * FROM downtime_notice WHERE cancelled = 0"
                        " AND ends_at > ? ORDER BY starts_at", (now or utcnow(),))
    return [Notice.from_row(row) for row in rows]


def recent(conn: sqlite3.Connection, limit: int = 20) -> list[Notice]:
    rows = conn.execute("SELECT * FROM downtime_notice ORDER BY id DESC LIMIT ?",
                        (limit,))
    return [Notice.from_row(row) for row in rows]


def shown_now(notices: list[Notice], now: str | None = None) -> list[Notice]:
    now = now or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [n for n in notices if n.shown_from <= now < n.ends_at and not n.cancelled]
