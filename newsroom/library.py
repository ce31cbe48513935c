"""The media library: every uploaded image and PDF, searchable and paged,
with where each is used.

GET  /admin/media                   the grid, ?q= words, ?kind=image|pdf, ?page=
POST /admin/media                   upload an image or a PDF
GET  /admin/media/{id}              one file: its copies, its uses, its description
POST /admin/media/{id}              change the alt text, caption and credit
POST /admin/media/{id}/delete       delete a file no item uses

Any member of staff may upload; changing and deleting are for editors.
The type of a file is found from its content, never its name, and the same
bytes uploaded twice are stored once.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aiohttp import web

from appliance import media_store
from appliance.app import CONFIG
from appliance.config import Config
from appliance.errors import ConflictError, UserError
from appliance.i18n import gettext as _
from appliance.media_store import Described, LibraryMedia, Upload
from appliance.text import nfc

from . import media
from .forms import FieldError
from .labels import N_
from .pages import as_id, field, page_number, posted_form, read, render, signed_in, write
from .permissions import require

log = logging.getLogger("portal.newsroom")

PAGE_SIZE = 24
# Room for the form's other fields around the file itself.
FORM_OVERHEAD = 1024 * 1024
NOTICES = {
    "uploaded": N_("The file was added to the library."),
    "duplicate": N_(
        "This file is already in the library, so it was not stored again. "
        "Here is the earlier copy."
    ),
    "described": N_("The description was saved."),
    "deleted": N_("The file was deleted."),
}
ALT_NEEDED = N_(
    "Describe the image in a few words for people who cannot see it "
    "(alternative text)."
)


@dataclass(frozen=True)
class Limits:
    image: int
    pdf: int

    @classmethod
    def of(cls, config: Config) -> Limits:
        megabyte = 1024 * 1024
        return cls(config["content.max_upload_mb"] * megabyte,
                   config["content.max_pdf_mb"] * megabyte)


@dataclass(frozen=True)
class Checked:
    """An upload whose type and size are proven, ready to store."""

    raw: bytes
    sha256: str
    picture: media.Picture | None
    pages: int | None


# -- the grid -----------------------------------------------------------------


async def library_page(
    request: web.Request,
    *,
    errors: list[FieldError] | None = None,
    about: Described | None = None,
    status: int = 200,
) -> web.Response:
    require(signed_in(request), "media.upload")
    words = nfc(request.query.get("q", "")).strip()[:200]
    kind = request.query.get("kind", "")
    if kind and kind not in media_store.KINDS:
        raise UserError(_("Unknown kind of file “%(kind)s”: use image or pdf.", kind=kind))
    page = page_number(request)
    found, total = await read(request, media_store.library_page, words=words,
                              kind=kind, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    query = {name: value for name, value in (("q", words), ("kind", kind)) if value}
    return await render(request, "media.html", {
        "files": found,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "words": words,
        "kind": kind,
        "query": query,
        "errors": errors or [],
        "about": about or Described("", "", ""),
        "limits": Limits.of(request.config_dict[CONFIG]),
        "notice": _notice(request),
    }, status=status)


def _notice(request: web.Request) -> str | None:
    message = NOTICES.get(request.query.get("done", ""))
    return _(message) if message else None


# -- uploading ----------------------------------------------------------------


async def upload(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "media.upload")
    config = request.config_dict[CONFIG]
    limits = Limits.of(config)
    # PDF files may be larger than the images the whole site is sized for.
    roomy = request.clone(client_max_size=max(limits.image, limits.pdf) + FORM_OVERHEAD)
    async with posted_form(roomy) as form:
        about = Described.cleaned(field(form, "alt"), field(form, "caption"),
                                  field(form, "credit"))
        file = form.get("file")
        if not isinstance(file, web.FileField) or not file.filename:
            return await _refused(request, "file", _("Choose a file to upload."), about)
        name = nfc(os.path.basename(file.filename))
        try:
            checked = await asyncio.to_thread(check_upload, file.file, limits)
        except UserError as exc:
            return await _refused(request, "file", str(exc), about)

    earlier = await read(request, media_store.find_by_digest, checked.sha256)
    if earlier is not None:
        raise web.HTTPSeeOther(f"/admin/media/{earlier.id}?done=duplicate")
    if checked.picture is not None and not about.alt:
        return await _refused(request, "alt", _(ALT_NEEDED), about)

    stored = await asyncio.to_thread(store_upload, config.media_dir, checked, name)
    try:
        record, created = await write(request, media_store.add_upload, stored, about,
                                      user.id)
    except BaseException:
        remove_files(config.media_dir, files_of(stored))
        raise
    if not created:  # the same file arrived twice at once
        remove_files(config.media_dir, files_of(stored))
        raise web.HTTPSeeOther(f"/admin/media/{record.id}?done=duplicate")
    log.info("media uploaded", extra={"media": record.id, "user": user.username,
                                      "mime": record.mime, "bytes": record.bytes})
    raise web.HTTPSeeOther(f"/admin/media/{record.id}?done=uploaded")


async def _refused(request: web.Request, name: str, message: str,
                   about: Described) -> web.Response:
    return await library_page(request, errors=[FieldError(name, message)], about=about,
                              status=400)


def check_upload(file: BinaryIO, limits: Limits) -> Checked:
    """Read the upload and prove what it is; UserError when it is nothing
    the library takes."""
    file.seek(0)
    is_pdf = media.is_pdf(file.read(len(media.PDF_MAGIC)))
    limit = limits.pdf if is_pdf else limits.image
    file.seek(0, os.SEEK_END)
    media.check_size(file.tell(), limit, "pdf" if is_pdf else "image")
    file.seek(0)
    raw = file.read()
    if is_pdf:
        return Checked(raw, media.digest(raw), None, media.pdf_pages(raw, limit))
    try:
        picture = media.prepare_image(raw, limit)
    except media.NotAnImage:
        # The library takes PDFs too: say so, whatever the file was called.
        raise UserError(_("The file is neither a PDF nor a JPEG, PNG or WebP image, or "
                          "it is damaged.")) from None
    return Checked(raw, media.digest(raw), picture, None)


def store_upload(media_dir: Path, checked: Checked, name: str) -> Upload:
    """Write the file (and an image's WebP copies) to the media folder."""
    picture = checked.picture
    if picture is None:
        path = media.store_bytes(media_dir, checked.raw, "pdf")
        return Upload(path, media.PDF_MIME, len(checked.raw), None, None, name,
                      checked.sha256, [], checked.pages)
    path = media.store_file(media_dir, picture)
    variants = store_variants(media_dir, path, picture)
    return Upload(path, picture.mime, len(picture.data), picture.width, picture.height,
                  name, checked.sha256, variants)


def store_variants(media_dir: Path, path: str,
                   picture: media.Picture) -> list[media_store.Variant]:
    """Make and write the WebP copies of a stored picture (blocking: run it
    in a thread)."""
    return [
        media_store.Variant(
            media.store_beside(media_dir, path, f"w{copy.width}.webp", copy.data),
            copy.width, copy.height)
        for copy in media.make_variants(picture)
    ]


def files_of(upload: Upload) -> list[str]:
    return [upload.path] + [variant.path for variant in upload.variants]


def remove_files(media_dir: Path, paths: list[str]) -> None:
    for path in paths:
        (media_dir / path).unlink(missing_ok=True)


# -- one file -----------------------------------------------------------------


async def media_page(
    request: web.Request,
    *,
    errors: list[FieldError] | None = None,
    about: Described | None = None,
    status: int = 200,
) -> web.Response:
    require(signed_in(request), "media.upload")
    record = await _record(request)
    return await render(request, "media_item.html", {
        "file": record,
        "errors": errors or [],
        "about": about or Described(record.alt, record.caption, record.credit),
        "notice": _notice(request),
    }, status=status)


async def describe(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "media.manage")
    media_id = _media_id(request)
    async with posted_form(request) as form:
        about = Described.cleaned(field(form, "alt"), field(form, "caption"),
                                  field(form, "credit"))
    try:
        await write(request, media_store.describe, media_id, about, user.id)
    except UserError as exc:
        return await media_page(request, errors=[FieldError("alt", str(exc))],
                                about=about, status=400)
    log.info("media described", extra={"media": media_id, "user": user.username})
    raise web.HTTPSeeOther(f"/admin/media/{media_id}?done=described")


async def delete(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    require(user, "media.manage")
    media_id = _media_id(request)
    async with posted_form(request):
        pass
    try:
        paths = await write(request, media_store.delete_media, media_id, user.id)
    except ConflictError as exc:
        return await media_page(request, errors=[FieldError("", str(exc))], status=409)
    await asyncio.to_thread(remove_files, request.config_dict[CONFIG].media_dir, paths)
    log.info("media deleted", extra={"media": media_id, "user": user.username})
    raise web.HTTPSeeOther("/admin/media?done=deleted")


def _media_id(request: web.Request) -> int:
    media_id = as_id(request.match_info["id"])
    if media_id is None:
        raise UserError(_("The file number must be a whole number."))
    return media_id


async def _record(request: web.Request) -> LibraryMedia:
    return await read(request, media_store.get_media, _media_id(request))

