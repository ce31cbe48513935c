"""The content store: items of every kind, sections and tags.

This is the small function API the other parts use instead of reaching into
the tables: the public site and feeds read through it, the newsroom and the
importer write through it, and it keeps the search index in step with what
is published. Functions are synchronous and take a sqlite3 connection (see
appliance.db for how the server runs them).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from datetime import UTC, date, datetime
from typing import Any

from search.index import SearchDoc, index_document, remove_document

from . import addresses
from .audit import audit
from .db import utcnow
from .errors import ConflictError, NotFoundError, UserError
from .i18n import LANGUAGES, LOCAL_TZ
from .i18n import gettext as _
from .text import (
    clean,
    fold,
    html_to_text,
    is_khmer,
    is_web_address,
    nfc,
    number_key,
    plain_to_html,
    sanitize_html,
    slugify,
)

KINDS = ("article", "disclosure", "directive", "legal_document", "procedure",
         "public_service")
DOCUMENT_KINDS = ("directive", "legal_document")
NEWS_KINDS = ("article", "disclosure")
# Editorial states (newsroom.workflow moves items between them); only
# "published" is public.
STATUSES = ("draft", "submitted", "editing", "awaiting_approval", "approved",
            "scheduled", "published", "returned", "unpublished", "archived")
# Real procedure titles from the national portal run past 1,000 characters.
MAX_TITLE_LENGTH = 2000
LEGAL_STATUSES = ("not_yet_in_force", "in_force", "amended", "replaced", "expired")

# First path segments that belong to the site itself, never to a section.
RESERVED_KEYS = frozenset({
    "documents", "procedures", "services", "search", "tags", "feed.xml", "atom.xml",
    "feed.json", "static", "media", "admin", "api", "s", "sitemap.xml", "robots.txt",
    "healthz", "sitemaps", "about", "contact", "sitemap", "dossier",
    # Reach and trust (web.trust, web.about).
    "feedback", "questions", "rate", "thanks",
})
_SECTION_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
DEFAULT_SECTION = "tin-tuc"

DOCUMENT_FIELDS = ("number", "doc_type", "issuer", "signer", "issued_at",
                   "effective_at", "status", "year", "amends", "replaces")
# A legal document names the documents it amends or replaces by number.
DOCUMENT_RELATIONS = ("amends", "replaces")
PROCEDURE_FIELDS = ("code", "agency", "authority", "ministry", "field", "level",
                    "applicants", "steps", "channels", "requirements", "result",
                    "legal_basis")


# -- records ------------------------------------------------------------------

@dataclass
class Section:
    id: int
    key: str
    names: dict[str, str]
    position: int

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("vi") or self.key

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Section:
        return cls(row["id"], row["key"], json.loads(row["names"]), row["position"])


@dataclass
class Tag:
    id: int
    lang: str
    name: str
    slug: str

    @property
    def url(self) -> str:
        return f"/{self.lang}/tags/{self.slug}"


@dataclass
class Media:
    id: int
    path: str
    mime: str
    width: int | None
    height: int | None
    alt: str
    credit: str

    @property
    def url(self) -> str:
        return f"/media/{self.path}"


@dataclass
class Item:
    id: int
    kind: str
    lang: str
    status: str
    revision: int
    slug: str
    title: str
    summary: str
    body: str
    published_at: str | None
    created_at: str
    updated_at: str
    featured: bool
    section_id: int | None
    section_key: str | None
    translation_group: str | None
    external_id: str | None
    source: str
    source_url: str | None
    attribution: str | None
    byline: str
    author_id: int | None
    lead_image_id: int | None
    publish_at: str | None = None
    unpublish_at: str | None = None
    content_revision: int = 1
    source_item_id: int | None = None
    source_revision: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    tags: list[Tag] = field(default_factory=list)
    lead_image: Media | None = None
    document: dict[str, Any] | None = None
    procedure: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        return item_url(self.kind, self.lang, self.slug, self.section_key)

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def text(self) -> str:
        return html_to_text(self.body)

    @property
    def awaiting_review(self) -> bool:
        return self.extra.get("review") == "awaiting-khmer-review"


def item_url(kind: str, lang: str, slug: str, section_key: str | None = None) -> str:
    if kind in DOCUMENT_KINDS:
        return f"/{lang}/documents/{slug}"
    if kind == "procedure":
        return f"/{lang}/procedures/{slug}"
    if kind == "public_service":
        return f"/{lang}/services/{slug}"
    return f"/{lang}/{section_key or DEFAULT_SECTION}/{slug}"


_ITEM_COLUMNS = (
    "item.id, item.kind, item.lang, item.status, item.revision, item.slug, item.title,"
    " item.summary,"
    " item.published_at, item.created_at, item.updated_at, item.featured,"
    " item.section_id, section.key AS section_key, item.translation_group,"
    " item.external_id, item.source, item.source_url, item.attribution, item.byline,"
    " item.author_id, item.lead_image_id, item.extra, item.publish_at,"
    " item.unpublish_at, item.content_revision, item.source_item_id,"
    " item.source_revision"
)
_ITEM_FROM = " FROM item LEFT JOIN section ON section.id = item.section_id"


def _item_from_row(row: sqlite3.Row, body: str = "") -> Item:
    return Item(
        id=row["id"], kind=row["kind"], lang=row["lang"], status=row["status"],
        revision=row["revision"],
        slug=row["slug"], title=row["title"], summary=row["summary"], body=body,
        published_at=row["published_at"], created_at=row["created_at"],
        updated_at=row["updated_at"], featured=bool(row["featured"]),
        section_id=row["section_id"], section_key=row["section_key"],
        translation_group=row["translation_group"], external_id=row["external_id"],
        source=row["source"], source_url=row["source_url"],
        attribution=row["attribution"], byline=row["byline"],
        author_id=row["author_id"], lead_image_id=row["lead_image_id"],
        publish_at=row["publish_at"], unpublish_at=row["unpublish_at"],
        content_revision=row["content_revision"],
        source_item_id=row["source_item_id"], source_revision=row["source_revision"],
        extra=json.loads(row["extra"] or "{}"),
    )


# -- reading ------------------------------------------------------------------

def get_item(conn: sqlite3.Connection, item_id: int) -> Item:
    row = conn.execute(f"SELECT {_ITEM_COLUMNS}, item.body{_ITEM_FROM} WHERE item.id = ?",
                       (item_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No item with id %(id)s.", id=item_id))
    return _complete(conn, _item_from_row(row, row["body"]))


def find_item(conn: sqlite3.Connection, lang: str, slug: str,
              kinds: Iterable[str] | None = None,
              published_only: bool = True) -> Item | None:
    """An item by its address; None when absent or not public."""
    sql = f"SELECT {_ITEM_COLUMNS}, item.body{_ITEM_FROM} WHERE item.lang = ? AND item.slug = ?"
    params: list[Any] = [lang, slug]
    if kinds:
        kinds = list(kinds)
        sql += f" AND item.kind IN ({','.join('?' * len(kinds))})"
        params += kinds
    if published_only:
        sql += " AND item.status = 'published'"
    row = conn.execute(sql, params).fetchone()
    return _complete(conn, _item_from_row(row, row["body"])) if row else None


def item_id_at(conn: sqlite3.Connection, lang: str, slug: str) -> int | None:
    """The id of the item with this address, whatever its status."""
    row = conn.execute("SELECT id FROM item WHERE lang = ? AND slug = ?",
                       (lang, slug)).fetchone()
    return row[0] if row else None


def find_by_external_id(conn: sqlite3.Connection, source: str,
                        external_id: str) -> Item | None:
    row = conn.execute(
        f"SELECT {_ITEM_COLUMNS}, item.body{_ITEM_FROM}"
        " WHERE item.source = ? AND item.external_id = ?", (source, external_id)
    ).fetchone()
    return _complete(conn, _item_from_row(row, row["body"])) if row else None


def _complete(conn: sqlite3.Connection, item: Item) -> Item:
    """Attach tags, lead image and kind-specific fields to one item."""
    item.tags = tags_for(conn, [item.id]).get(item.id, [])
    if item.lead_image_id:
        item.lead_image = get_media(conn, item.lead_image_id)
    if item.kind in DOCUMENT_KINDS:
        row = conn.execute("SELECT * FROM document WHERE item_id = ?", (item.id,)).fetchone()
        item.document = dict(row) if row else {}
    elif item.kind == "procedure":
        row = conn.execute("SELECT * FROM procedure WHERE item_id = ?", (item.id,)).fetchone()
        if row:
            item.procedure = dict(row)
            for key in ("steps", "channels", "legal_basis"):
                item.procedure[key] = json.loads(row[key] or "[]")
        else:
            item.procedure = {}
    return item


def list_items(conn: sqlite3.Connection, *, lang: str | None = None,
               kinds: Iterable[str] | None = None, section_id: int | None = None,
               tag_id: int | None = None, status: str | None = "published",
               featured: bool | None = None, exclude_ids: Iterable[int] = (),
               limit: int = 20, offset: int = 0, with_images: bool = True) -> list[Item]:
    """Items newest first (undated last), without bodies, for listings and feeds."""
    where, params = _listing_filter(lang, kinds, section_id, tag_id, status, featured,
                                    exclude_ids)
    rows = conn.execute(
        f"SELECT {_ITEM_COLUMNS}{_ITEM_FROM}{where}"
        # NULL sorts lowest, so undated items come last without a sort key
        # the index could not serve.
        " ORDER BY item.published_at DESC, item.id DESC"
        " LIMIT ? OFFSET ?", params + [limit, offset]).fetchall()
    items = [_item_from_row(row) for row in rows]
    _attach_listing_extras(conn, items, with_images)
    return items


def count_items(conn: sqlite3.Connection, *, lang: str | None = None,
                kinds: Iterable[str] | None = None, section_id: int | None = None,
                tag_id: int | None = None, status: str | None = "published",
                featured: bool | None = None) -> int:
    where, params = _listing_filter(lang, kinds, section_id, tag_id, status, featured, ())
    return conn.execute(f"SELECT count(*) FROM item{where}", params).fetchone()[0]


def _listing_filter(lang, kinds, section_id, tag_id, status, featured,
                    exclude_ids) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if status is not None:
        clauses.append("item.status = ?")
        params.append(status)
    if lang is not None:
        clauses.append("item.lang = ?")
        params.append(lang)
    if kinds:
        kinds = list(kinds)
        clauses.append(f"item.kind IN ({','.join('?' * len(kinds))})")
        params += kinds
    if section_id is not None:
        clauses.append("item.section_id = ?")
        params.append(section_id)
    if tag_id is not None:
        clauses.append("item.id IN (SELECT item_id FROM item_tag WHERE tag_id = ?)")
        params.append(tag_id)
    if featured is not None:
        # A literal, not a parameter: only then can SQLite use the partial
        # index of featured items.
        clauses.append(f"item.featured = {int(bool(featured))}")
    exclude = list(exclude_ids)
    if exclude:
        clauses.append(f"item.id NOT IN ({','.join('?' * len(exclude))})")
        params += exclude
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return where, params


def _attach_listing_extras(conn: sqlite3.Connection, items: list[Item],
                           with_images: bool) -> None:
    if not items:
        return
    tags = tags_for(conn, [item.id for item in items])
    image_ids = {item.lead_image_id for item in items if item.lead_image_id}
    images = get_media_many(conn, image_ids) if with_images and image_ids else {}
    docs = _kind_rows(conn, "document", [i.id for i in items if i.kind in DOCUMENT_KINDS])
    procs = _kind_rows(conn, "procedure", [i.id for i in items if i.kind == "procedure"])
    for item in items:
        item.tags = tags.get(item.id, [])
        item.lead_image = images.get(item.lead_image_id)
        if item.id in docs:
            item.document = docs[item.id]
        if item.id in procs:
            item.procedure = procs[item.id]
            for key in ("steps", "channels", "legal_basis"):
                item.procedure[key] = json.loads(item.procedure[key] or "[]")


def _kind_rows(conn: sqlite3.Connection, table: str,
               ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT * FROM {table} WHERE item_id IN ({','.join('?' * len(ids))})", ids)
    return {row["item_id"]: dict(row) for row in rows}


def translations_of(conn: sqlite3.Connection, item: Item,
                    published_only: bool = True) -> dict[str, Item]:
    """The other language versions of an item, by language."""
    if not item.translation_group:
        return {}
    sql = (f"SELECT {_ITEM_COLUMNS}{_ITEM_FROM}"
           " WHERE item.translation_group = ? AND item.id != ?")
    if published_only:
        sql += " AND item.status = 'published'"
    rows = conn.execute(sql, (item.translation_group, item.id)).fetchall()
    return {row["lang"]: _item_from_row(row) for row in rows}


def documents_by_number(conn: sqlite3.Connection,
                        numbers: Iterable[str]) -> dict[str, Item]:
    """Published documents for a list of document numbers, keyed by number key."""
    keys = sorted({k for k in (number_key(n) for n in numbers) if k})
    if not keys:
        return {}
    rows = conn.execute(
        f"SELECT {_ITEM_COLUMNS}, document.number_key{_ITEM_FROM}"
        " JOIN document ON document.item_id = item.id"
        f" WHERE document.number_key IN ({','.join('?' * len(keys))})"
        " AND item.status = 'published' ORDER BY item.lang = 'vi' DESC", keys)
    found: dict[str, Item] = {}
    for row in rows:
        found.setdefault(row["number_key"], _item_from_row(row))
    return found


def published_ids(conn: sqlite3.Connection, languages: list[str]) -> list[int]:
    """Ids of every published item in the site's languages, ascending.

    Without ORDER BY, SQLite answers from the (status, lang, ...) index alone
    instead of walking the whole table; sorting 100,000 ints here is cheap.
    """
    marks = ",".join("?" * len(languages))
    rows = conn.execute(
        f"SELECT id FROM item WHERE status = 'published' AND lang IN ({marks})",
        languages)
    return sorted(row[0] for row in rows)


def published_addresses(conn: sqlite3.Connection, languages: list[str], first: int,
                        last: int) -> list[tuple[int, str, str]]:
    """(id, address, updated_at) of the published items with ids from first to
    last; only the columns an address needs, never the bodies."""
    marks = ",".join("?" * len(languages))
    # The unary + keeps the planner on the id range (see translation_addresses).
    rows = conn.execute(
        "SELECT item.id, item.kind, item.lang, item.slug, section.key AS section_key,"
        " item.updated_at FROM item LEFT JOIN section ON section.id = item.section_id"
        " WHERE item.id BETWEEN ? AND ? AND +item.status = 'published'"
        f" AND +item.lang IN ({marks}) ORDER BY item.id",
        [first, last, *languages]).fetchall()
    return [(row["id"], item_url(row["kind"], row["lang"], row["slug"],
                                 row["section_key"]), row["updated_at"])
            for row in rows]


def lead_images(conn: sqlite3.Connection, item_ids: list[int]) -> dict[int, Media]:
    """The lead images of some items, by item id (sitemap image entries)."""
    if not item_ids:
        return {}
    rows = conn.execute(
        "SELECT id, lead_image_id FROM item WHERE lead_image_id IS NOT NULL"
        f" AND id IN ({','.join('?' * len(item_ids))})", item_ids).fetchall()
    media = get_media_many(conn, {row[1] for row in rows})
    return {row[0]: media[row[1]] for row in rows if row[1] in media}


def recent_news(conn: sqlite3.Connection, languages: list[str], since: str,
                limit: int = 1000) -> list[tuple[str, str, str, str]]:
    """(address, title, lang, published_at) of news published since a time,
    newest first: the news sitemap."""
    marks = ",".join("?" * len(languages))
    kinds = ",".join("?" * len(NEWS_KINDS))
    rows = conn.execute(
        "SELECT item.kind, item.lang, item.slug, section.key AS section_key, item.title,"
        " item.published_at FROM item LEFT JOIN section ON section.id = item.section_id"
        f" WHERE item.status = 'published' AND item.lang IN ({marks})"
        f" AND item.kind IN ({kinds}) AND item.published_at >= ?"
        " ORDER BY item.published_at DESC LIMIT ?",
        [*languages, *NEWS_KINDS, since, limit])
    return [(item_url(row["kind"], row["lang"], row["slug"], row["section_key"]),
             row["title"], row["lang"], row["published_at"]) for row in rows]


def translation_addresses(conn: sqlite3.Connection, languages: list[str], first: int,
                  last: int) -> dict[int, list[tuple[str, str]]]:
    """Every published language version of the items in an id range."""
    marks = ",".join("?" * len(languages))
    # Walk the id range, then find each story's versions by its group. Without
    # table statistics the planner prefers the (status, lang) index and walks
    # every published item for every item in the range (minutes at 100,000
    # items): CROSS JOIN fixes the order and the unary + rules that index out.
    rows = conn.execute(
        "SELECT item.id, other.kind, other.lang, other.slug, section.key AS section_key"
        " FROM item CROSS JOIN item AS other"
        " ON other.translation_group = item.translation_group"
        " LEFT JOIN section ON section.id = other.section_id"
        " WHERE item.id BETWEEN ? AND ? AND +item.status = 'published'"
        " AND item.translation_group IS NOT NULL"
        " AND other.translation_group IS NOT NULL AND +other.status = 'published'"
        f" AND +other.lang IN ({marks})"
        " ORDER BY item.id, other.lang",
        [first, last, *languages])
    found = {}
    for item_id, group in groupby(rows, key=lambda row: row["id"]):
        versions = [(row["lang"], item_url(row["kind"], row["lang"], row["slug"],
                                           row["section_key"])) for row in group]
        if len(versions) > 1:
            found[item_id] = versions
    return found


def distinct_values(conn: sqlite3.Connection, table: str, column: str,
                    limit: int = 200) -> list[tuple[str, int]]:
    """Values of a document or procedure field with counts, for filters."""
    allowed = {("document", "doc_type"), ("document", "issuer"), ("document", "year"),
               ("procedure", "field"), ("procedure", "level"), ("procedure", "agency")}
    if (table, column) not in allowed:
        raise ValueError(f"no filter on {table}.{column}")
    rows = conn.execute(
        f"SELECT {column} AS value, count(*) AS n FROM {table}"
        f" JOIN item ON item.id = {table}.item_id"
        f" WHERE item.status = 'published' AND {column} IS NOT NULL AND {column} != ''"
        f" GROUP BY {column} ORDER BY n DESC LIMIT ?", (limit,))
    return [(row["value"], row["n"]) for row in rows]


def list_kind(conn: sqlite3.Connection, table: str, *, filters: dict[str, Any],
              limit: int, offset: int) -> tuple[list[Item], int]:
    """Documents or procedures with field filters, newest first, and the total."""
    if table not in ("document", "procedure"):
        raise ValueError(table)
    clauses = ["item.status = 'published'"]
    params: list[Any] = []
    for column, value in filters.items():
        if value in (None, ""):
            continue
        clauses.append(f"{table}.{column} = ?")
        params.append(value)
    where = " WHERE " + " AND ".join(clauses)
    join = f" JOIN {table} ON {table}.item_id = item.id"
    total = conn.execute(f"SELECT count(*) FROM item{join}{where}", params).fetchone()[0]
    order = ("document.issued_at DESC, item.id DESC"
             if table == "document" else "procedure.code")
    rows = conn.execute(
        f"SELECT {_ITEM_COLUMNS}{_ITEM_FROM}{join}{where} ORDER BY {order}"
        " LIMIT ? OFFSET ?", params + [limit, offset]).fetchall()
    items = [_item_from_row(row) for row in rows]
    _attach_listing_extras(conn, items, with_images=False)
    return items, total


@dataclass(frozen=True)
class PublicQuery:
    """One page of published items for the public API, in a fixed order, so
    a client can walk the whole list with a cursor while items are added.

    order "newest": by publication time, newest first, undated last (as the
    site lists them); "updated": by time of last change, oldest first, for
    clients that keep a copy in step (with updated_since). `after` is the
    (time, id) of the last item of the previous page. `fields` filter on
    document or procedure columns, {("document", "doc_type"): "Quyết định"}.
    """
    kinds: tuple[str, ...]
    lang: str | None = None
    section_id: int | None = None
    tag_slug: str | None = None
    updated_since: str | None = None
    order: str = "newest"
    after: tuple[str | None, int] | None = None
    limit: int = 20
    fields: tuple[tuple[str, str, Any], ...] = ()
    with_bodies: bool = False


_PUBLIC_FIELDS = {("document", "doc_type"), ("document", "issuer"), ("document", "year"),
                  ("document", "legal_status"), ("document", "number_key"),
                  ("procedure", "field"), ("procedure", "level"),
                  ("procedure", "agency"), ("procedure", "code")}


# A legal document's status as the public sees it (document_relations says
# the same for one item): replaced once a published document replaces it,
# amended once one amends it while it was in force, else what was stored.
_PUBLIC_LEGAL_STATUS = """CASE
 WHEN EXISTS (SELECT 1 FROM document_link AS link JOIN item AS other
   ON other.id = link.item_id WHERE link.number_key = document.number_key
   AND link.relation = 'replaces' AND other.status = 'published'
   AND other.id != document.item_id) THEN 'replaced'
 WHEN coalesce(document.legal_status, 'in_force') = 'in_force' AND EXISTS (
   SELECT 1 FROM document_link AS link JOIN item AS other
   ON other.id = link.item_id WHERE link.number_key = document.number_key
   AND link.relation = 'amends' AND other.status = 'published'
   AND other.id != document.item_id) THEN 'amended'
 ELSE document.legal_status END"""


def _show_public_legal_status(conn: sqlite3.Connection, items: list[Item]) -> None:
    ids = [item.id for item in items if item.document]
    if not ids:
        return
    found = dict(conn.execute(
        f"SELECT item_id, {_PUBLIC_LEGAL_STATUS} FROM document"
        f" WHERE item_id IN ({','.join('?' * len(ids))})", ids).fetchall())
    for item in items:
        if item.id in found:
            item.document = {**item.document, "legal_status": found[item.id]}


def list_public(conn: sqlite3.Connection, query: PublicQuery) -> list[Item]:
    """Published items matching the query, one page of them (see PublicQuery)."""
    clauses = ["item.status = 'published'",
               f"item.kind IN ({','.join('?' * len(query.kinds))})"]
    params: list[Any] = list(query.kinds)
    joins = ""
    for table in sorted({table for table, _column, _value in query.fields}):
        joins += f" JOIN {table} ON {table}.item_id = item.id"
    for table, column, value in query.fields:
        if (table, column) not in _PUBLIC_FIELDS:
            raise ValueError(f"no filter on {table}.{column}")
        if (table, column) == ("document", "legal_status"):
            clauses.append(f"({_PUBLIC_LEGAL_STATUS}) = ?")
        else:
            clauses.append(f"{table}.{column} = ?")
        params.append(value)
    for column, value in (("lang", query.lang), ("section_id", query.section_id)):
        if value is not None:
            clauses.append(f"item.{column} = ?")
            params.append(value)
    if query.tag_slug is not None:
        clauses.append("item.id IN (SELECT item_id FROM item_tag JOIN tag"
                       " ON tag.id = item_tag.tag_id WHERE tag.slug = ?)")
        params.append(query.tag_slug)
    if query.updated_since is not None:
        clauses.append("item.updated_at >= ?")
        params.append(query.updated_since)
    body = ", item.body" if query.with_bodies else ""
    select = f"SELECT {_ITEM_COLUMNS}{body}{_ITEM_FROM}{joins}"
    rows: list[sqlite3.Row] = []
    for extra, extra_params, order in _keyset(query):
        sql = (f"{select} WHERE {' AND '.join(clauses + extra)} ORDER BY {order}"
               " LIMIT ?")
        rows += conn.execute(sql, params + extra_params + [query.limit - len(rows)]
                             ).fetchall()
        if len(rows) >= query.limit:
            break
    items = [_item_from_row(row, row["body"] if query.with_bodies else "")
             for row in rows]
    _attach_listing_extras(conn, items, with_images=True)
    _show_public_legal_status(conn, items)
    return items


def _keyset(query: PublicQuery) -> list[tuple[list[str], list[Any], str]]:
    """The parts of a page in order: each a condition (starting after the
    cursor's item), its parameters and its ORDER BY. Row-value comparisons
    let SQLite start the index scan at the cursor, so a page deep in a long
    list costs what the first one does. Undated items come after every dated
    one (newest first): a second part, once the dated ones run out."""
    if query.order == "updated":
        if query.after is None:
            return [([], [], "item.updated_at, item.id")]
        return [(["(item.updated_at, item.id) > (?, ?)"], list(query.after),
                 "item.updated_at, item.id")]
    dated = "item.published_at DESC, item.id DESC"
    undated = (["item.published_at IS NULL"], [], "item.id DESC")
    if query.after is None:
        return [(["item.published_at IS NOT NULL"], [], dated), undated]
    moment, last_id = query.after
    if moment is None:
        return [(["item.published_at IS NULL", "item.id < ?"], [last_id],
                 "item.id DESC")]
    return [(["(item.published_at, item.id) < (?, ?)"], [moment, last_id], dated),
            undated]


def public_stats(conn: sqlite3.Connection, kinds: Iterable[str]) -> tuple[int, str | None]:
    """How many published items of these kinds there are, and when the last
    of them changed."""
    kinds = list(kinds)
    row = conn.execute(
        "SELECT count(*), max(updated_at) FROM item WHERE status = 'published'"
        f" AND kind IN ({','.join('?' * len(kinds))})", kinds).fetchone()
    return row[0], row[1]


def get_public(conn: sqlite3.Connection, item_id: int,
               kinds: Iterable[str]) -> Item | None:
    """A published item of one of the kinds; None for anything else, so the
    API cannot tell an unpublished item from one that does not exist."""
    row = conn.execute(f"SELECT {_ITEM_COLUMNS}, item.body{_ITEM_FROM}"
                       " WHERE item.id = ? AND item.status = 'published'",
                       (item_id,)).fetchone()
    if row is None or row["kind"] not in set(kinds):
        return None
    item = _complete(conn, _item_from_row(row, row["body"]))
    _show_public_legal_status(conn, [item])
    return item


def list_tags(conn: sqlite3.Connection, *, lang: str | None, after: tuple[str, str] | None,
              limit: int) -> list[tuple[Tag, int]]:
    """Tags that published items carry, with how many, by language and slug."""
    clauses = ["item.status = 'published'"]
    params: list[Any] = []
    if lang is not None:
        clauses.append("tag.lang = ?")
        params.append(lang)
    if after is not None:
        clauses.append("(tag.lang > ? OR (tag.lang = ? AND tag.slug > ?))")
        params += [after[0], after[0], after[1]]
    rows = conn.execute(
        "SELECT tag.id, tag.lang, tag.name, tag.slug, count(*) AS n FROM tag"
        " JOIN item_tag ON item_tag.tag_id = tag.id JOIN item ON item.id = item_tag.item_id"
        f" WHERE {' AND '.join(clauses)} GROUP BY tag.id ORDER BY tag.lang, tag.slug"
        " LIMIT ?", params + [limit])
    return [(Tag(row["id"], row["lang"], row["name"], row["slug"]), row["n"])
            for row in rows]


def translation_ids(conn: sqlite3.Connection, items: list[Item]) -> dict[int, dict[str, int]]:
    """The published language versions of each item, {item id: {lang: id}}."""
    groups = sorted({item.translation_group for item in items if item.translation_group})
    if not groups:
        return {}
    rows = conn.execute(
        "SELECT id, lang, translation_group FROM item WHERE status = 'published'"
        f" AND translation_group IN ({','.join('?' * len(groups))})", groups).fetchall()
    by_group: dict[str, dict[str, int]] = {}
    for row in rows:
        by_group.setdefault(row["translation_group"], {})[row["lang"]] = row["id"]
    return {item.id: {lang: other for lang, other in
                      by_group.get(item.translation_group, {}).items() if other != item.id}
            for item in items if item.translation_group}


@dataclass(frozen=True)
class StaffFilter:
    """What staff narrow the newsroom's item list by; every status is shown."""
    lang: str | None = None
    kind: str | None = None
    status: str | None = None
    section_key: str | None = None
    title: str | None = None
    author_id: int | None = None  # only this writer's items


def _staff_where(conn: sqlite3.Connection, filters: StaffFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("lang", filters.lang), ("kind", filters.kind),
                          ("status", filters.status), ("author_id", filters.author_id)):
        if value:
            clauses.append(f"item.{column} = ?")
            params.append(value)
    if filters.section_key:
        section = get_section(conn, filters.section_key)
        clauses.append("item.section_id = ?")
        params.append(section.id if section else -1)
    if filters.title and filters.title.strip():
        # Folded on both sides, so "ubnd tinh" finds "UBND tỉnh". It scans the
        # titles, which is fine for staff lists; readers use the search index.
        clauses.append("instr(fold_lower(item.title), ?) > 0")
        params.append(fold(" ".join(filters.title.split())).lower())
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def staff_listing(conn: sqlite3.Connection, filters: StaffFilter, *, limit: int,
                  offset: int) -> tuple[list[Item], int]:
    """Items of any status matching the filters, newest changed first, and the
    number that match in all."""
    where, params = _staff_where(conn, filters)
    total = conn.execute(f"SELECT count(*) FROM item{where}", params).fetchone()[0]
    rows = conn.execute(
        f"SELECT {_ITEM_COLUMNS}{_ITEM_FROM}{where}"
        " ORDER BY item.updated_at DESC, item.id DESC LIMIT ? OFFSET ?",
        params + [limit, offset]).fetchall()
    items = [_item_from_row(row) for row in rows]
    _attach_listing_extras(conn, items, with_images=False)
    return items, total


def items_by_id(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, Item]:
    """Items without bodies, by id, for lists that name them (the audit trail)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = conn.execute(f"SELECT {_ITEM_COLUMNS}{_ITEM_FROM}"
                        f" WHERE item.id IN ({','.join('?' * len(ids))})", ids)
    return {row["id"]: _item_from_row(row) for row in rows}


def status_counts(conn: sqlite3.Connection,
                  languages: list[str]) -> dict[str, dict[str, int]]:
    """How many items each status holds, per language."""
    counts = {status: dict.fromkeys(languages, 0) for status in STATUSES}
    for row in conn.execute("SELECT status, lang, count(*) AS n FROM item"
                            " GROUP BY status, lang"):
        if row["status"] in counts and row["lang"] in languages:
            counts[row["status"]][row["lang"]] = row["n"]
    return counts


# -- sections -----------------------------------------------------------------

def list_sections(conn: sqlite3.Connection) -> list[Section]:
    rows = conn.execute("SELECT * FROM section ORDER BY position, id")
    return [Section.from_row(row) for row in rows]


def section_counts(conn: sqlite3.Connection, lang: str) -> dict[int, int]:
    """Published items per section in one language."""
    rows = conn.execute(
        "SELECT section_id, count(*) AS n FROM item WHERE status = 'published'"
        " AND lang = ? AND section_id IS NOT NULL GROUP BY section_id", (lang,))
    return {row["section_id"]: row["n"] for row in rows}


def get_section(conn: sqlite3.Connection, key: str) -> Section | None:
    row = conn.execute("SELECT * FROM section WHERE key = ?", (key,)).fetchone()
    return Section.from_row(row) if row else None


def check_section_key(key: str) -> str:
    if not _SECTION_KEY.match(key or "") or key in RESERVED_KEYS:
        raise UserError(_(
            "Invalid section key “%(key)s”: use lower-case letters without accents, "
            "digits and hyphens, and not a name the site uses itself.", key=key))
    return key


def save_section(conn: sqlite3.Connection, key: str, names: dict[str, str],
                 position: int | None = None, user_id: int | None = None) -> Section:
    """Create a section, or rename an existing one (the key never changes)."""
    check_section_key(key)
    clean = {lang: nfc(name).strip() for lang, name in names.items()
             if lang in LANGUAGES and name and name.strip()}
    if not clean.get("vi"):
        raise UserError(_("Section “%(key)s” needs a Vietnamese name.", key=key))
    now = utcnow()
    existing = get_section(conn, key)
    if existing:
        # The names given are the section's names now: an emptied one is gone.
        conn.execute("UPDATE section SET names = ?, position = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(clean, ensure_ascii=False),
                      existing.position if position is None else position, now, existing.id))
        audit(conn, user_id, "section.update", f"section:{existing.id}")
    else:
        if position is None:
            position = conn.execute(
                "SELECT coalesce(max(position), 0) + 1 FROM section").fetchone()[0]
        conn.execute(
            "INSERT INTO section (key, names, position, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (key, json.dumps(clean, ensure_ascii=False), position, now, now))
        audit(conn, user_id, "section.add", f"section:{key}")
    section = get_section(conn, key)
    assert section is not None
    return section


def reorder_sections(conn: sqlite3.Connection, keys: list[str],
                     user_id: int | None = None) -> None:
    known = {s.key for s in list_sections(conn)}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise UserError(_("Unknown sections: %(keys)s.", keys=", ".join(unknown)))
    for position, key in enumerate(keys, start=1):
        conn.execute("UPDATE section SET position = ?, updated_at = ? WHERE key = ?",
                     (position, utcnow(), key))
    audit(conn, user_id, "section.reorder", None, ",".join(keys))


# -- tags and media -----------------------------------------------------------

def tags_for(conn: sqlite3.Connection, item_ids: list[int]) -> dict[int, list[Tag]]:
    if not item_ids:
        return {}
    rows = conn.execute(
        "SELECT item_tag.item_id, tag.* FROM item_tag JOIN tag ON tag.id = item_tag.tag_id"
        f" WHERE item_tag.item_id IN ({','.join('?' * len(item_ids))})"
        " ORDER BY tag.name", item_ids)
    found: dict[int, list[Tag]] = {}
    for row in rows:
        found.setdefault(row["item_id"], []).append(
            Tag(row["id"], row["lang"], row["name"], row["slug"]))
    return found


def find_tag(conn: sqlite3.Connection, lang: str, slug: str) -> Tag | None:
    row = conn.execute("SELECT * FROM tag WHERE lang = ? AND slug = ?",
                       (lang, slug)).fetchone()
    return Tag(row["id"], row["lang"], row["name"], row["slug"]) if row else None


def _set_tags(conn: sqlite3.Connection, item_id: int, lang: str,
              names: Iterable[str]) -> None:
    conn.execute("DELETE FROM item_tag WHERE item_id = ?", (item_id,))
    for name in names:
        name = " ".join(nfc(name).split())
        slug = slugify(name, 60)
        if not slug:
            continue
        conn.execute("INSERT OR IGNORE INTO tag (lang, name, slug) VALUES (?, ?, ?)",
                     (lang, name, slug))
        tag_id = conn.execute("SELECT id FROM tag WHERE lang = ? AND slug = ?",
                              (lang, slug)).fetchone()[0]
        conn.execute("INSERT OR IGNORE INTO item_tag (item_id, tag_id) VALUES (?, ?)",
                     (item_id, tag_id))


def get_media(conn: sqlite3.Connection, media_id: int) -> Media | None:
    return get_media_many(conn, {media_id}).get(media_id)


def get_media_many(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, Media]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT * FROM media WHERE id IN ({','.join('?' * len(ids))})", ids)
    return {row["id"]: Media(row["id"], row["path"], row["mime"], row["width"],
                             row["height"], row["alt"], row["credit"]) for row in rows}


def recent_media(conn: sqlite3.Connection, limit: int = 12) -> list[Media]:
    """The latest images, newest first, for the lead-image picker."""
    ids = [row["id"] for row in conn.execute(
        "SELECT id FROM media WHERE mime LIKE 'image/%' ORDER BY id DESC LIMIT ?",
        (limit,))]
    found = get_media_many(conn, ids)
    return [found[i] for i in ids if i in found]


def add_media(conn: sqlite3.Connection, *, path: str, mime: str, size: int,
              width: int | None, height: int | None, original_name: str = "",
              alt: str = "", credit: str = "", user_id: int | None = None) -> Media:
    cur = conn.execute(
        "INSERT INTO media (path, original_name, mime, width, height, bytes, alt, credit,"
        " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (path, original_name, mime, width, height, size, nfc(alt), nfc(credit),
         utcnow(), user_id))
    media = get_media(conn, cur.lastrowid)
    assert media is not None
    return media


# -- writing ------------------------------------------------------------------

# Dates outside these years are typing mistakes, and the far ends of the
# calendar cannot be moved between time zones at all.
MIN_YEAR, MAX_YEAR = 1900, 2999


def parse_time(value: Any, field_name: str = "published_at") -> str | None:
    """An input date or date-time as stored UTC. Without an offset, a value is
    Asia/Ho_Chi_Minh local time; a bare date means local midnight."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise UserError(_(
                "%(field)s “%(value)s” is not a date (YYYY-MM-DD) or an ISO 8601 "
                "date-time.", field=field_name, value=text)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise UserError(_(
            "%(field)s “%(value)s” is outside the years %(first)s to %(last)s.",
            field=field_name, value=str(value).strip(), first=MIN_YEAR, last=MAX_YEAR))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(value: Any, field_name: str) -> str | None:
    """A plain calendar date, YYYY-MM-DD (a date-time keeps its local date)."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(_("%(field)s “%(value)s” is not a date (YYYY-MM-DD).", field=field_name, value=text)) from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(LOCAL_TZ)
        except OverflowError:
            raise UserError(_("%(field)s “%(value)s” is not a date (YYYY-MM-DD).",
                              field=field_name, value=text)) from None
    return moment.date().isoformat()


@dataclass
class ItemInput:
    """What a writer supplies for an item; body is HTML unless body_is_text."""
    kind: str
    lang: str
    title: str
    summary: str = ""
    body: str = ""
    body_is_text: bool = False
    section_key: str | None = None
    tags: list[str] = field(default_factory=list)
    published_at: Any = None
    featured: bool = False
    translation_group: str | None = None
    external_id: str | None = None
    source: str = "local"
    source_url: str | None = None
    attribution: str | None = None
    byline: str = ""
    lead_image_id: int | None = None
    slug: str | None = None
    document: dict[str, Any] = field(default_factory=dict)
    procedure: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def _validate(conn: sqlite3.Connection, data: ItemInput) -> tuple[int | None, str]:
    """Check an input; returns the section id and the cleaned title."""
    if data.kind not in KINDS:
        raise UserError(_("Unknown kind “%(kind)s”: use one of %(kinds)s.", kind=data.kind, kinds=", ".join(KINDS)))
    if data.lang not in LANGUAGES:
        raise UserError(_("Unknown language “%(lang)s”: use vi, en or km.", lang=data.lang))
    title = " ".join(clean(data.title).split())
    if not title:
        raise UserError(_("The title is empty."))
    if len(title) > MAX_TITLE_LENGTH:
        raise UserError(_("The title is longer than 2,000 characters."))
    section_id = None
    if data.section_key:
        section = get_section(conn, data.section_key)
        if section is None:
            raise UserError(_("Unknown section “%(key)s”.", key=data.section_key))
        section_id = section.id
    if data.kind == "procedure" and not str(data.procedure.get("code") or "").strip():
        raise UserError(_("A procedure needs a code."))
    for name, address in (("source_url", data.source_url), ("link", data.extra.get("link"))):
        if address and not is_web_address(address):
            raise UserError(_("%(field)s must be an address starting with https:// or "
                              "http://.", field=name))
    status = data.document.get("status")
    if status and status not in LEGAL_STATUSES:
        raise UserError(_("Unknown legal status “%(status)s”: use one of %(statuses)s.",
                          status=status, statuses=", ".join(LEGAL_STATUSES)))
    return section_id, title


def _unique_slug(conn: sqlite3.Connection, lang: str, base: str,
                 item_id: int | None) -> str:
    base = base or "item"
    candidate, n = base, 1
    while True:
        row = conn.execute("SELECT id FROM item WHERE lang = ? AND slug = ?",
                           (lang, candidate)).fetchone()
        if row is None or row["id"] == item_id:
            return candidate
        n += 1
        candidate = f"{base}-{n}"


def procedure_slug(code: str) -> str:
    """A procedure's address part is its code, as printed (`1.000178`)."""
    return re.sub(r"[^0-9A-Za-z.\-]+", "-", code.strip()).strip("-").lower()


