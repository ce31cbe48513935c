"""Outside sources: what the connectors keep in sync, and their health.

A source has a name, a kind (rss, json, csv, xlsx, sitemap), an address, a
schedule (every N minutes), the kind, language and section its records take
unless they say otherwise, a field mapping (search.mapping) and an alarm
time: when it has gone that long without a successful sync, the admin says
so. The functions here are the small API the command line and the admin
use; search.sync does the syncing.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from appliance.content import KINDS, get_section
from appliance.db import utcnow
from appliance.errors import ConflictError, NotFoundError, UserError
from appliance.i18n import N_, LANGUAGES
from appliance.i18n import gettext as _

from .fetch import FetchError, check_url
from .mapping import parse_mapping

SOURCE_KINDS = ("rss", "json", "csv", "xlsx", "sitemap")
MIN_EVERY = 5
MAX_EVERY = 7 * 24 * 60
DEFAULT_EVERY = 60
_NAME = re.compile(r"^[\w][\w .()-]{0,79}$")

# What each failure code says, for the admin and the command line. Values
# named in braces come from the error.
ERRORS = {
    "timeout": N_("The source did not answer within %(seconds)s seconds."),
    "unreachable": N_("The source's server (%(host)s) could not be reached: it may be down or its address wrong."),
    "http_status": N_("The source answered with HTTP status %(status)s instead of the content."),
    "too_large": N_("The source sent more than %(mb)s MB, the limit for one answer."),
    "redirects": N_("The source's address redirects too many times."),
    "broken_answer": N_("The connection broke before the whole answer arrived."),
    "bad_address": N_("The address is not a web address (http or https)."),
    "encoding": N_("The text is in an encoding that could not be recognised; set it in the field mapping (\"encoding\")."),
    "bad_xml": N_("The source sent malformed XML (near line %(line)s); nothing was changed."),
    "not_a_feed": N_("The address does not serve an RSS or Atom feed."),
    "not_a_sitemap": N_("The address does not serve a sitemap."),
    "bad_json": N_("The source sent malformed JSON (near line %(line)s); nothing was changed."),
    "no_records": N_("No list of records was found in the JSON (mapping \"items\": %(path)s)."),
    "too_many": N_("The source holds more than %(n)s records, more than one source may."),
    "too_many_pages": N_("The source has more than %(n)s pages of records."),
    "no_header": N_("The table has no header row naming its columns."),
    "bad_csv": N_("The CSV file is malformed near line %(line)s."),
    "bad_xlsx": N_("The file is not a readable XLSX spreadsheet."),
    "empty": N_("The source sent no records at all, so its %(n)s items were kept. If it is really empty now, remove the source."),
    "stopped": N_("The sync took too long and was stopped; nothing was changed."),
    "internal": N_("The sync failed on the appliance's side; the log has the details."),
}
# Why single records were skipped.
REJECTIONS = {
    "no_id": N_("the record has no id"),
    "no_title": N_("the entry has no title"),
    "no_text": N_("no main text could be found on the page"),
}


@dataclass
class Source:
    id: int
    name: str
    kind: str
    url: str
    every_minutes: int
    alarm_minutes: int
    item_kind: str
    lang: str
    section_key: str | None
    mapping: str
    enabled: bool
    etag: str | None
    last_modified: str | None
    cursor: str | None
    next_sync_at: str | None
    last_attempt_at: str | None
    last_success_at: str | None
    last_error: dict[str, Any] | None
    last_error_at: str | None
    failures: int
    last_counts: dict[str, Any]
    last_seconds: float | None
    created_at: str
    item_count: int = 0
    record_count: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.alarm

    @property
    def alarm(self) -> bool:
        """Silent or failing for longer than its alarm time."""
        if not self.enabled:
            return False
        since = self.last_success_at or self.created_at
        return _minutes_since(since) > self.alarm_minutes

    @property
    def failing(self) -> bool:
        return self.failures > 0


def _minutes_since(stamp: str) -> float:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (datetime.now(UTC) - moment).total_seconds() / 60


def error_text(error: dict[str, Any] | None) -> str:
    """The last error in plain words, in the current language."""
    if not error:
        return ""
    message = ERRORS.get(error.get("code", ""), ERRORS["internal"])
    values = {k: v if v is not None else "?" for k, v in error.items() if k != "code"}
    # A value the words need but the record lacks (kept by an older version).
    values |= {name: "?" for name in re.findall(r"%\((\w+)\)", message)
               if name not in values}
    try:
        return _(message, **values)
    except (KeyError, ValueError, TypeError):
        return _(message.split("%(")[0].strip())


def rejection_text(code: str, values: dict[str, Any] | None = None) -> str:
    """Why a record was skipped, in plain words: a code of ours (with the
    values its words need), else the content store's own message, worded in
    the site's language when the sync ran."""
    if code in REJECTIONS:
        return _(REJECTIONS[code])
    if code in ERRORS:
        return error_text({**(values or {}), "code": code})
    return code


