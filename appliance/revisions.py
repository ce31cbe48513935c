"""Revisions: every saved version of an item, what changed between two of
them, and an old version made ready to be saved again or shown.

The content store writes one item_revision row each time an item's revision
number goes up; this module only reads them. A restore is an ordinary save
through the content store (see newsroom.history), so it becomes a new
revision and history is never rewritten.
"""

from __future__ import annotations

import dataclasses
import difflib
from itertools import pairwise
import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from .content import Item, ItemInput, Tag, get_media, get_section
from .errors import NotFoundError
from .i18n import N_, format_date
from .i18n import gettext as _
from .text import html_to_text, nfc, slugify


@dataclass
class Revision:
    item_id: int
    revision: int
    saved_at: str
    user_id: int | None
    user_label: str | None
    status: str
    title: str
    summary: str
    fields: dict[str, Any]
    body: str = ""

    def get(self, name: str, default: Any = None) -> Any:
        """A field as saved in this revision; `default` when it was not kept
        (versions recorded before fields were kept have none)."""
        return self.fields.get(name, default)


_COLUMNS = (
    "r.item_id, r.revision, r.saved_at, r.user_id, r.status, r.title, r.summary,"
    " r.fields, coalesce(nullif(u.display_name, ''), u.username) AS user_label"
)
_FROM = " FROM item_revision r LEFT JOIN user u ON u.id = r.user_id"


def _from_row(row: sqlite3.Row, body: str = "") -> Revision:
    return Revision(
        item_id=row["item_id"], revision=row["revision"], saved_at=row["saved_at"],
        user_id=row["user_id"], user_label=row["user_label"], status=row["status"],
        title=row["title"], summary=row["summary"],
        fields=json.loads(row["fields"] or "{}"), body=body,
    )


def list_revisions(conn: sqlite3.Connection, item_id: int) -> list[Revision]:
    """Every revision of an item, newest first, without bodies."""
    rows = conn.execute(
        f"SELECT {_COLUMNS}{_FROM} WHERE r.item_id = ? ORDER BY r.revision DESC",
        (item_id,)).fetchall()
    return [_from_row(row) for row in rows]


def reached_at(conn: sqlite3.Connection, item_ids: list[int], status: str, *,
               first: bool = True) -> dict[int, str]:
    """When each item first (or last) reached a status, by its revisions:
    for royalties (the approval date) and reports (submission to publication)."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    pick = "min" if first else "max"
    rows = conn.execute(
        f"SELECT item_id, {pick}(saved_at) FROM item_revision WHERE status = ?"
        f" AND item_id IN ({','.join('?' * len(ids))}) GROUP BY item_id",
        [status, *ids])
    return {row[0]: row[1] for row in rows}


def get_revision(conn: sqlite3.Connection, item_id: int, revision: int) -> Revision:
    row = conn.execute(
        f"SELECT {_COLUMNS}, r.body{_FROM} WHERE r.item_id = ? AND r.revision = ?",
        (item_id, revision)).fetchone()
    if row is None:
        raise NotFoundError(_("Item %(id)s has no revision %(revision)s.",
                              id=item_id, revision=revision))
    return _from_row(row, row["body"])


def previous_revision(conn: sqlite3.Connection, item_id: int, revision: int) -> int:
    """The recorded revision before `revision`, or `revision` itself when it
    is the first."""
    row = conn.execute(
        "SELECT max(revision) FROM item_revision WHERE item_id = ? AND revision < ?",
        (item_id, revision)).fetchone()
    return row[0] or revision


# -- what changed -------------------------------------------------------------

@dataclass
class Segment:
    """A run of words that both versions share ("equal"), or that only the
    newer ("insert") or only the older ("delete") has. `before` is the space
    between this run and the previous one, kept outside the marking."""
    op: str
    text: str
    before: str = ""


@dataclass
class FieldChange:
    name: str
    label: str  # a message id
    before: str
    after: str


@dataclass
class Diff:
    old: Revision
    new: Revision
    title: list[Segment]
    summary: list[Segment]
    body: list[Segment]
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        runs = self.title + self.summary + self.body
        return not self.fields and all(run.op == "equal" for run in runs)


# Fields shown in the table of changes, in this order, with their names.
FIELD_LABELS = {
    "status": N_("Status"),
    "section_key": N_("Section"),
    "tags": N_("Topics"),
    "byline": N_("Byline"),
    "lead_image_id": N_("Lead image"),
    "featured": N_("Featured"),
    "published_at": N_("Publication date"),
    "publish_at": N_("Scheduled to publish"),
    "unpublish_at": N_("Scheduled to unpublish"),
    "slug": N_("Address"),
    "source_url": N_("Source address"),
    "attribution": N_("Attribution"),
    "document": N_("Document details"),
    "procedure": N_("Procedure details"),
    "extra": N_("Other details"),
}
_TIMES = frozenset({"published_at", "publish_at", "unpublish_at"})
# Bookkeeping copied from the item row, not something an editor changed.
_HIDDEN_DETAILS = frozenset({"item_id", "number_key"})
_WORD = re.compile(r"\n+|[^\s]+")


def diff(old: Revision, new: Revision) -> Diff:
    """What changed from `old` to `new`: words of the title, summary and text,
    and a list of the other fields that differ."""
    return Diff(
        old=old, new=new,
        title=word_diff(old.title, new.title),
        summary=word_diff(old.summary, new.summary),
        body=word_diff(html_to_text(old.body), html_to_text(new.body)),
        fields=_field_changes(old, new),
    )


def word_diff(before: str, after: str) -> list[Segment]:
    """Word-level differences; paragraph breaks count as words of their own,
    so a changed paragraph boundary shows too."""
    old_words, new_words = _WORD.findall(nfc(before)), _WORD.findall(nfc(after))
    # autojunk would treat common words of long texts as noise and report
    # whole sentences as replaced.
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    segments: list[Segment] = []
    last: str | None = None
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        runs = {"equal": [("equal", new_words[j1:j2])],
                "insert": [("insert", new_words[j1:j2])],
                "delete": [("delete", old_words[i1:i2])],
                "replace": [("delete", old_words[i1:i2]), ("insert", new_words[j1:j2])]}
        for kind, words in runs[op]:
            before = "" if last is None else _space(last, words[0])
            segments.append(Segment(kind, _join(words), before))
            last = words[-1]
    return segments


def _space(left: str, right: str) -> str:
    return "" if left.startswith("\n") or right.startswith("\n") else " "


def _join(words: list[str]) -> str:
    text = words[0]
    for previous, word in pairwise(words):
        text += _space(previous, word) + word
    return text


def _field_changes(old: Revision, new: Revision) -> list[FieldChange]:
    changes = []
    if old.status != new.status:
        changes.append(FieldChange("status", FIELD_LABELS["status"], old.status,
                                   new.status))
    for name, label in FIELD_LABELS.items():
        if name == "status" or name not in old.fields or name not in new.fields:
            continue  # a revision kept without the field says nothing about it
        before, after = _shown(name, old.fields[name]), _shown(name, new.fields[name])
        if before != after:
            changes.append(FieldChange(name, label, before, after))
    return changes


def _shown(name: str, value: Any) -> str:
    """A field's value as one line of text for the table of changes."""
    if value in (None, "", [], {}):
        return "—"
    if name in _TIMES:
        return f"{format_date(value)} {format_date(value, 'time')}"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(part) for part in value)
    if isinstance(value, dict):
        parts = [f"{key}: {_shown(key, part)}" for key, part in sorted(value.items())
                 if key not in _HIDDEN_DETAILS and part not in (None, "", [], {})]
        return "; ".join(parts) or "—"
    return str(value)