def _base_slug(data: ItemInput, title: str) -> str:
    if data.slug:
        return slugify(data.slug)
    if data.kind == "procedure":
        return procedure_slug(str(data.procedure.get("code")))
    limit = 50 if is_khmer(title) else 80
    if data.kind in DOCUMENT_KINDS and data.document.get("number"):
        return slugify(f"{data.document['number']} {title}", limit)
    return slugify(title, limit)


def save_item(conn: sqlite3.Connection, data: ItemInput, *, item_id: int | None = None,
              user_id: int | None = None, status: str | None = None,
              expected_revision: int | None = None, history: bool = True) -> Item:
    """Create an item, or update one; keeps the search index in step.

    A slug, once given, stays: addresses are printed and kept for years.
    `history=False` keeps no revision and no audit line (synced items: their
    history is at their source).
    """
    section_id, title = _validate(conn, data)
    now = utcnow()
    body = plain_to_html(data.body) if data.body_is_text else sanitize_html(data.body)
    summary = " ".join(clean(data.summary).split())
    published_at = parse_time(data.published_at)
    if status is not None and status not in STATUSES:
        raise UserError(_("Unknown status “%(status)s”.", status=status))
    publish_at = None
    if status == "published" and published_at and published_at > now:
        # Embargo: an item dated in the future waits for its time, and the
        # scheduler publishes it then; nothing public sees it before.
        status, publish_at = "scheduled", published_at

    values = {
        "kind": data.kind, "lang": data.lang, "title": title, "summary": summary,
        "body": body, "section_id": section_id, "featured": int(bool(data.featured)),
        "translation_group": data.translation_group or None,
        "external_id": data.external_id or None, "source": data.source,
        "source_url": data.source_url or None, "attribution": data.attribution or None,
        "byline": " ".join(clean(data.byline).split()), "lead_image_id": data.lead_image_id,
        "extra": json.dumps(data.extra, ensure_ascii=False, default=str),
        "updated_at": now,
    }
    current: Item | None = None
    if item_id is None:
        values |= {
            "slug": _unique_slug(conn, data.lang, _base_slug(data, title), None),
            "status": status or "draft", "published_at": published_at,
            "publish_at": publish_at, "created_at": now, "author_id": user_id,
        }
        columns = ", ".join(values)
        cur = conn.execute(
            f"INSERT INTO item ({columns}) VALUES ({', '.join('?' * len(values))})",
            list(values.values()))
        item_id = cur.lastrowid
        if history:
            audit(conn, user_id, "item.create", f"item:{item_id}", data.kind)
    else:
        current = get_item(conn, item_id)
        if expected_revision is not None and expected_revision != current.revision:
            raise ConflictError(_(
                "Someone else saved this item after you opened it. Reload it to see "
                "their changes, then make yours again."))
        if current.lang != data.lang and conn.execute(
                "SELECT 1 FROM item WHERE lang = ? AND slug = ? AND id != ?",
                (data.lang, current.slug, item_id)).fetchone():
            raise ConflictError(_("An item in that language already has this address."))
        if data.slug and slugify(data.slug) != current.slug:
            values["slug"] = _unique_slug(conn, data.lang, slugify(data.slug), item_id)
        elif not data.slug and current.status == "draft" and title != current.title \
                and not _was_published(conn, item_id):
            # A draft's address follows its title until it is first published;
            # from then on it is kept, because people share and print it.
            values["slug"] = _unique_slug(conn, data.lang, _base_slug(data, title), item_id)
        if status is None and current.status == "published" and published_at \
                and published_at > now:
            # Redated into the future: off the site until then.
            status, publish_at = "scheduled", published_at
        if status is not None:
            values["status"] = status
            if publish_at:
                values["publish_at"] = publish_at
        values["published_at"] = published_at or current.published_at
        assignments = ", ".join(f"{column} = ?" for column in values)
        conn.execute(f"UPDATE item SET {assignments}, revision = revision + 1 WHERE id = ?",
                     list(values.values()) + [item_id])
        if history:
            audit(conn, user_id, "item.update", f"item:{item_id}")

    _set_tags(conn, item_id, data.lang, data.tags)
    _save_kind_fields(conn, item_id, data)
    item = get_item(conn, item_id)
    if current is not None and addresses.short_code(conn, item_id) is not None:
        # Once published, an address has been shared: the old one redirects.
        # Documents, procedures and services are read under every language's
        # prefix, so each of those old addresses is kept.
        prefixes = [item.lang] if item.kind in NEWS_KINDS else LANGUAGES
        for lang in prefixes:
            addresses.remember_move(
                conn, item_id, item_url(current.kind, lang, current.slug,
                                        current.section_key),
                item_url(item.kind, lang, item.slug, item.section_key))
    if current is None or _content_of(item) != _content_of(current):
        # What translators translate changed: their versions become outdated.
        conn.execute("UPDATE item SET content_revision = revision WHERE id = ?",
                     (item_id,))
        item.content_revision = item.revision
    if history:
        _record_revision(conn, item, user_id)
    _sync_index(conn, item)
    return item


