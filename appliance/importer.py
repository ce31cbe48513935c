"""`portal import jsonl`: load content in the import format (plain or gzip).

Sections are read first from every file, so items may come before their
section in the input. Each record is applied in its own savepoint: a bad one
is reported as file:line and a reason, and the rest still imports. Importing
the same external_id again updates the item.
"""

from __future__ import annotations

import gzip
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search import index as search_index

from . import content
from .db import transaction
from .errors import UserError
from .i18n import gettext as _

log = logging.getLogger("portal.import")

SOURCE = "import"
BATCH = 500
ANALYZE_AFTER = 1000
_COMMON = {"external_id", "kind", "lang", "title", "summary", "body", "published_at",
           "section", "tags", "source_url", "translation_group", "attribution",
           "featured", "byline"}
_DOCUMENT = set(content.DOCUMENT_FIELDS)
_PROCEDURE = set(content.PROCEDURE_FIELDS)


@dataclass
class Rejection:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    rejected: int = 0
    sections: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.created} created, {self.updated} updated, "
                f"{self.rejected} rejected, {self.sections} sections")


def _open(path: Path):
    """The file's bytes, unpacked when it is gzip; lines are decoded one by
    one, so one badly encoded line is one reject, not a lost file."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return path.open("rb")


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, record or None, reason when unreadable) for each non-blank line."""
    try:
        with _open(path) as handle:
            for number, raw in enumerate(handle, start=1):
                if number == 1:
                    # Files saved by Windows tools often start with a byte-order mark.
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield number, None, _("not UTF-8 text (a wrong byte at position "
                                          "%(position)s)", position=exc.start + 1)
                    continue
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, None, _("not valid JSON (%(error)s)", error=exc.msg)
                    continue
                if not isinstance(record, dict):
                    yield number, None, _("not a JSON object")
                    continue
                yield number, record, None
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise UserError(_("%(path)s: cannot read (%(error)s).", path=path, error=exc)) from None


def _require(record: dict[str, Any]) -> None:
    for key in ("external_id", "kind", "lang", "title"):
        value = record.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise UserError(_("%(field)s is missing or empty.", field=key))
        if not isinstance(value, str):
            raise UserError(_("%(field)s should be a string.", field=key))


def to_input(record: dict[str, Any], source: str = SOURCE) -> content.ItemInput:
    """Map an import-format record onto the content store's input."""
    _require(record)
    kind = record["kind"]
    tags = record.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise UserError(_("tags should be a list of strings."))
    known = _COMMON | (_DOCUMENT if kind in content.DOCUMENT_KINDS else set()) \
        | (_PROCEDURE if kind == "procedure" else set())
    return content.ItemInput(
        kind=kind, lang=record["lang"], title=record["title"],
        summary=_text(record, "summary"), body=_text(record, "body"), body_is_text=True,
        section_key=record.get("section") or None, tags=tags,
        published_at=record.get("published_at"), featured=bool(record.get("featured")),
        translation_group=record.get("translation_group"),
        external_id=record["external_id"], source=source,
        source_url=record.get("source_url"), attribution=record.get("attribution"),
        byline=_text(record, "byline"),
        document={k: record.get(k) for k in _DOCUMENT} if kind in content.DOCUMENT_KINDS else {},
        procedure={k: record.get(k) for k in _PROCEDURE} if kind == "procedure" else {},
        extra={k: v for k, v in record.items() if k not in known},
    )


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UserError(_("%(field)s should be a string.", field=key))
    return value


def import_record(conn: sqlite3.Connection, record: dict[str, Any],
                  source: str = SOURCE) -> str:
    """Create or update one item; returns "created" or "updated"."""
    data = to_input(record, source)
    existing = content.find_by_external_id(conn, source, data.external_id)
    if existing is not None:
        if existing.kind != data.kind:
            raise UserError(_(
                "external_id “%(id)s” is already a %(old)s, not a %(new)s.",
                id=data.external_id, old=existing.kind, new=data.kind))
        data.lead_image_id = existing.lead_image_id
        content.save_item(conn, data, item_id=existing.id, status="published")
        return "updated"
    content.save_item(conn, data, status="published")
    return "created"


def import_section(conn: sqlite3.Connection, record: dict[str, Any]) -> None:
    _require(record)
    names = record.get("names") or {}
    if not isinstance(names, dict):
        raise UserError(_("names should be an object of language to name."))
    names = {"vi": record["title"]} | {k: v for k, v in names.items() if isinstance(v, str)}
    content.save_section(conn, record["external_id"], names)


def import_files(conn: sqlite3.Connection, paths: list[Path], *,
                 source: str = SOURCE,
                 on_reject: Callable[[Rejection], None] | None = None) -> Summary:
    """Import every file; sections from all files first, then the items."""
    summary = Summary()
    for path in paths:
        if path.is_dir():
            raise UserError(_("%(path)s is a folder, not a file.", path=path))
        if not path.is_file():
            raise UserError(_("%(path)s: no such file.", path=path))

    def reject(path: Path, line: int, reason: str) -> None:
        rejection = Rejection(str(path), line, reason)
        summary.rejected += 1
        summary.rejections.append(rejection)
        if on_reject:
            on_reject(rejection)

    for sections_pass in (True, False):
        for path in paths:
            _import_pass(conn, path, sections_pass, summary, reject, source)
    if summary.created + summary.updated >= ANALYZE_AFTER:
        # After a bulk load: one index segment searches faster, and fresh
        # statistics keep the query planner on the right indexes.
        transaction(conn, search_index.optimize)
        conn.execute("ANALYZE")
    log.info("import finished", extra={"files": len(paths), "items_created": summary.created,
             "items_updated": summary.updated, "items_rejected": summary.rejected})
    return summary


def _import_pass(conn, path, sections_pass, summary, reject, source) -> None:
    pending = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for number, record, problem in read_records(path):
            is_section = record is not None and record.get("kind") == "section"
            if problem is not None:
                if not sections_pass:
                    reject(path, number, problem)
                continue
            if is_section != sections_pass:
                continue
            conn.execute("SAVEPOINT record")
            try:
                if is_section:
                    import_section(conn, record)
                    summary.sections += 1
                else:
                    outcome = import_record(conn, record, source)
                    setattr(summary, outcome, getattr(summary, outcome) + 1)
                conn.execute("RELEASE record")
            except (UserError, sqlite3.IntegrityError) as exc:
                conn.execute("ROLLBACK TO record")
                conn.execute("RELEASE record")
                reject(path, number, str(exc))
            pending += 1
            if pending >= BATCH:
                conn.execute("COMMIT")
                conn.execute("BEGIN IMMEDIATE")
                pending = 0
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
