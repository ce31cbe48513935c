"""Items: the list, the article form, status changes and language versions.

GET  /admin/items                      the list, with filters
GET  /admin/items/new?lang=&translation_of=
POST /admin/items/new                  create an article
GET  /admin/items/{id}                 edit form, status, language versions
POST /admin/items/{id}                 save changes
POST /admin/items/{id}/transition     take a workflow step (name=submit, ...)
POST /admin/items/{id}/takedown       set or clear the automatic take-down time
POST /admin/items/{id}/lock           heartbeat: keep the edit lock (JSON)
POST /admin/items/{id}/lock/takeover  take the lock from its holder
POST /admin/items/{id}/lock/release   leave the edit page
POST /admin/items/{id}/link            link another language version
POST /admin/items/{id}/unlink          take this item out of its story
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import replace
import os
from typing import Any, BinaryIO

from aiohttp import web

from appliance import content, media_store
from appliance.app import CONFIG
from appliance.content import Item, Media
from appliance.errors import ConflictError, NotFoundError, UserError
from appliance.i18n import LANGUAGES
from appliance.i18n import gettext as _
from appliance.security import check_csrf, read_form
from appliance.text import nfc
from appliance.users import User, list_users

from . import editing, locks, notes, workflow
from .forms import EDITABLE_KINDS, MAX_TITLE_LENGTH, ArticleForm, FieldError
from .labels import N_
from .library import store_variants
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
from .permissions import PermissionDenied, can, require

log = logging.getLogger("portal.newsroom")

PAGE_SIZE = 30
FILTER_PARAMS = ("q", "lang", "kind", "status", "section")
LINK_CANDIDATES = 10
UNSAVED = N_("Nothing was saved; your text is still in the form.")
ALT_TEXT_NEEDED = N_(
    "Describe the new image in a few words for people who cannot see it "
    "(alternative text)."
)


# -- the list -----------------------------------------------------------------


async def item_list(request: web.Request) -> web.Response:
    user = signed_in(request)
    filters = _list_filters(request)
    if not can(user, "item.list.all"):
        filters = replace(filters, author_id=user.id)
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
    require(user, "item.view", item)
    return await _article_page(request, ArticleForm.for_item(item), item)


async def update_article(request: web.Request) -> web.StreamResponse:
    item = await _item(request, request.match_info["id"])
    return await _save_article(request, item)


async def _save_article(
    request: web.Request, current: Item | None
) -> web.StreamResponse:
    user = signed_in(request)
    async with posted_form(request) as form:
        article = ArticleForm.from_post(form, current)
        action = "item.edit" if current else "item.create"
        if not can(user, action, current):
            # The right went away while the text was written (the item was
            # moved to another section, say): the text comes back, unsaved.
            return await _refused(request, article, current, PermissionDenied(action))
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
        then = field(form, "then")
        if then and then not in workflow.TRANSITIONS:
            raise UserError(_("Unknown action “%(name)s”.", name=then))

    if article.errors:
        return await _article_page(request, article, current, status=400)
    item_id = current.id if current else None
    try:
        item = await write(request, editing.save_article, article, item_id, user, then)
    except PermissionDenied as denied:
        return await _refused(request, article, current, denied)
    except UserError as exc:
        article.errors.append(FieldError("", str(exc)))
        status = 409 if isinstance(exc, ConflictError) else 400
        return await _article_page(request, article, current, status=status, kept=True)

    done = then or ("saved" if current else "created")
    log.info(
        "article saved",
        extra={"item": item.id, "user": user.username, "new": current is None,
               "then": then},
    )
    raise web.HTTPSeeOther(f"/admin/items/{item.id}?done={done}")


async def _refused(
    request: web.Request, article: ArticleForm, current: Item | None,
    denied: PermissionDenied,
) -> web.Response:
    """The form again, with the writer's text and why it was not saved."""
    article.errors.append(FieldError("", _(denied.reason) + " " + _(UNSAVED)))
    return await _article_page(request, article, current, status=403, kept=True)


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
    picture, digest = await asyncio.to_thread(_read_picture, upload.file, max_bytes)
    known = await read(request, media_store.find_by_digest, digest)
    if known is not None:
        # The same file again: stored once, chosen again.
        media = await read(request, content.get_media, known.id)
        if media is not None:
            return media
    path = await asyncio.to_thread(store_file, config.media_dir, picture)
    variants = await asyncio.to_thread(store_variants, config.media_dir, path, picture)
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
            digest,
            variants,
        )
    except BaseException:
        for stored in [path, *(variant.path for variant in variants)]:
            (config.media_dir / stored).unlink(missing_ok=True)
        raise
    log.info(
        "image stored",
        extra={"media": media.id, "user": user.username, "bytes": len(picture.data)},
    )
    return media


def _read_picture(file: BinaryIO, max_bytes: int) -> tuple[Picture, str]:
    """The cleaned picture, and the digest of the file as uploaded."""
    file.seek(0, os.SEEK_END)
    check_size(file.tell(), max_bytes)
    file.seek(0)
    raw = file.read()
    return prepare_image(raw, max_bytes), hashlib.sha256(raw).hexdigest()