def _was_published(conn: sqlite3.Connection, item_id: int) -> bool:
    """Whether the item was ever on the site: its address has been seen then."""
    return conn.execute(
        "SELECT 1 FROM item_revision WHERE item_id = ? AND status = 'published'"
        " LIMIT 1", (item_id,)).fetchone() is not None


def save_synced_item(conn: sqlite3.Connection, data: ItemInput,
                     item_id: int | None = None) -> Item:
    """Create or update an item kept in sync with an outside source: it is
    published at once, and its history stays at its source."""
    return save_item(conn, data, item_id=item_id, status="published", history=False)


def find_by_code(conn: sqlite3.Connection, kind: str, code: str) -> Item | None:
    """A procedure by its code, or an online public service by the code of
    its procedure."""
    if kind == "procedure":
        row = conn.execute(
            f"SELECT {_ITEM_COLUMNS}{_ITEM_FROM} JOIN procedure ON procedure.item_id = item.id"
            " WHERE procedure.code = ? ORDER BY item.lang = 'vi' DESC LIMIT 1",
            (code,)).fetchone()
    elif kind == "public_service":
        row = conn.execute(
            f"SELECT {_ITEM_COLUMNS}{_ITEM_FROM} WHERE item.kind = 'public_service'"
            " AND json_extract(item.extra, '$.procedure_code') = ? LIMIT 1",
            (code,)).fetchone()
    else:
        return None
    return _item_from_row(row) if row else None