# -- an old revision again ----------------------------------------------------

def restore_input(conn: sqlite3.Connection, item: Item, old: Revision) -> ItemInput:
    """What to save to bring the item back to an old revision's content.

    The item keeps its address, its language, its story and its publication
    facts: those are decisions made since, not part of the old text. A lead
    image deleted since is left out rather than pointing at nothing.
    """
    image_id = old.get("lead_image_id", item.lead_image_id)
    if image_id and get_media(conn, image_id) is None:
        image_id = None
    return ItemInput(
        kind=item.kind, lang=item.lang, title=old.title, summary=old.summary,
        body=old.body, section_key=old.get("section_key", item.section_key),
        tags=list(old.get("tags", [tag.name for tag in item.tags])),
        published_at=item.published_at,
        featured=bool(old.get("featured", item.featured)),
        translation_group=item.translation_group, external_id=item.external_id,
        source=item.source, source_url=old.get("source_url", item.source_url),
        attribution=old.get("attribution", item.attribution),
        byline=old.get("byline", item.byline), lead_image_id=image_id,
        slug=item.slug, extra=dict(old.get("extra", item.extra) or {}),
    )


def as_item(conn: sqlite3.Connection, item: Item, old: Revision) -> Item:
    """The item as it was at an old revision, for a preview: its content and
    presentation then, at the address it has now."""
    section_key = old.get("section_key", item.section_key)
    section = get_section(conn, section_key) if section_key else None
    image_id = old.get("lead_image_id", item.lead_image_id)
    tags = old.get("tags")
    return dataclasses.replace(
        item, revision=old.revision, status=old.status, title=old.title,
        summary=old.summary, body=old.body, byline=old.get("byline", item.byline),
        section_key=section.key if section else None,
        section_id=section.id if section else None,
        featured=bool(old.get("featured", item.featured)),
        published_at=old.get("published_at", item.published_at),
        attribution=old.get("attribution", item.attribution),
        source_url=old.get("source_url", item.source_url),
        extra=old.get("extra", item.extra) or {},
        lead_image_id=image_id,
        lead_image=get_media(conn, image_id) if image_id else None,
        tags=item.tags if tags is None else _tags(item.lang, tags),
        document=old.get("document", item.document),
        procedure=old.get("procedure", item.procedure),
    )


def _tags(lang: str, names: list[str]) -> list[Tag]:
    found = [Tag(0, lang, name, slugify(name, 60)) for name in names]
    return [tag for tag in found if tag.slug]