_COLUMNS = ("id, name, kind, url, every_minutes, alarm_minutes, item_kind, lang,"
            " section_key, mapping, enabled, etag, last_modified, cursor, next_sync_at,"
            " last_attempt_at, last_success_at, last_error, last_error_at, failures,"
            " last_counts, last_seconds, created_at")


def _source(row: sqlite3.Row, counts: tuple[int, int] = (0, 0)) -> Source:
    counts_json = json.loads(row["last_counts"] or "{}")
    return Source(
        id=row["id"], name=row["name"], kind=row["kind"], url=row["url"],
        every_minutes=row["every_minutes"], alarm_minutes=row["alarm_minutes"],
        item_kind=row["item_kind"], lang=row["lang"], section_key=row["section_key"],
        mapping=row["mapping"], enabled=bool(row["enabled"]), etag=row["etag"],
        last_modified=row["last_modified"], cursor=row["cursor"],
        next_sync_at=row["next_sync_at"], last_attempt_at=row["last_attempt_at"],
        last_success_at=row["last_success_at"],
        last_error=json.loads(row["last_error"]) if row["last_error"] else None,
        last_error_at=row["last_error_at"], failures=row["failures"],
        last_counts=counts_json, last_seconds=row["last_seconds"],
        created_at=row["created_at"], item_count=counts[0], record_count=counts[1],
        rejected=[tuple(r) for r in counts_json.get("rejected_examples", [])],
    )


def list_sources(conn: sqlite3.Connection) -> list[Source]:
    counts = {row[0]: (row[1], row[2]) for row in conn.execute(
        "SELECT source_id, count(DISTINCT item_id), count(*) FROM source_record"
        " GROUP BY source_id")}
    rows = conn.execute(f"SELECT {_COLUMNS} FROM source ORDER BY name").fetchall()
    return [_source(row, counts.get(row["id"], (0, 0))) for row in rows]


