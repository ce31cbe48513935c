"""Syncing a source: read it (search.connectors), then write what changed.

Reading comes first and touches nothing; a source that is slow, down or
broken fails before any write, its error is kept for the admin, and the
index stays as it was. Writing goes through the content store, in batches
of APPLY_BATCH records, each batch one transaction; the source's new
validators (ETag, Last-Modified, cursor) and the removals are written with
the last batch, so an interrupted sync is simply done again next time (its
records are then unchanged and skipped).

The same item from two sources is stored once: each record has an
identity (a document's number, a procedure's code, otherwise the address it
came from), and records with one identity share one item. Synced items
belong to the content store's source "sync" under their identity; an item
made in the newsroom or imported with the same number or code is linked,
never overwritten. An item leaves the site when the last source holding it
drops it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from appliance import content
from appliance.db import transaction, utcnow
from appliance.errors import UserError
from appliance.importer import to_input
from appliance.text import number_key

from . import sources as store
from .connectors import Fetched, Record, SourceSpec, read_source
from .fetch import FetchError, Limits, new_session

log = logging.getLogger("portal.search")

SYNC_SOURCE = "sync"
APPLY_BATCH = 500
MAX_REJECTED_EXAMPLES = 10
_TRACKING = ("utm_", "fbclid", "gclid")

T = TypeVar("T")


class Store:
    """Where sync reads and writes: the server's Database, or for the
    command line a plain connection (see ConnectionStore)."""

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        raise NotImplementedError


class DatabaseStore(Store):
    def __init__(self, db) -> None:
        self.db = db

    async def read(self, fn, *args):
        return await self.db.read(fn, *args)

    async def write(self, fn, *args):
        return await self.db.write(fn, *args)


class ConnectionStore(Store):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def read(self, fn, *args):
        return fn(self.conn, *args)

    async def write(self, fn, *args):
        return transaction(self.conn, fn, *args)


@dataclass
class Outcome:
    source: str
    ok: bool
    counts: dict[str, int] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    seconds: float = 0.0

    def line(self) -> str:
        if not self.ok:
            return f"{self.source}: failed: {store.error_text(self.error)}"
        c = self.counts
        if c.get("unchanged_source"):
            return f"{self.source}: not changed since the last sync"
        return (f"{self.source}: {c.get('added', 0)} added, {c.get('updated', 0)} "
                f"updated, {c.get('removed', 0)} removed, {c.get('unchanged', 0)} "
                f"unchanged, {c.get('rejected', 0)} skipped, in {self.seconds:.1f} s")


# -- one source ---------------------------------------------------------------

async def sync_source(db: Store, source_id: int, limits: Limits,
                      deadline: float | None = None) -> Outcome:
    """Read the source, then write what changed; never raises for a source
    that fails (the failure is recorded and returned)."""
    started = time.perf_counter()
    source = await db.read(store.get_source, source_id)
    spec = await db.read(_spec, source_id)
    try:
        async with new_session() as session:
            reading = read_source(session, spec, limits)
            fetched = await (asyncio.wait_for(reading, deadline) if deadline else reading)
    except FetchError as exc:
        return await _failed(db, source, {"code": exc.code, **exc.values}, started)
    except TimeoutError:
        return await _failed(db, source, {"code": "stopped"}, started)
    except UserError as exc:  # a mapping that no longer parses
        return await _failed(db, source, {"code": "internal", "detail": str(exc)}, started)
    except Exception:
        log.exception("source read failed", extra={"source": source.name})
        return await _failed(db, source, {"code": "internal"}, started)
    if fetched.complete and not fetched.unchanged and not fetched.records \
            and not fetched.kept and source.item_count:
        # A source that held items and now answers with none (a broken
        # export, a mapping that no longer finds anything): one bad day at
        # the source must not empty the portal's section.
        return await _failed(db, source, {"code": "empty", "n": source.item_count}, started)
    try:
        counts = await _write(db, source_id, fetched, started)
    except Exception:
        log.exception("source write failed", extra={"source": source.name})
        return await _failed(db, source, {"code": "internal"}, started)
    seconds = time.perf_counter() - started
    log.info("source synced", extra={"source": source.name, "seconds": round(seconds, 2),
                                     **{k: v for k, v in counts.items()
                                        if isinstance(v, int)}})
    return Outcome(source.name, True, counts, None, seconds)


async def _failed(db: Store, source: store.Source, error: dict[str, Any],
                  started: float) -> Outcome:
    seconds = time.perf_counter() - started
    await db.write(store.record_failure, source.id, error, seconds)
    log.warning("source sync failed", extra={"source": source.name,
                                             "error": error.get("code")})
    return Outcome(source.name, False, {}, error, seconds)


def _spec(conn: sqlite3.Connection, source_id: int) -> SourceSpec:
    source = store.get_source(conn, source_id)
    stamps = {}
    if source.kind == "sitemap":
        stamps = {row[0]: row[1] for row in conn.execute(
            "SELECT record_id, stamp FROM source_record WHERE source_id = ?"
            " AND digest != ''", (source_id,))}
    return SourceSpec(source.id, source.kind, source.url, source.item_kind, source.lang,
                      source.section_key, source.mapping, source.etag,
                      source.last_modified, source.cursor, source.name, stamps)


async def _write(db: Store, source_id: int, fetched: Fetched, started: float) -> dict:
    counts: dict[str, Any] = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0,
                              "linked": 0, "rejected": len(fetched.rejected),
                              "requests": fetched.requests}
    validators = {"etag": fetched.etag, "last_modified": fetched.last_modified,
                  "cursor": fetched.cursor}
    examples = [list(r) for r in fetched.rejected[:MAX_REJECTED_EXAMPLES]]
    if fetched.unchanged:
        counts["unchanged_source"] = 1
        source = await db.read(store.get_source, source_id)
        validators = {"etag": source.etag, "last_modified": source.last_modified,
                      "cursor": None}
        await db.write(store.record_success, source_id, counts,
                       time.perf_counter() - started, validators)
        return counts
    records = fetched.records
    batches = [records[i:i + APPLY_BATCH] for i in range(0, len(records), APPLY_BATCH)]
    for batch in batches[:-1] or []:
        _add(counts, await db.write(apply_records, source_id, batch), examples)
    last = batches[-1] if batches else []

    def finish(conn: sqlite3.Connection) -> dict[str, Any]:
        result = apply_records(conn, source_id, last)
        seen = {r.record_id for r in records if not r.deleted} | fetched.kept
        result["removed"] += remove_missing(conn, source_id, seen, fetched)
        done = dict(counts)
        _add(done, result, examples)
        done["rejected_examples"] = examples[:MAX_REJECTED_EXAMPLES]
        store.record_success(conn, source_id, done, time.perf_counter() - started,
                             validators)
        return done

    return await db.write(finish)


def _add(counts: dict[str, Any], more: dict[str, Any], examples: list) -> None:
    for key, value in more.items():
        if key == "rejected_examples":
            examples.extend(value)
        elif isinstance(value, int):
            counts[key] = counts.get(key, 0) + value


# -- writing records ------------------------------------------------------------

def digest(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def identity(source_id: int, record: Record) -> str:
    """What makes records of two sources the same item."""
    data = record.data
    kind = data.get("kind")
    if kind in content.DOCUMENT_KINDS and number_key(str(data.get("number") or "")):
        return "doc:" + number_key(str(data["number"]))
    if kind == "procedure" and str(data.get("code") or "").strip():
        return "proc:" + str(data["code"]).strip()
    if kind == "public_service" and str(data.get("procedure_code") or "").strip():
        return "svc:" + str(data["procedure_code"]).strip()
    url = data.get("source_url") or record.origin
    if isinstance(url, str) and url.strip():
        return "url:" + canonical_url(url)
    return f"rec:{source_id}:{record.record_id}"


def canonical_url(url: str) -> str:
    """An address as two sources would both give it: no scheme, fragment or
    tracking parameters, lower-case host, no trailing slash."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not k.lower().startswith(_TRACKING)])
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("", host + port, path, query, "")).lstrip("/")[:1000]


