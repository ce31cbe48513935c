"""Translation status: every story with one column per language, showing each
version's state and whether it is outdated.

GET /admin/translations?missing=LANG&outdated=1&section=KEY&kind=KIND&item=ID

A story is a translation group, or a single item that has none. A version
is outdated when its source has changed (its content revision moved on)
since the version was made from it; the content store keeps source_item_id,
source_revision and content_revision up to date.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from appliance import content
from appliance.errors import UserError
from appliance.i18n import LANGUAGES
from appliance.i18n import gettext as _

from .pages import as_id, page_number, read, render, signed_in
from .permissions import require

PAGE_SIZE = 50
FILTER_PARAMS = ("missing", "outdated", "section", "kind", "item")
_STORY = "coalesce(i.translation_group, 'item:' || i.id)"


@dataclass
class Filters:
    missing: str | None = None  # stories without a version in this language
    outdated: bool = False  # stories with at least one outdated version
    section_id: int | None = None
    kind: str | None = None
    item_id: int | None = None  # the story of this item


@dataclass
class Version:
    id: int
    lang: str
    title: str
    status: str
    source_item_id: int | None
    source_revision: int | None
    source_content_revision: int | None
    source_current_revision: int | None

    @property
    def outdated(self) -> bool:
        return (
            self.source_revision is not None
            and self.source_content_revision is not None
            and self.source_content_revision > self.source_revision
        )


@dataclass
class Story:
    key: str
    versions: dict[str, Version] = field(default_factory=dict)

    @property
    def lead(self) -> Version:
        """The version to name the story by and to translate from: the
        Vietnamese one when there is one."""
        return self.versions.get("vi") or next(iter(self.versions.values()))


# -- data ---------------------------------------------------------------------


def _having(filters: Filters) -> tuple[str, list[Any]]:
    clauses, params = ["1"], []
    if filters.missing:
        clauses.append("sum(i.lang = ?) = 0")
        params.append(filters.missing)
    if filters.outdated:
        clauses.append("sum(s.content_revision > i.source_revision) > 0")
    if filters.section_id is not None:
        clauses.append("sum(i.section_id = ?) > 0")
        params.append(filters.section_id)
    if filters.item_id is not None:
        clauses.append("sum(i.id = ?) > 0")
        params.append(filters.item_id)
    return " AND ".join(clauses), params


def story_status(
    conn: sqlite3.Connection, filters: Filters, limit: int, offset: int
) -> tuple[list[Story], int]:
    """One page of stories, most recently changed first, and how many match."""
    where, params = ("WHERE i.kind = ?", [filters.kind]) if filters.kind else ("", [])
    having, having_params = _having(filters)
    grouped = (
        f"SELECT {_STORY} AS story, max(i.updated_at) AS changed"
        " FROM item i LEFT JOIN item s ON s.id = i.source_item_id"
        f" {where} GROUP BY story HAVING {having}"
    )
    args = params + having_params
    total = conn.execute(f"SELECT count(*) FROM ({grouped})", args).fetchone()[0]
    keys = [
        row["story"]
        for row in conn.execute(
            f"{grouped} ORDER BY changed DESC, story LIMIT ? OFFSET ?",
            args + [limit, offset],
        )
    ]
    return _stories(conn, keys), total


def _stories(conn: sqlite3.Connection, keys: list[str]) -> list[Story]:
    if not keys:
        return []
    groups = [key for key in keys if not key.startswith("item:")]
    ids = [int(key[5:]) for key in keys if key.startswith("item:")]
    rows = conn.execute(
        f"SELECT {_STORY} AS story, i.id, i.lang, i.title, i.status,"
        " i.source_item_id, i.source_revision,"
        " s.content_revision AS source_content_revision,"
        " s.revision AS source_current_revision"
        " FROM item i LEFT JOIN item s ON s.id = i.source_item_id"
        f" WHERE i.translation_group IN ({','.join('?' * len(groups))})"
        f" OR (i.translation_group IS NULL AND i.id IN ({','.join('?' * len(ids))}))",
        groups + ids,
    ).fetchall()
    stories = {key: Story(key) for key in keys}
    for row in rows:
        version = Version(**{name: row[name] for name in Version.__dataclass_fields__})
        stories[row["story"]].versions[version.lang] = version
    return [story for story in stories.values() if story.versions]


# -- the page -----------------------------------------------------------------


async def status_page(request: web.Request) -> web.Response:
    user = signed_in(request)
    require(user, "translation.view")
    filters = await _filters(request)
    page = page_number(request)
    stories, total = await read(
        request, story_status, filters, PAGE_SIZE, (page - 1) * PAGE_SIZE
    )
    return await render(
        request,
        "translations.html",
        {
            "stories": stories,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "filters": filters,
            "sections": await read(request, content.list_sections),
            "kinds": content.KINDS,
            "query": {
                name: request.query[name]
                for name in FILTER_PARAMS
                if request.query.get(name)
            },
        },
    )


async def _filters(request: web.Request) -> Filters:
    query = request.query
    missing, kind = query.get("missing", ""), query.get("kind", "")
    if missing and missing not in LANGUAGES:
        raise UserError(
            _("Unknown language “%(lang)s”: use vi, en or km.", lang=missing)
        )
    if kind and kind not in content.KINDS:
        raise UserError(_("Unknown kind “%(kind)s”.", kind=kind))
    section_id = None
    if query.get("section"):
        section = await read(request, content.get_section, query["section"])
        if section is None:
            raise UserError(_("Unknown section “%(key)s”.", key=query["section"]))
        section_id = section.id
    item_id = None
    if query.get("item"):
        item_id = as_id(query["item"])
        if item_id is None:
            raise UserError(_("The item number must be a whole number."))
    return Filters(
        missing=missing or None,
        outdated=query.get("outdated") == "1",
        section_id=section_id,
        kind=kind or None,
        item_id=item_id,
    )
