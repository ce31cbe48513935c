"""The media library's records: uploads with their caption, digest, resized
copies and page count, where each is used, and the changes editors make.

Rows are created through the content store (`content.add_media`); this module
adds the library's own columns and everything the library shows. A file is
used by an item when it is the item's lead image or its address appears in
the item's body; the media_use table (kept by triggers, see migration 0005)
answers that without reading bodies, and deleting checks the bodies again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import content
from .audit import audit
from .errors import ConflictError, NotFoundError, UserError
from .i18n import gettext as _
from .text import clean, fold

MAX_ALT = 500
MAX_CAPTION = 1000
MAX_CREDIT = 200
MAX_NAME = 200
PDF_MIME = "application/pdf"
KINDS = ("image", "pdf")


@dataclass(frozen=True)
class Variant:
    """A resized WebP copy stored beside the original."""

    path: str
    width: int
    height: int

    @property
    def url(self) -> str:
        return f"/media/{self.path}"


@dataclass(frozen=True)
class Use:
    item_id: int
    title: str
    lang: str
    status: str


@dataclass
class LibraryMedia:
    id: int
    path: str
    mime: str
    width: int | None
    height: int | None
    bytes: int
    original_name: str
    alt: str
    caption: str
    credit: str
    created_at: str
    created_by: int | None
    uploader: str
    sha256: str | None
    pages: int | None
    variants: list[Variant] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/media/{self.path}"

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.mime == PDF_MIME

    @property
    def thumbnail(self) -> str:
        """The smallest copy, for the library grid."""
        return self.variants[0].url if self.variants else self.url


@dataclass(frozen=True)
class Upload:
    """A checked file already written to the media folder."""

    path: str
    mime: str
    size: int
    width: int | None
    height: int | None
    original_name: str
    sha256: str
    variants: list[Variant]
    pages: int | None = None


@dataclass(frozen=True)
class Described:
    """What an editor writes about a file."""

    alt: str
    caption: str
    credit: str

    @classmethod
    def cleaned(cls, alt: str, caption: str, credit: str) -> Described:
        return cls(_one_line(alt)[:MAX_ALT], clean(caption).strip()[:MAX_CAPTION],
                   _one_line(credit)[:MAX_CREDIT])


def _one_line(text: str) -> str:
    return " ".join(clean(text).split())


# -- reading ------------------------------------------------------------------

_SELECT = (
    "SELECT media.*, coalesce(nullif(user.display_name, ''), user.username, '')"
    " AS uploader FROM media LEFT JOIN user ON user.id = media.created_by"
)


def _from_row(row: sqlite3.Row) -> LibraryMedia:
    return LibraryMedia(
        id=row["id"], path=row["path"], mime=row["mime"], width=row["width"],
        height=row["height"], bytes=row["bytes"], original_name=row["original_name"],
        alt=row["alt"], caption=row["caption"], credit=row["credit"],
        created_at=row["created_at"], created_by=row["created_by"],
        uploader=row["uploader"], sha256=row["sha256"], pages=row["pages"],
        variants=_variants(row["variants"]),
    )


def _variants(raw: str | None) -> list[Variant]:
    found = [Variant(v["path"], v["width"], v["height"]) for v in json.loads(raw or "[]")]
    return sorted(found, key=lambda v: v.width)


def get_media(conn: sqlite3.Connection, media_id: int) -> LibraryMedia:
    row = conn.execute(f"{_SELECT} WHERE media.id = ?", (media_id,)).fetchone()
    if row is None:
        raise NotFoundError(_("No file with number %(id)s in the library.", id=media_id))
    media = _from_row(row)
    media.uses = uses_of(conn, [media_id]).get(media_id, [])
    return media


def find_by_digest(conn: sqlite3.Connection, sha256: str) -> LibraryMedia | None:
    row = conn.execute(f"{_SELECT} WHERE media.sha256 = ? ORDER BY media.id LIMIT 1",
                       (sha256,)).fetchone()
    return _from_row(row) if row else None


def library_page(conn: sqlite3.Connection, *, words: str = "", kind: str = "",
                 limit: int, offset: int) -> tuple[list[LibraryMedia], int]:
    """Files newest first, matching words in the name, alt text, caption or
    credit (with or without Vietnamese marks), and how many match in all."""
    clauses, params = [], []
    if words:
        pattern = fold(words).lower().replace("\\", "\\\\").replace("%", "\\%")
        pattern = pattern.replace("_", "\\_")
        clauses.append("fold_lower(media.original_name || ' ' || media.alt || ' ' ||"
                       " media.caption || ' ' || media.credit) LIKE ? ESCAPE '\\'")
        params.append(f"%{pattern}%")
    if kind == "image":
        clauses.append("media.mime LIKE 'image/%'")
    elif kind == "pdf":
        clauses.append("media.mime = ?")
        params.append(PDF_MIME)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    total = conn.execute(f"SELECT count(*) FROM media{where}", params).fetchone()[0]
    rows = conn.execute(f"{_SELECT}{where} ORDER BY media.id DESC LIMIT ? OFFSET ?",
                        params + [limit, offset]).fetchall()
    found = [_from_row(row) for row in rows]
    uses = uses_of(conn, [media.id for media in found])
    for media in found:
        media.uses = uses.get(media.id, [])
    return found, total


def uses_of(conn: sqlite3.Connection, media_ids: Iterable[int]) -> dict[int, list[Use]]:
    ids = list(media_ids)
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT media_use.media_id, item.id, item.title, item.lang, item.status"
        " FROM media_use JOIN item ON item.id = media_use.item_id"
        f" WHERE media_use.media_id IN ({','.join('?' * len(ids))})"
        " ORDER BY item.updated_at DESC", ids)
    found: dict[int, list[Use]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(Use(row[1], row[2], row[3], row[4]))
    return found


def variants_for(conn: sqlite3.Connection, media_ids: Iterable[int]) -> dict[int, list[Variant]]:
    """The WebP copies of pictures, narrowest first, for srcset on public pages."""
    ids = sorted({i for i in media_ids if i})
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT id, variants FROM media WHERE id IN ({','.join('?' * len(ids))})"
        " AND variants != '[]'", ids)
    return {row["id"]: _variants(row["variants"]) for row in rows}


# -- writing ------------------------------------------------------------------

def add_upload(conn: sqlite3.Connection, upload: Upload, about: Described,
               user_id: int | None) -> tuple[LibraryMedia, bool]:
    """Record a stored upload; when the same bytes were uploaded before, the
    earlier record and False (the caller removes the new files)."""
    earlier = find_by_digest(conn, upload.sha256)
    if earlier is not None:
        return earlier, False
    if upload.mime.startswith("image/") and not about.alt:
        raise UserError(_("Describe the image in a few words for people who cannot "
                          "see it (alternative text)."))
    media = content.add_media(
        conn, path=upload.path, mime=upload.mime, size=upload.size,
        width=upload.width, height=upload.height,
        original_name=_one_line(upload.original_name)[:MAX_NAME],
        alt=about.alt, credit=about.credit, user_id=user_id)
    record_upload(conn, media.id, upload.sha256, upload.variants, about.caption,
                  upload.pages)
    audit(conn, user_id, "media.upload", f"media:{media.id}", upload.mime)
    return get_media(conn, media.id), True


def record_upload(conn: sqlite3.Connection, media_id: int, sha256: str | None,
                  variants: list[Variant], caption: str = "",
                  pages: int | None = None) -> None:
    """The library's columns of a media row the content store has just made
    (the article form's upload records its digest and copies through this too)."""
    conn.execute(
        "UPDATE media SET sha256 = ?, variants = ?, caption = ?, pages = ? WHERE id = ?",
        (sha256, json.dumps([v.__dict__ for v in variants]), caption, pages, media_id))


def describe(conn: sqlite3.Connection, media_id: int, about: Described,
             user_id: int | None) -> LibraryMedia:
    media = get_media(conn, media_id)
    if media.is_image and not about.alt:
        raise UserError(_("An image needs its alternative text: describe it in a few "
                          "words for people who cannot see it."))
    conn.execute("UPDATE media SET alt = ?, caption = ?, credit = ? WHERE id = ?",
                 (about.alt, about.caption, about.credit, media_id))
    audit(conn, user_id, "media.update", f"media:{media_id}", None)
    return get_media(conn, media_id)


def delete_media(conn: sqlite3.Connection, media_id: int, user_id: int | None) -> list[str]:
    """Delete an unused file's record; returns the files to remove once the
    transaction has committed. ConflictError while any item uses it."""
    media = get_media(conn, media_id)
    if _used_now(conn, media):
        raise ConflictError(_("“%(name)s” is still used by an item. Remove it from "
                              "the items listed first, then delete it.",
                              name=media.original_name or media.path))
    conn.execute("DELETE FROM media WHERE id = ?", (media_id,))
    audit(conn, user_id, "media.delete", f"media:{media_id}", media.path)
    return [media.path] + [variant.path for variant in media.variants]


def _used_now(conn: sqlite3.Connection, media: LibraryMedia) -> bool:
    """Read the items themselves: the last word before a file goes for good."""
    row = conn.execute(
        "SELECT 1 FROM item WHERE lead_image_id = ? OR instr(body, ?) > 0 LIMIT 1",
        (media.id, f"/media/{media.path}")).fetchone()
    return row is not None