def apply_records(conn: sqlite3.Connection, source_id: int,
                  records: Iterable[Record]) -> dict[str, Any]:
    """Create, update or link each record's item (one savepoint each: a bad
    record is skipped and named, the rest go on)."""
    counts: dict[str, Any] = {"added": 0, "updated": 0, "unchanged": 0, "linked": 0,
                              "rejected": 0, "removed": 0, "rejected_examples": []}
    now = utcnow()
    for record in records:
        if record.deleted:
            counts["removed"] += _drop_record(conn, source_id, record.record_id)
            continue
        conn.execute("SAVEPOINT record")
        try:
            outcome = _apply_one(conn, source_id, record, now)
            conn.execute("RELEASE record")
        except (UserError, sqlite3.IntegrityError) as exc:
            conn.execute("ROLLBACK TO record")
            conn.execute("RELEASE record")
            counts["rejected"] += 1
            if len(counts["rejected_examples"]) < MAX_REJECTED_EXAMPLES:
                counts["rejected_examples"].append([record.record_id[:200], str(exc)])
            continue
        counts[outcome] += 1
    return counts


def _apply_one(conn: sqlite3.Connection, source_id: int, record: Record,
               now: str) -> str:
    data = dict(record.data)
    mark = digest(data)
    held = conn.execute(
        "SELECT identity, item_id, digest FROM source_record"
        " WHERE source_id = ? AND record_id = ?", (source_id, record.record_id)).fetchone()
    if held and held["digest"] == mark and held["item_id"] is not None:
        return "unchanged"
    key = identity(source_id, record)
    item = _item_for(conn, key, data, held["item_id"] if held else None)
    outcome = "updated"
    if item is None:
        data["external_id"] = key
        item = _save(conn, data, None)
        outcome = "added"
    elif item.source == SYNC_SOURCE:
        data["external_id"] = item.external_id
        item = _save(conn, data, item)
    else:
        outcome = "linked"  # the portal's own item: linked, never overwritten
    conn.execute(
        "INSERT INTO source_record (source_id, record_id, identity, item_id, digest,"
        " stamp, origin, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (source_id, record_id) DO UPDATE SET identity = excluded.identity,"
        " item_id = excluded.item_id, digest = excluded.digest, stamp = excluded.stamp,"
        " origin = excluded.origin, seen_at = excluded.seen_at",
        (source_id, record.record_id, key, item.id, mark, record.stamp,
         record.origin, now))
    return outcome