def _content_of(item: Item) -> tuple:
    """The parts of an item a translation renders in another language."""
    return (item.title, item.summary, item.body, item.document, item.procedure)


def _revision_fields(item: Item) -> dict[str, Any]:
    return {
        "slug": item.slug, "section_key": item.section_key,
        "tags": [tag.name for tag in item.tags], "byline": item.byline,
        "lead_image_id": item.lead_image_id, "featured": item.featured,
        "published_at": item.published_at, "publish_at": item.publish_at,
        "unpublish_at": item.unpublish_at, "source_url": item.source_url,
        "attribution": item.attribution, "extra": item.extra,
        "document": item.document, "procedure": item.procedure,
    }


def _record_revision(conn: sqlite3.Connection, item: Item, user_id: int | None) -> None:
    """Keep the item as it now is: every revision number has its row."""
    conn.execute(
        "INSERT OR REPLACE INTO item_revision (item_id, revision, saved_at, user_id,"
        " status, title, summary, fields, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (item.id, item.revision, item.updated_at, user_id, item.status, item.title,
         item.summary, json.dumps(_revision_fields(item), ensure_ascii=False, default=str),
         item.body))


def _save_kind_fields(conn: sqlite3.Connection, item_id: int, data: ItemInput) -> None:
    if data.kind in DOCUMENT_KINDS:
        doc = data.document
        number = " ".join(nfc(str(doc.get("number") or "")).split()) or None
        year = doc.get("year")
        issued = parse_date(doc.get("issued_at"), "issued_at")
        if year in (None, "") and issued:
            year = int(issued[:4])
        conn.execute(
            "INSERT OR REPLACE INTO document (item_id, number, number_key, doc_type, issuer,"
            " signer, issued_at, effective_at, legal_status, year)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (item_id, number, number_key(number), _clean(doc.get("doc_type")),
             _clean(doc.get("issuer")), _clean(doc.get("signer")), issued,
             parse_date(doc.get("effective_at"), "effective_at"),
             doc.get("status") or None, _int_or_none(year, "year")))
        _save_links(conn, item_id, doc)
    elif data.kind == "procedure":
        proc = data.procedure
        conn.execute(
            "INSERT OR REPLACE INTO procedure (item_id, code, agency, authority, ministry,"
            " field, level, applicants, steps, channels, requirements, result, legal_basis)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (item_id, str(proc.get("code")).strip(), _clean(proc.get("agency")),
             _clean(proc.get("authority")), _clean(proc.get("ministry")),
             _clean(proc.get("field")), _clean(proc.get("level")),
             _clean(proc.get("applicants")),
             _json_list(proc.get("steps"), "steps", str),
             _json_list(proc.get("channels"), "channels", dict),
             nfc(proc.get("requirements") or "") or None,
             nfc(proc.get("result") or "") or None,
             _json_list(proc.get("legal_basis"), "legal_basis", str)))