async def _article_page(
    request: web.Request, form: ArticleForm, item: Item | None, *, status: int = 200,
    kept: bool = False,
) -> web.Response:
    """The article form. `kept`: a refused save shown again, whose text stays
    editable so it can be copied even when someone else now holds the item."""
    user = signed_in(request)
    lock = None
    if item is not None and can(user, "item.edit", item):
        # Opening the page to edit is what takes the lock.
        lock = await write(request, locks.open_for_editing, item.id, user)
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
        # While someone else edits, a step ends their editing: offered to
        # those who may take over (see locks.clear_for_step).
        "moves": workflow.available(user, item)
        if item and (lock is None or lock.held_by(user)
                     or can(user, "item.lock.takeover", item)) else [],
        "save_moves": _save_moves(user, item),
        "may_edit": item is None or can(user, "item.edit", item),
        "lock": lock,
        "kept": kept,
        "heartbeat_seconds": locks.HEARTBEAT_SECONDS,
        "source_item": await _source_item(request, item),
        "notes": await read(request, notes.notes_for, item.id) if item else [],
    }
    if item is not None:
        context |= await _language_versions(request, item, user)
    elif as_id(form.translation_of) is not None:
        context["source"] = await _item(request, form.translation_of)
    return await render(request, "item.html", context, status=status)


def _save_moves(user: User, item: Item | None) -> list[workflow.Transition]:
    """Steps offered beside "Save": those that need no reason and no time."""
    if item is not None:
        moves = workflow.available(user, item)
    else:
        # A new item is the writer's own draft.
        moves = [
            t for t in workflow.TRANSITIONS.values()
            if "draft" in t.sources and not t.system and t.name in user.transitions
        ]
    return [t for t in moves if not t.needs_reason and not t.needs_time]


async def _source_item(request: web.Request, item: Item | None) -> Item | None:
    """The version a translation was made from, to tell when it is outdated."""
    if item is None or item.source_item_id is None:
        return None
    try:
        return await read(request, content.get_item, item.source_item_id)
    except NotFoundError:
        return None


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
    async with posted_form(request) as form:
        name = field(form, "name")
        reason = field(form, "reason")
        publish_at = field(form, "publish_at").strip()
        unpublish_at = field(form, "unpublish_at").strip()
        raw_revision = field(form, "revision").strip()
    revision = as_id(raw_revision)
    if raw_revision and revision is None:
        return await _item_with_error(request, item_id, _(editing.MISSING_REVISION), 400)
    names = [name]
    if name == "approve" and publish_at:
        # "Approve and schedule" is two steps, each checked.
        names.append("schedule")
    details: dict[str, Any] = {"reason": reason, "expected_revision": revision}
    if "schedule" in names:
        details |= {"publish_at": publish_at, "unpublish_at": unpublish_at or None}
    try:
        await write(request, editing.move, item_id, names, user, **details)
    except UserError as exc:
        status = 409 if isinstance(exc, ConflictError) else 400
        return await _item_with_error(request, item_id, str(exc), status)
    log.info("transition", extra={"item": item_id, "user": user.username,
                                  "step": "+".join(names)})
    raise web.HTTPSeeOther(f"/admin/items/{item_id}?done={names[-1]}")


async def set_takedown(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    item_id = int(request.match_info["id"])
    async with posted_form(request) as form:
        when = field(form, "unpublish_at").strip()
    try:
        await write(request, workflow.set_takedown, item_id, when or None, user)
    except UserError as exc:
        status = 409 if isinstance(exc, ConflictError) else 400
        return await _item_with_error(request, item_id, str(exc), status)
    raise web.HTTPSeeOther(f"/admin/items/{item_id}?done=takedown")


# -- the edit lock ------------------------------------------------------------


async def lock_heartbeat(request: web.Request) -> web.Response:
    """Keep the lock while the edit page is open; says who holds it."""
    user = signed_in(request)
    item = await _item(request, request.match_info["id"])
    await check_csrf(request)
    require(user, "item.edit", item)
    lease = _lease(await read_form(request))
    lock = await write(request, locks.acquire, item.id, user, lease)
    return web.json_response(_lock_state(lock, user))


def _lease(form: Any) -> str | None:
    """The lease an edit page holds its lock under (see newsroom.locks)."""
    lease = form.get("lease")
    return lease[:64] if isinstance(lease, str) and lease else None


def _lock_state(lock: locks.Lock, user: User) -> dict[str, Any]:
    return {"mine": lock.held_by(user), "holder": lock.holder, "since": lock.taken_at}


async def take_over_lock(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    item_id = int(request.match_info["id"])
    await check_csrf(request)
    await write(request, locks.take_over, item_id, user)
    log.info("lock taken over", extra={"item": item_id, "user": user.username})
    raise web.HTTPSeeOther(f"/admin/items/{item_id}?done=takeover")


async def release_lock(request: web.Request) -> web.Response:
    user = signed_in(request)
    item_id = int(request.match_info["id"])
    await check_csrf(request)
    lease = _lease(await read_form(request))
    if lease is not None:  # a page that names no lease gives back nothing
        await write(request, locks.release, item_id, user, lease)
    return web.Response(status=204)


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
    require(user, "item.view", item)
    form = ArticleForm.for_item(item)
    form.errors.append(FieldError("", message))
    return await _article_page(request, form, item, status=status)