def get_source(conn: sqlite3.Connection, name_or_id: str | int) -> Source:
    column = "id" if isinstance(name_or_id, int) else "name"
    row = conn.execute(f"SELECT {_COLUMNS} FROM source WHERE {column} = ?",
                       (name_or_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No source named “%(name)s”.", name=name_or_id))
    counts = conn.execute(
        "SELECT count(DISTINCT item_id), count(*) FROM source_record WHERE source_id = ?",
        (row["id"],)).fetchone()
    return _source(row, (counts[0], counts[1]))


@dataclass
class SourceInput:
    name: str
    kind: str
    url: str
    every_minutes: int = DEFAULT_EVERY
    alarm_minutes: int | None = None
    item_kind: str = "article"
    lang: str = "vi"
    section_key: str | None = None
    mapping: str = ""
    enabled: bool = True


def check_input(conn: sqlite3.Connection, data: SourceInput) -> SourceInput:
    """The input, cleaned; UserError naming the first thing wrong."""
    name = " ".join((data.name or "").split())
    if not _NAME.match(name):
        raise UserError(_("Give the source a name of letters, digits, spaces, dots or "
                          "hyphens, up to 80 characters."))
    if data.kind not in SOURCE_KINDS:
        raise UserError(_("Unknown kind of source “%(kind)s”: use one of %(kinds)s.",
                          kind=data.kind, kinds=", ".join(SOURCE_KINDS)))
    try:
        url = check_url(data.url)
    except FetchError:
        raise UserError(_("“%(url)s” is not a web address (http:// or https://).",
                          url=data.url)) from None
    every = _minutes(data.every_minutes, MIN_EVERY, MAX_EVERY)
    alarm = data.alarm_minutes if data.alarm_minutes not in (None, "") else \
        max(every * 3, 60)
    alarm = _minutes(alarm, every, 30 * 24 * 60)
    if data.item_kind not in KINDS:
        raise UserError(_("Unknown kind of content “%(kind)s”: use one of %(kinds)s.",
                          kind=data.item_kind, kinds=", ".join(KINDS)))
    if data.lang not in LANGUAGES:
        raise UserError(_("Unknown language “%(lang)s”: use vi, en or km.", lang=data.lang))
    section = (data.section_key or "").strip() or None
    if section and get_section(conn, section) is None:
        raise UserError(_("Unknown section “%(key)s”.", key=section))
    mapping = parse_mapping(data.mapping or "")
    return SourceInput(name, data.kind, url, every, alarm, data.item_kind, data.lang,
                       section, mapping.to_json() if data.mapping else "{}",
                       bool(data.enabled))


def _minutes(value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UserError(_("Minutes must be a whole number.")) from None
    if not low <= number <= high:
        raise UserError(_("Minutes must be from %(low)s to %(high)s.", low=low, high=high))
    return number


def add_source(conn: sqlite3.Connection, data: SourceInput) -> Source:
    data = check_input(conn, data)
    if conn.execute("SELECT 1 FROM source WHERE name = ?", (data.name,)).fetchone():
        raise ConflictError(_("There is already a source named “%(name)s”.",
                              name=data.name))
    now = utcnow()
    conn.execute(
        "INSERT INTO source (name, kind, url, every_minutes, alarm_minutes, item_kind,"
        " lang, section_key, mapping, enabled, next_sync_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (data.name, data.kind, data.url, data.every_minutes, data.alarm_minutes,
         data.item_kind, data.lang, data.section_key, data.mapping, int(data.enabled),
         now, now, now))
    return get_source(conn, data.name)


def update_source(conn: sqlite3.Connection, source_id: int, data: SourceInput) -> Source:
    current = get_source(conn, source_id)
    data = check_input(conn, data)
    clash = conn.execute("SELECT id FROM source WHERE name = ? AND id != ?",
                         (data.name, source_id)).fetchone()
    if clash:
        raise ConflictError(_("There is already a source named “%(name)s”.",
                              name=data.name))
    # A new address or mapping means reading everything again.
    reset = (data.url, data.kind, data.mapping) != (current.url, current.kind,
                                                     current.mapping)
    conn.execute(
        "UPDATE source SET name = ?, kind = ?, url = ?, every_minutes = ?,"
        " alarm_minutes = ?, item_kind = ?, lang = ?, section_key = ?, mapping = ?,"
        " enabled = ?, updated_at = ?, next_sync_at = ?"
        + (", etag = NULL, last_modified = NULL, cursor = NULL" if reset else "")
        + " WHERE id = ?",
        (data.name, data.kind, data.url, data.every_minutes, data.alarm_minutes,
         data.item_kind, data.lang, data.section_key, data.mapping, int(data.enabled),
         utcnow(), utcnow(), source_id))
    if reset:
        conn.execute("UPDATE source_record SET digest = '' WHERE source_id = ?",
                     (source_id,))
    return get_source(conn, source_id)


def due_sources(conn: sqlite3.Connection, now: str | None = None) -> list[Source]:
    now = now or utcnow()
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM source WHERE enabled = 1"
        " AND (next_sync_at IS NULL OR next_sync_at <= ?) ORDER BY next_sync_at, id",
        (now,)).fetchall()
    return [_source(row) for row in rows]


def schedule_now(conn: sqlite3.Connection, source_id: int) -> None:
    conn.execute("UPDATE source SET next_sync_at = ? WHERE id = ?", (utcnow(), source_id))


def record_failure(conn: sqlite3.Connection, source_id: int, error: dict[str, Any],
                   seconds: float) -> None:
    """A failed sync: the error, and a retry sooner than the schedule when the
    source was fine until now (at most every MIN_EVERY minutes)."""
    source = get_source(conn, source_id)
    delay = min(source.every_minutes, max(MIN_EVERY, 2 ** min(source.failures, 6)))
    now = datetime.now(UTC)
    conn.execute(
        "UPDATE source SET last_attempt_at = ?, last_error = ?, last_error_at = ?,"
        " failures = failures + 1, last_seconds = ?, next_sync_at = ? WHERE id = ?",
        (_stamp(now), json.dumps(error, ensure_ascii=False), _stamp(now),
         round(seconds, 3), _stamp(now + timedelta(minutes=delay)), source_id))


def record_success(conn: sqlite3.Connection, source_id: int, counts: dict[str, Any],
                   seconds: float, validators: dict[str, str | None]) -> None:
    source = get_source(conn, source_id)
    now = datetime.now(UTC)
    conn.execute(
        "UPDATE source SET last_attempt_at = ?, last_success_at = ?, last_error = NULL,"
        " failures = 0, last_counts = ?, last_seconds = ?, next_sync_at = ?,"
        " etag = ?, last_modified = ?, cursor = coalesce(?, cursor) WHERE id = ?",
        (_stamp(now), _stamp(now), json.dumps(counts, ensure_ascii=False),
         round(seconds, 3), _stamp(now + timedelta(minutes=source.every_minutes)),
         validators.get("etag"), validators.get("last_modified"),
         validators.get("cursor"), source_id))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def alarms(conn: sqlite3.Connection) -> list[Source]:
    """Sources silent or failing for longer than their alarm time."""
    return [s for s in list_sources(conn) if s.alarm]