def _save_links(conn: sqlite3.Connection, item_id: int, doc: dict[str, Any]) -> None:
    """The numbers a document amends or replaces; a relation left out of the
    input keeps what is stored (an edit that does not show them)."""
    for relation in DOCUMENT_RELATIONS:
        if relation not in doc:
            continue
        numbers = link_numbers(doc.get(relation))
        conn.execute("DELETE FROM document_link WHERE item_id = ? AND relation = ?",
                     (item_id, relation))
        conn.executemany(
            "INSERT OR IGNORE INTO document_link (item_id, relation, number, number_key)"
            " VALUES (?, ?, ?, ?)",
            [(item_id, relation, n, number_key(n)) for n in numbers if number_key(n)])


def link_numbers(value: Any) -> list[str]:
    """Document numbers from a list, or from text separated by commas or
    semicolons."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = re.split(r"[;,\n]", value)
    if not isinstance(value, list):
        raise UserError(_("amends and replaces should be lists of document numbers."))
    return [" ".join(nfc(str(v)).split()) for v in value if str(v).strip()]


def _clean(value: Any) -> str | None:
    text = " ".join(nfc(str(value)).split()) if value not in (None, "") else ""
    return text or None


def _int_or_none(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UserError(_("%(field)s “%(value)s” is not a whole number.", field=name, value=value)) from None


def _json_list(value: Any, name: str, element: type) -> str:
    if value in (None, ""):
        return "[]"
    if not isinstance(value, list) or not all(isinstance(v, element) for v in value):
        raise UserError(_("%(field)s should be a list.", field=name))
    if element is str:
        value = [nfc(v) for v in value]
    return json.dumps(value, ensure_ascii=False)


_KEEP: Any = object()


def set_status(conn: sqlite3.Connection, item_id: int, status: str,
               user_id: int | None = None, *, publish_at: Any = _KEEP,
               unpublish_at: Any = _KEEP) -> Item:
    """Move an item to another editorial state, and set or clear when it is to
    be published or taken down. Publishing stamps the publication time unless
    the item already has one in the past; the scheduler's publishing keeps the
    time it was scheduled for."""
    if status not in STATUSES:
        raise UserError(_("Unknown status “%(status)s”.", status=status))
    item = get_item(conn, item_id)
    now = utcnow()
    if publish_at is _KEEP:
        publish_at = item.publish_at
    if unpublish_at is _KEEP:
        unpublish_at = item.unpublish_at
    published_at = item.published_at
    if status == "published":
        if publish_at:
            # Published on schedule: dated the minute it was scheduled for.
            published_at = publish_at
        elif not published_at or published_at > now:
            published_at = now
        publish_at = None
    elif status == "unpublished":
        unpublish_at = None
    conn.execute("UPDATE item SET status = ?, published_at = ?, publish_at = ?,"
                 " unpublish_at = ?, updated_at = ?, revision = revision + 1"
                 " WHERE id = ?",
                 (status, published_at, publish_at, unpublish_at, now, item_id))
    audit(conn, user_id, f"item.{status}", f"item:{item_id}")
    item = get_item(conn, item_id)
    _record_revision(conn, item, user_id)
    _sync_index(conn, item)
    return item


def due_for_schedule(conn: sqlite3.Connection, now: str) -> list[tuple[int, str]]:
    """Items whose scheduled time has come: (id, "publish" | "unpublish")."""
    rows = conn.execute(
        "SELECT id, 'publish' AS move FROM item WHERE status = 'scheduled'"
        " AND publish_at IS NOT NULL AND publish_at <= ?"
        " UNION ALL SELECT id, 'unpublish' FROM item WHERE status = 'published'"
        " AND unpublish_at IS NOT NULL AND unpublish_at <= ? ORDER BY 1",
        (now, now)).fetchall()
    return [(row[0], row[1]) for row in rows]


def next_scheduled_time(conn: sqlite3.Connection) -> str | None:
    """The soonest moment the scheduler has something to do."""
    row = conn.execute(
        "SELECT min(t) FROM (SELECT min(publish_at) AS t FROM item"
        " WHERE status = 'scheduled' AND publish_at IS NOT NULL"
        " UNION ALL SELECT min(unpublish_at) FROM item"
        " WHERE status = 'published' AND unpublish_at IS NOT NULL)").fetchone()
    return row[0]


def mark_translated(conn: sqlite3.Connection, item_id: int, source_id: int,
                    user_id: int | None = None) -> None:
    """Record that the item is a translation of the source as it now is, so
    a later change to the source shows the translation as outdated."""
    source = get_item(conn, source_id)
    conn.execute("UPDATE item SET source_item_id = ?, source_revision = ? WHERE id = ?",
                 (source.id, source.content_revision, item_id))
    audit(conn, user_id, "item.translated", f"item:{item_id}",
          f"item:{source.id}@{source.content_revision}")


def link_translations(conn: sqlite3.Connection, item_id: int, other_id: int,
                      user_id: int | None = None) -> None:
    """Make two items language versions of one story (one item per language)."""
    item, other = get_item(conn, item_id), get_item(conn, other_id)
    if item.lang == other.lang:
        raise UserError(_("A translation must be in another language."))
    group = item.translation_group or other.translation_group or f"story-{item.id}"
    members = {item.id, other.id}
    for tg in {item.translation_group, other.translation_group} - {None}:
        members |= {r["id"] for r in conn.execute(
            "SELECT id FROM item WHERE translation_group = ?", (tg,))}
    langs = [r["lang"] for r in conn.execute(
        f"SELECT lang FROM item WHERE id IN ({','.join('?' * len(members))})",
        list(members))]
    if len(langs) != len(set(langs)):
        raise ConflictError(_("The story already has a version in that language."))
    conn.execute(
        f"UPDATE item SET translation_group = ? WHERE id IN ({','.join('?' * len(members))})",
        [group, *members])
    audit(conn, user_id, "item.link", f"item:{item_id}", f"item:{other_id}")


def unlink_translation(conn: sqlite3.Connection, item_id: int,
                       user_id: int | None = None) -> None:
    conn.execute("UPDATE item SET translation_group = NULL WHERE id = ?", (item_id,))
    audit(conn, user_id, "item.unlink", f"item:{item_id}")


# -- search index -------------------------------------------------------------

@dataclass
class Relations:
    """A legal document's links to others, both ways, and its status as
    they make it: a document another in force replaces is replaced, one it
    amends is amended, whatever the source said last."""

    amends: list[tuple[str, Item | None]] = field(default_factory=list)
    replaces: list[tuple[str, Item | None]] = field(default_factory=list)
    amended_by: list[Item] = field(default_factory=list)
    replaced_by: list[Item] = field(default_factory=list)
    status: str | None = None


def document_relations(conn: sqlite3.Connection, item: Item) -> Relations:
    relations = Relations(status=(item.document or {}).get("legal_status"))
    if item.kind not in DOCUMENT_KINDS:
        return relations
    rows = conn.execute("SELECT relation, number, number_key FROM document_link"
                        " WHERE item_id = ? ORDER BY relation, number", (item.id,)).fetchall()
    found = documents_by_number(conn, [row["number"] for row in rows])
    for row in rows:
        getattr(relations, row["relation"]).append(
            (row["number"], found.get(row["number_key"])))
    key = (item.document or {}).get("number_key")
    if key:
        linked = conn.execute(
            f"SELECT document_link.relation, {_ITEM_COLUMNS}{_ITEM_FROM}"
            " JOIN document_link ON document_link.item_id = item.id"
            " WHERE document_link.number_key = ? AND item.status = 'published'"
            " AND item.id != ? ORDER BY item.published_at DESC", (key, item.id)).fetchall()
        for row in linked:
            target = relations.replaced_by if row["relation"] == "replaces" \
                else relations.amended_by
            target.append(_item_from_row(row))
        _attach_listing_extras(conn, relations.amended_by + relations.replaced_by,
                               with_images=False)
    if relations.replaced_by:
        relations.status = "replaced"
    elif relations.amended_by and relations.status in (None, "in_force"):
        relations.status = "amended"
    return relations


def _search_doc(item: Item, legal_status: str | None = None) -> SearchDoc:
    """What search sees of an item: its words, plus the fields people type,
    and the values results can be narrowed by."""
    extra_text: list[str] = []
    number = None
    facets: dict[str, str] = {}
    if item.section_key:
        facets["section"] = item.section_key
    if item.published_at:
        facets["year"] = item.published_at[:4]
    if item.document:
        number = item.document.get("number")
        extra_text += [item.document.get(k) or "" for k in ("doc_type", "issuer", "signer")]
        year = item.document.get("year") or (item.document.get("issued_at") or "")[:4]
        facets |= {"issuer": item.document.get("issuer"),
                   "doc_type": item.document.get("doc_type"),
                   "status": legal_status or item.document.get("legal_status"),
                   "year": str(year) if year else facets.get("year")}
    if item.procedure:
        number = item.procedure.get("code")
        extra_text += [item.procedure.get(k) or "" for k in ("agency", "field", "level")]
        facets["field"] = item.procedure.get("field")
    extra_text += [tag.name for tag in item.tags]
    body = html_to_text(item.body)
    if extra_text:
        body = body + "\n\n" + " · ".join(t for t in extra_text if t)
    return SearchDoc(
        ref=f"item:{item.id}", kind=item.kind, lang=item.lang, title=item.title,
        url=item.url, summary=item.summary, body=body, date=item.published_at,
        number=number, item_id=item.id, external_id=item.external_id,
        facets={k: v for k, v in facets.items() if v},
    )


def _sync_index(conn: sqlite3.Connection, item: Item, follow_links: bool = True) -> None:
    if item.is_published:
        status = document_relations(conn, item).status if item.document else None
        index_document(conn, _search_doc(item, status))
        addresses.ensure_short_link(conn, item.id)
    else:
        remove_document(conn, f"item:{item.id}")
    if follow_links and item.kind in DOCUMENT_KINDS:
        # The documents this one amends or replaces change status with it.
        for other in _linked_documents(conn, item.id):
            _sync_index(conn, other, follow_links=False)


def _linked_documents(conn: sqlite3.Connection, item_id: int) -> list[Item]:
    rows = conn.execute(
        "SELECT DISTINCT document.item_id FROM document_link"
        " JOIN document ON document.number_key = document_link.number_key"
        " WHERE document_link.item_id = ? AND document.item_id != ?",
        (item_id, item_id)).fetchall()
    return [get_item(conn, row[0]) for row in rows]


def delete_item(conn: sqlite3.Connection, item_id: int,
                user_id: int | None = None) -> Item:
    """Remove an item for good (a partner withdrawing what it pushed, a
    synced item its sources no longer hold): out of the index first, then its
    row and everything hanging from it (revisions, notes); the documents that
    named it as amended or replaced are indexed again. Returns it as it was."""
    item = get_item(conn, item_id)
    linked = _linked_documents(conn, item_id) if item.kind in DOCUMENT_KINDS else []
    remove_document(conn, f"item:{item_id}")
    conn.execute("DELETE FROM item WHERE id = ?", (item_id,))
    audit(conn, user_id, "item.delete", f"item:{item_id}", item.kind)
    for other in linked:
        _sync_index(conn, other, follow_links=False)
    return item


def set_lead_image(conn: sqlite3.Connection, item_id: int, media_id: int | None,
                   user_id: int | None = None) -> None:
    conn.execute("UPDATE item SET lead_image_id = ?, updated_at = ?,"
                 " revision = revision + 1 WHERE id = ?", (media_id, utcnow(), item_id))
    audit(conn, user_id, "item.image", f"item:{item_id}", str(media_id))
    _record_revision(conn, get_item(conn, item_id), user_id)