def _item_for(conn: sqlite3.Connection, key: str, data: dict[str, Any],
              held_item: int | None) -> content.Item | None:
    """The item a record is, if it exists: the one this record made before,
    one another source made with the same identity, or the portal's own
    document or procedure with that number or code."""
    if held_item is not None:
        item = content.items_by_id(conn, [held_item]).get(held_item)
        if item is not None:
            return item
    item = content.find_by_external_id(conn, SYNC_SOURCE, key)
    if item is not None:
        return item
    if key.startswith("doc:"):
        return content.documents_by_number(conn, [str(data.get("number"))]).get(key[4:])
    if key.startswith(("proc:", "svc:")):
        return content.find_by_code(conn, data.get("kind", ""), key.split(":", 1)[1])
    return None


def _save(conn: sqlite3.Connection, data: dict[str, Any],
          item: content.Item | None) -> content.Item:
    values = to_input(_import_record(data), SYNC_SOURCE)
    if item is not None:
        if item.kind != values.kind:
            raise UserError(f"the item is a {item.kind}, the record a {values.kind}")
        values.lead_image_id = item.lead_image_id
    return content.save_synced_item(conn, values, item.id if item else None)


def _import_record(data: dict[str, Any]) -> dict[str, Any]:
    record = dict(data)
    for key in ("title", "summary", "body"):
        if key in record and not isinstance(record[key], str):
            record[key] = str(record[key])
    return record


def remove_missing(conn: sqlite3.Connection, source_id: int, seen: set[str],
                   fetched: Fetched) -> int:
    """Drop the records this source gave before and holds no more."""
    if not fetched.complete and fetched.window_start is None:
        return 0
    rows = conn.execute(
        "SELECT record_id, stamp FROM source_record WHERE source_id = ?"
        " AND record_id NOT IN (SELECT value FROM json_each(?))",
        (source_id, json.dumps(sorted(seen)))).fetchall()
    removed = 0
    for row in rows:
        # A feed shows its latest entries: one older than all of them left
        # the window; one within it was taken down.
        if not fetched.complete and (not row["stamp"]
                                     or row["stamp"] < fetched.window_start):
            continue
        removed += _drop_record(conn, source_id, row["record_id"])
    return removed


def _drop_record(conn: sqlite3.Connection, source_id: int, record_id: str) -> int:
    row = conn.execute("DELETE FROM source_record WHERE source_id = ? AND record_id = ?"
                       " RETURNING item_id", (source_id, record_id)).fetchone()
    if row is None:
        return 0
    _release_item(conn, row[0])
    return 1


def _release_item(conn: sqlite3.Connection, item_id: int | None) -> None:
    """Delete a synced item no source holds any more."""
    if item_id is None:
        return
    if conn.execute("SELECT 1 FROM source_record WHERE item_id = ? LIMIT 1",
                    (item_id,)).fetchone():
        return
    item = content.items_by_id(conn, [item_id]).get(item_id)
    if item is not None and item.source == SYNC_SOURCE:
        content.delete_item(conn, item_id)


def remove_source(conn: sqlite3.Connection, name: str) -> int:
    """Remove a source and the items only it held; returns how many."""
    source = store.get_source(conn, name)
    items = [row[0] for row in conn.execute(
        "SELECT DISTINCT item_id FROM source_record WHERE source_id = ?", (source.id,))]
    conn.execute("DELETE FROM source_record WHERE source_id = ?", (source.id,))
    conn.execute("DELETE FROM source WHERE id = ?", (source.id,))
    removed = 0
    for item_id in items:
        before = conn.total_changes
        _release_item(conn, item_id)
        removed += conn.total_changes != before
    return removed


# -- many sources ---------------------------------------------------------------

async def sync_many(db: Store, source_ids: list[int], limits: Limits,
                    deadline: float | None = None,
                    concurrency: int = 2) -> list[Outcome]:
    """Sync several sources side by side; one that hangs or fails holds up
    none of the others."""
    gate = asyncio.Semaphore(concurrency)

    async def one(source_id: int) -> Outcome:
        async with gate:
            return await sync_source(db, source_id, limits, deadline)

    return list(await asyncio.gather(*(one(i) for i in source_ids)))

