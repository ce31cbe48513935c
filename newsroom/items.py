"""Items: the list, the article form, status changes and language versions.

GET  /admin/items                      the list, with filters
GET  /admin/items/new?lang=&translation_of=
POST /admin/items/new                  create an article
GET  /admin/items/{id}                 edit form, status, language versions
POST /admin/items/{id}                 save changes
POST /admin/items/{id}/publish|unpublish
POST /admin/items/{id}/link            link another language version
POST /admin/items/{id}/unlink          take this item out of its story
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, BinaryIO

from aiohttp import web

from appliance import content
from appliance.app import CONFIG
from appliance.content import Item, Media
from appliance.errors import ConflictError, UserError
from appliance.i18n import LANGUAGES
from appliance.i18n import gettext as _
from appliance.security import check_csrf
from appliance.text import nfc
from appliance.users import User, list_users

from . import editing, workflow
from .forms import EDITABLE_KINDS, MAX_TITLE_LENGTH, ArticleForm, FieldError
from .labels import N_
from .media import Picture, check_size, prepare_image, store_file
from .pages import (
    as_id,
    field,
    page_number,
    posted_form,
    read,
    render,
    signed_in,
    write,
)
from .permissions import can, require

log = logging.getLogger("portal.newsroom")

PAGE_SIZE = 30
FILTER_PARAMS = ("q", "lang", "kind", "status", "section")
LINK_CANDIDATES = 10
ALT_TEXT_NEEDED = N_(
    "Describe the new image in a few words for people who cannot see it "
    "(alternative text)."
)


# -- the list -----------------------------------------------------------------


async def item_list(request: web.Request) -> web.Response:
    signed_in(request)
    filters = _list_filters(request)
    page = page_number(request)
    items, total = await read(
        request,
        content.staff_listing,
        filters,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return await render(
        request,
        "items.html",
        {
            "items": items,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "filters": filters,
            "sections": await read(request, content.list_sections),
            "authors": await _author_names(request),
            "kinds": content.KINDS,
            "statuses": content.STATUSES,
            "query": {
                name: request.query[name]
                for name in FILTER_PARAMS
                if request.query.get(name)
            },
        },
    )


def _list_filters(request: web.Request) -> content.StaffFilter:
    query = request.query
    lang, kind, status = (query.get(name, "") for name in ("lang", "kind", "status"))
    if lang and lang not in LANGUAGES:
        raise UserError(_("Unknown language “%(lang)s”: use vi, en or km.", lang=lang))
    if kind and kind not in content.KINDS:
        raise UserError(_("Unknown kind “%(kind)s”.", kind=kind))
    if status and status not in content.STATUSES:
        raise UserError(_("Unknown status “%(status)s”.", status=status))
    return content.StaffFilter(
        lang=lang or None,
        kind=kind or None,
        status=status or None,
        section_key=query.get("section") or None,
        title=nfc(query.get("q", ""))[:200] or None,
    )


async def _author_names(request: web.Request) -> dict[int, str]:
    users = await read(request, list_users)
    return {user.id: user.label for user in users}


# -- the article form ---------------------------------------------------------


async def new_article_page(request: web.Request) -> web.Response:
    user = signed_in(request)
    require(user, "item.create")
    lang = request.query.get("lang", "vi")
    if lang not in LANGUAGES:
        raise UserError(_("Unknown language “%(lang)s”: use vi, en or km.", lang=lang))
    source_id = request.query.get("translation_of", "")
    if source_id:
        source = await _item(request, source_id)
        # Refused now, not after the translation has been written.
        await read(request, editing.require_story_rights, user, source)
        form = ArticleForm.translating(source, lang)
    else:
        form = ArticleForm(lang=lang, awaiting_review=lang == "km")
    return await _article_page(request, form, None)


async def create_article(request: web.Request) -> web.StreamResponse:
    return await _save_article(request, None)


async def item_page(request: web.Request) -> web.Response:
    user = signed_in(request)
    item = await _item(request, request.match_info["id"])
    require(user, "item.edit", item)
    return await _article_page(request, ArticleForm.for_item(item), item)


async def update_article(request: web.Request) -> web.StreamResponse:
    item = await _item(request, request.match_info["id"])
    return await _save_article(request, item)


async def _save_article(
    request: web.Request, current: Item | None
) -> web.StreamResponse:
    user = signed_in(request)
    async with posted_form(request) as form:
        require(user, "item.edit" if current else "item.create", current)
        article = ArticleForm.from_post(form, current)
        article.check(await read(request, content.list_sections))
        if current is None:
            # Checked again when saving; here so nothing is uploaded in vain.
            await read(
                request, editing.check_translation_rights, article.translation_of, user
            )
        upload = form.get("image")
        if isinstance(upload, web.FileField) and upload.filename:
            problem = await _take_upload(request, upload, article, user)
            article.errors += [problem] if problem else []
        publish = field(form, "after") == "publish"

    if article.errors:
        return await _article_page(request, article, current, status=400)
    item_id = current.id if current else None
    try:
        item = await write(
            request, editing.save_article, article, item_id, user, publish
        )
    except UserError as exc:
        article.errors.append(FieldError("", str(exc)))
        status = 409 if isinstance(exc, ConflictError) else 400
        return await _article_page(request, article, current, status=status)

    done = "published" if publish else ("saved" if current else "created")
    log.info(
        "article saved",
        extra={
            "item": item.id,
            "user": user.username,
            "new": current is None,
            "published": publish,
        },
    )
    raise web.HTTPSeeOther(f"/admin/items/{item.id}?done={done}")


async def _take_upload(
    request: web.Request, upload: web.FileField, article: ArticleForm, user: User
) -> FieldError | None:
    """Store a new lead image and select it; a problem becomes a field error."""
    if not article.image_alt:
        return FieldError("image_alt", _(ALT_TEXT_NEEDED))
    try:
        media = await _store_image(request, upload, article, user)
    except UserError as exc:
        return FieldError("image", str(exc))
    # Stored even when the article itself has errors: it is then already
    # selected in the form shown again, and nobody has to upload it twice.
    article.lead_image = str(media.id)
    article.image_alt = article.image_credit = ""
    return None


def _upload_limit(request: web.Request) -> int:
    """The largest image file taken, in bytes (the browser checks it too)."""
    return request.config_dict[CONFIG]["content.max_upload_mb"] * 1024 * 1024


async def _store_image(
    request: web.Request, upload: web.FileField, article: ArticleForm, user: User
) -> Media:
    config = request.config_dict[CONFIG]
    max_bytes = _upload_limit(request)
    picture = await asyncio.to_thread(_read_picture, upload.file, max_bytes)
    path = await asyncio.to_thread(store_file, config.media_dir, picture)
    name = nfc(os.path.basename(upload.filename))
    try:
        media = await write(
            request,
            editing.add_media,
            path,
            picture,
            name,
            article.image_alt,
            article.image_credit,
            user,
        )
    except BaseException:
        (config.media_dir / path).unlink(missing_ok=True)
        raise
    log.info(
        "image stored",
        extra={"media": media.id, "user": user.username, "bytes": len(picture.data)},
    )
    return media


def _read_picture(file: BinaryIO, max_bytes: int) -> Picture:
    file.seek(0, os.SEEK_END)
    check_size(file.tell(), max_bytes)
    file.seek(0)
    return prepare_image(file.read(), max_bytes)


async def _article_page(
    request: web.Request, form: ArticleForm, item: Item | None, *, status: int = 200
) -> web.Response:
    user = signed_in(request)
    images = await read(request, content.recent_media)
    chosen = as_id(form.lead_image)
    if chosen and chosen not in {image.id for image in images}:
        extra = await read(request, content.get_media, chosen)
        images = ([extra] if extra else []) + images
    context: dict[str, Any] = {
        "form": form,
        "item": item,
        "images": images,
        "sections": await read(request, content.list_sections),
        "editable": item is None or item.kind in EDITABLE_KINDS,
        "max_title_length": MAX_TITLE_LENGTH,
        "upload_limit": _upload_limit(request),
        "moves": workflow.available(user, item) if item else [],
    }
    if item is not None:
        context |= await _language_versions(request, item, user)
    elif as_id(form.translation_of) is not None:
        context["source"] = await _item(request, form.translation_of)
    return await render(request, "item.html", context, status=status)


async def _language_versions(
    request: web.Request, item: Item, user: User
) -> dict[str, Any]:
    """The item's other language versions and, when asked for, items that
    could be linked as one."""
    versions = await read(request, content.translations_of, item, published_only=False)
    story = [item, *versions.values()]
    link_lang = request.query.get("link_lang", "")
    link_q = request.query.get("link_q", "").strip()
    candidates: list[Item] = []
    if link_lang in LANGUAGES and link_lang != item.lang and link_q:
        candidates, _total = await read(
            request,
            content.staff_listing,
            content.StaffFilter(lang=link_lang, title=nfc(link_q)[:200]),
            limit=LINK_CANDIDATES,
            offset=0,
        )
    return {
        "versions": versions,
        "may_link": all(can(user, "item.link", member) for member in story),
        "link_lang": link_lang,
        "link_q": link_q,
        "candidates": candidates,
        "searched": bool(link_q),
    }


async def _item(request: web.Request, raw_id: str) -> Item:
    item_id = as_id(raw_id)
    if item_id is None:
        raise UserError(_("The item number must be a whole number."))
    return await read(request, content.get_item, item_id)


# -- status and language versions ---------------------------------------------


async def change_status(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    item_id = int(request.match_info["id"])
    name = request.match_info["move"]
    await check_csrf(request)
    try:
        await write(request, editing.move, item_id, name, user)
    except ConflictError as exc:
        return await _item_with_error(request, item_id, str(exc), 409)
    log.info(name, extra={"item": item_id, "user": user.username})
    raise web.HTTPSeeOther(f"/admin/items/{item_id}?done={name}ed")


async def link_translation(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    item_id = int(request.match_info["id"])
    async with posted_form(request) as form:
        other = field(form, "other_id").strip().lstrip("#")
    other_id = as_id(other)
    if other_id is None:
        return await _item_with_error(
            request, item_id, _("Give the number of the item to link."), 400
        )
    try:
        await write(request, editing.link, item_id, other_id, user)
    except UserError as exc:
        status = 409 if isinstance(exc, ConflictError) else 400
        return await _item_with_error(request, item_id, str(exc), status)
    log.info(
        "translation linked",
        extra={"item": item_id, "other": other_id, "user": user.username},
    )
    raise web.HTTPSeeOther(f"/admin/items/{item_id}?done=linked")


async def unlink_translation(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    item_id = int(request.match_info["id"])
    async with posted_form(request) as form:
        back = field(form, "back")
    await write(request, editing.unlink, item_id, user)
    log.info("translation unlinked", extra={"item": item_id, "user": user.username})
    target = as_id(back) or item_id
    raise web.HTTPSeeOther(f"/admin/items/{target}?done=unlinked")


async def _item_with_error(
    request: web.Request, item_id: int, message: str, status: int
) -> web.Response:
    """The item's page again, with the reason an action was refused."""
    user = signed_in(request)
    item = await read(request, content.get_item, item_id)
    require(user, "item.edit", item)
    form = ArticleForm.for_item(item)
    form.errors.append(FieldError("", message))
    return await _article_page(request, form, item, status=status)
