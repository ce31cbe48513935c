"""The newsroom's JSON API: every newsroom action for programs, acting as the
owner of a personal API token (`Authorization: Bearer <token>`).

    GET    /api/v1/admin/me                         who the token acts for
    GET    /api/v1/admin/items                      ?status=&lang=&kind=&section=&q=&page=
    POST   /api/v1/admin/items                      create an article
    GET    /api/v1/admin/items/{id}                 one item, its lock and next steps
    PATCH  /api/v1/admin/items/{id}                 edit it ("revision" required)
    POST   /api/v1/admin/items/{id}/transitions     take a workflow step
    POST   /api/v1/admin/items/{id}/takedown        set or clear the take-down time
    POST   /api/v1/admin/items/{id}/lock            take or keep the edit lock
    DELETE /api/v1/admin/items/{id}/lock            release it
    POST   /api/v1/admin/items/{id}/lock/takeover   take it from its holder
    GET    /api/v1/admin/items/{id}/notes           editorial notes; POST adds one
    GET    /api/v1/admin/items/{id}/revisions       the item's saved versions
    POST   /api/v1/admin/media                      upload an image or a PDF

Each call runs the very functions the web admin runs (newsroom.editing,
newsroom.workflow, newsroom.locks, newsroom.notes, the media library), so
permissions, the workflow map, locks and revision checks cannot differ
between the two. Only the token is accepted, never the session cookie: a
page on another site cannot make an editor's browser call this API, so it
needs no CSRF token. The OpenAPI description is in newsroom.api_spec.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from appliance import content, media_store, tokens
from appliance.app import CONFIG
from appliance.audit import acting_from
from appliance.content import Item
from appliance.errors import ConflictError, ForbiddenError, UserError
from appliance.i18n import LANGUAGES, negotiate, set_language
from appliance.i18n import gettext as _
from appliance.media_store import Described, LibraryMedia
from appliance.revisions import list_revisions
from appliance.security import RateLimiter, client_address
from appliance.text import nfc
from appliance.users import User
from feeds.api import InvalidParams
from feeds.openapi import OPENAPI_PARTS

from . import editing, library, locks, notes, workflow
from .forms import ArticleForm
from .labels import N_
from .pages import MAX_PAGE, read, write
from .permissions import PermissionDenied, can, require

log = logging.getLogger("portal.newsroom.api")

PREFIX = "/api/v1/admin"
USER = web.RequestKey("api_user", User)
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
# Record numbers as the newsroom's addresses take them (newsroom.pages.as_id).
MAX_ID = 10**15
# Remembered token uses; beyond this the memory starts afresh.
MAX_REMEMBERED = 10_000

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# -- who is calling -----------------------------------------------------------


@dataclass
class TokenGate:
    """Failed token attempts per client address, and when each token's use
    was last written down (tokens.record_use is a write; once a minute is
    enough, and every write empties the public page cache)."""

    failures: RateLimiter
    touched: dict[str, float] = field(default_factory=dict)

    def use_is_due(self, secret: str) -> bool:
        key = hashlib.sha256(secret.encode()).hexdigest()
        now = time.monotonic()
        last = self.touched.get(key)
        if last is not None and now - last < tokens.TOUCH_EVERY_SECONDS:
            return False
        if len(self.touched) >= MAX_REMEMBERED:
            self.touched.clear()
        self.touched[key] = now
        return True


TOKEN_GATE = web.AppKey("api_token_gate", TokenGate)


class Refused(ForbiddenError):
    """A permission refusal as the API reports it: the reason in the
    caller's language, and the action refused as an extension member."""

    def __init__(self, denied: PermissionDenied) -> None:
        super().__init__(_(denied.reason))
        self.members = {"action": denied.action}


def authenticated(handler: Handler) -> Handler:
    """The handler, for callers with a valid token only; it finds the token's
    owner in request[USER]."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        set_language(negotiate(request.headers.get("Accept-Language"), LANGUAGES))
        config = request.config_dict[CONFIG]
        address = client_address(request, config["server.trust_proxy"])
        acting_from(address)
        request[USER] = await _token_owner(request, address)
        try:
            return await handler(request)
        except PermissionDenied as denied:
            log.info("refused", extra={"action": denied.action,
                                       "user": request[USER].username})
            raise Refused(denied) from denied

    return guarded


async def _token_owner(request: web.Request, address: str) -> User:
    secret = _bearer(request.headers.get("Authorization", ""))
    if secret is None:
        raise _unauthorized(_(
            "Send your personal API token in the Authorization header "
            "(Authorization: Bearer <token>). Create one in your profile in the "
            "newsroom."), invalid=False)
    gate = request.config_dict[TOKEN_GATE]
    # A valid token always works, so wrong ones sent from a shared address
    # cannot shut its other users out; tokens are far too long to guess, and
    # the limit only tells a broken script to stop.
    user = await read(request, tokens.token_user, secret)
    if user is None:
        if gate.failures.blocked(address):
            raise web.HTTPTooManyRequests(
                headers={"Retry-After": str(int(gate.failures.window))},
                text=_("Too many requests with a wrong API token came from your "
                       "address. Wait a while, then try again with a valid token."))
        gate.failures.hit(address)
    if user is None:
        log.info("api token refused", extra={"path": request.path})
        raise _unauthorized(_(
            "This API token is unknown or revoked, or its account is disabled. "
            "Create a new token in your profile in the newsroom."), invalid=True)
    if gate.use_is_due(secret):
        await write(request, tokens.record_use, secret)
    return user


def _bearer(header: str) -> str | None:
    scheme, _space, secret = header.strip().partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and secret else None


def _unauthorized(message: str, *, invalid: bool) -> web.HTTPUnauthorized:
    # RFC 6750: say which scheme is wanted, and whether the token sent was bad.
    challenge = 'Bearer realm="newsroom"' + (', error="invalid_token"' if invalid else "")
    return web.HTTPUnauthorized(headers={"WWW-Authenticate": challenge}, text=message)


async def private_answers(request: web.Request, response: web.StreamResponse) -> None:
    """Answers for one token's owner are nobody else's: no cache keeps them."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        response.headers["Cache-Control"] = "no-store"


# -- reading the request ------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A type of JSON value a field takes, and the sentence for a wrong one."""

    accepts: Callable[[Any], bool]
    message: str


def _is_id(value: Any) -> bool:
    return type(value) is int and 1 <= value < MAX_ID


TEXT = Kind(lambda v: isinstance(v, str), N_("%(name)s must be text."))
FLAG = Kind(lambda v: isinstance(v, bool), N_("%(name)s must be true or false."))
ID = Kind(_is_id, N_("%(name)s must be a record number: a whole number from 1."))
OPTIONAL_ID = Kind(lambda v: v is None or _is_id(v),
                   N_("%(name)s must be a record number (a whole number from 1) or null."))
OPTIONAL_TEXT = Kind(lambda v: v is None or isinstance(v, str),
                     N_("%(name)s must be text or null."))
TEXT_LIST = Kind(lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
                 N_("%(name)s must be a list of texts."))

_ARTICLE = {
    "title": TEXT, "summary": TEXT, "body": TEXT, "section": TEXT, "tags": TEXT_LIST,
    "byline": TEXT, "featured": FLAG, "published_at": OPTIONAL_TEXT,
    "lead_image_id": OPTIONAL_ID, "awaiting_review": FLAG, "then": TEXT,
}
CREATE_FIELDS = _ARTICLE | {"lang": TEXT, "translation_of": OPTIONAL_ID}
PATCH_FIELDS = _ARTICLE | {"revision": ID, "source_current": FLAG}
TRANSITION_FIELDS = {"name": TEXT, "reason": TEXT, "publish_at": OPTIONAL_TEXT,
                     "unpublish_at": OPTIONAL_TEXT, "revision": OPTIONAL_ID}
TAKEDOWN_FIELDS = {"unpublish_at": OPTIONAL_TEXT}
NOTE_FIELDS = {"body": TEXT}
# The article form's field names, as this API calls them.
_API_NAMES = {"section_key": "section", "lead_image": "lead_image_id"}


async def _json_fields(request: web.Request, kinds: dict[str, Kind],
                       required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's JSON object, every field checked; all problems are
    reported at once, each naming its field."""
    if request.content_type != "application/json":
        raise UserError(_("Send the request body as JSON, with the header "
                          "Content-Type: application/json."))
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError):
        raise UserError(_("The request body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise UserError(_("The request body must be a JSON object."))
    problems = [(name, _("%(name)s is required.", name=name))
                for name in required if name not in body]
    for name, value in body.items():
        kind = kinds.get(name)
        if kind is None:
            problems.append((name, _("%(name)s is not a field of this request.",
                                     name=name)))
        elif not kind.accepts(value):
            problems.append((name, _(kind.message, name=name)))
    if problems:
        raise InvalidParams(problems)
    return body


def _item_id(request: web.Request) -> int:
    return int(request.match_info["id"])  # the route takes 1 to 15 digits only


def _whole_number(query: MultiDictProxy, name: str, high: int, default: int,
                  problems: list[tuple[str, str]]) -> int:
    text = query.get(name, "")
    if not text:
        return default
    if text.isascii() and text.isdigit() and 1 <= int(text) <= high:
        return int(text)
    problems.append((name, _("%(name)s must be a whole number from 1 to %(high)s.",
                             name=name, high=high)))
    return default


def _listing(query: MultiDictProxy) -> tuple[content.StaffFilter, int, int]:
    """The item list's filters and page, every bad parameter named."""
    problems: list[tuple[str, str]] = []
    choices = (("lang", LANGUAGES), ("kind", content.KINDS),
               ("status", content.STATUSES))
    for name, allowed in choices:
        value = query.get(name, "")
        if value and value not in allowed:
            problems.append((name, _("%(name)s “%(value)s” is not one of %(allowed)s.",
                                     name=name, value=value,
                                     allowed=", ".join(allowed))))
    page = _whole_number(query, "page", MAX_PAGE, 1, problems)
    per_page = _whole_number(query, "per_page", MAX_PER_PAGE, DEFAULT_PER_PAGE,
                             problems)
    if problems:
        raise InvalidParams(problems)
    filters = content.StaffFilter(
        lang=query.get("lang") or None, kind=query.get("kind") or None,
        status=query.get("status") or None, section_key=query.get("section") or None,
        title=nfc(query.get("q", ""))[:200] or None)
    return filters, page, per_page


# -- answers ------------------------------------------------------------------


def answer(data: Any, status: int = 200, headers: dict[str, str] | None = None
           ) -> web.Response:
    return web.Response(text=json.dumps(data, ensure_ascii=False), status=status,
                        headers=headers, content_type="application/json")


def item_summary(item: Item) -> dict[str, Any]:
    return {
        "id": item.id, "kind": item.kind, "lang": item.lang, "status": item.status,
        "revision": item.revision, "title": item.title, "section": item.section_key,
        "author_id": item.author_id, "created_at": item.created_at,
        "updated_at": item.updated_at, "published_at": item.published_at,
        "publish_at": item.publish_at, "unpublish_at": item.unpublish_at,
        "url": item.url,
    }


def lock_state(lock: locks.Lock | None, user: User) -> dict[str, Any] | None:
    if lock is None:
        return None
    return {"holder": lock.holder, "mine": lock.held_by(user), "since": lock.taken_at}


def item_details(conn: sqlite3.Connection, item: Item, user: User) -> dict[str, Any]:
    """Everything about an item the caller needs to act on it next."""
    return item_summary(item) | {
        "summary": item.summary, "body": item.body,
        "tags": [tag.name for tag in item.tags], "byline": item.byline,
        "featured": item.featured, "awaiting_review": item.awaiting_review,
        "lead_image_id": item.lead_image_id, "slug": item.slug,
        "content_revision": item.content_revision,
        "translation_group": item.translation_group,
        "source_item_id": item.source_item_id,
        "source_revision": item.source_revision,
        "outdated": _outdated(conn, item),
        "lock": lock_state(locks.current(conn, item.id), user),
        "transitions": [move.name for move in workflow.available(user, item)],
    }


def _outdated(conn: sqlite3.Connection, item: Item) -> bool:
    """Whether the version this translation was made from has changed since."""
    if item.source_item_id is None or item.source_revision is None:
        return False
    found = content.items_by_id(conn, [item.source_item_id])
    source = found.get(item.source_item_id)
    return source is not None and source.content_revision > item.source_revision


def _described(conn: sqlite3.Connection, item_id: int, user: User) -> dict[str, Any]:
    return item_details(conn, content.get_item(conn, item_id), user)


def _visible(conn: sqlite3.Connection, item_id: int, user: User) -> dict[str, Any]:
    item = content.get_item(conn, item_id)
    require(user, "item.view", item)
    return item_details(conn, item, user)


def _item_location(item_id: int) -> dict[str, str]:
    return {"Location": f"{PREFIX}/items/{item_id}"}


# -- me and the item list -----------------------------------------------------


async def me(request: web.Request) -> web.Response:
    user = request[USER]
    sections = await read(request, content.list_sections)
    return answer({
        "id": user.id, "username": user.username, "display_name": user.display_name,
        "role": user.role,
        "sections": [section.key for section in sections if section.id in user.sections],
        "transitions": [name for name in workflow.TRANSITIONS
                        if name in user.transitions],
    })


async def list_items(request: web.Request) -> web.Response:
    filters, page, per_page = _listing(request.query)
    if not can(request[USER], "item.list.all"):
        filters = replace(filters, author_id=request[USER].id)
    items, total = await read(request, content.staff_listing, filters,
                              limit=per_page, offset=(page - 1) * per_page)
    return answer({"items": [item_summary(item) for item in items], "total": total,
                   "page": page, "per_page": per_page})


async def get_item(request: web.Request) -> web.Response:
    return answer(await read(request, _visible, _item_id(request), request[USER]))


# -- writing articles ---------------------------------------------------------


def _fill(form: ArticleForm, fields: dict[str, Any]) -> ArticleForm:
    """Put the JSON fields into the web admin's article form, so both are
    checked and saved by the same code."""
    plain = {"title": "title", "summary": "summary", "body": "body",
             "section": "section_key", "byline": "byline", "featured": "featured",
             "awaiting_review": "awaiting_review", "source_current": "source_current"}
    for name, attribute in plain.items():
        if name in fields:
            setattr(form, attribute, fields[name])
    if "tags" in fields:
        form.tags = "\n".join(fields["tags"])
    if "published_at" in fields:
        form.published_at = (fields["published_at"] or "").strip()
    if "lead_image_id" in fields:
        form.lead_image = str(fields["lead_image_id"] or "")
    if "translation_of" in fields:
        form.translation_of = str(fields["translation_of"] or "")
    if "revision" in fields:
        form.revision = str(fields["revision"])
    return form


def _step_after_saving(fields: dict[str, Any]) -> str:
    then = fields.get("then", "")
    if then and then not in workflow.TRANSITIONS:
        raise InvalidParams([("then", _("Unknown action “%(name)s”.", name=then))])
    return then


async def _save(request: web.Request, form: ArticleForm, item_id: int | None,
                then: str) -> Item:
    problems = form.check(await read(request, content.list_sections))
    if problems:
        raise InvalidParams([(_API_NAMES.get(p.field, p.field), p.message)
                             for p in problems])
    user = request[USER]
    item = await write(request, editing.save_article, form, item_id, user, then)
    log.info("article saved", extra={"item": item.id, "user": user.username,
                                     "new": item_id is None, "then": then})
    return item


async def create_item(request: web.Request) -> web.Response:
    fields = await _json_fields(request, CREATE_FIELDS, ("lang", "title", "section"))
    lang = fields["lang"]
    form = _fill(ArticleForm(lang=lang, awaiting_review=lang == "km"), fields)
    item = await _save(request, form, None, _step_after_saving(fields))
    details = await read(request, _described, item.id, request[USER])
    return answer(details, 201, _item_location(item.id))


async def update_item(request: web.Request) -> web.Response:
    user = request[USER]
    current = await read(request, content.get_item, _item_id(request))
    require(user, "item.edit", current)
    fields = await _json_fields(request, PATCH_FIELDS, ("revision",))
    form = ArticleForm.for_item(current)
    # The stored time itself, not the form's local minutes, so a save that
    # does not touch it leaves it exactly as it was.
    form.published_at = current.published_at or ""
    item = await _save(request, _fill(form, fields), current.id,
                       _step_after_saving(fields))
    return answer(await read(request, _described, item.id, user))


# -- workflow -----------------------------------------------------------------


async def take_transition(request: web.Request) -> web.Response:
    user, item_id = request[USER], _item_id(request)
    fields = await _json_fields(request, TRANSITION_FIELDS, ("name",))
    name = fields["name"]
    names = [name]
    if name == "approve" and fields.get("publish_at"):
        # "Approve and schedule" is two steps, each checked, as on the web.
        names.append("schedule")
    details: dict[str, Any] = {"reason": fields.get("reason", ""),
                               "expected_revision": fields.get("revision")}
    if "schedule" in names:
        details |= {"publish_at": fields.get("publish_at"),
                    "unpublish_at": fields.get("unpublish_at")}
    else:
        _no_times_for(name, fields)
    await write(request, editing.move, item_id, names, user, **details)
    log.info("transition", extra={"item": item_id, "user": user.username,
                                  "step": "+".join(names)})
    return answer(await read(request, _described, item_id, user))


def _no_times_for(name: str, fields: dict[str, Any]) -> None:
    """Times go with scheduling only; silently dropping them would mislead."""
    given = [key for key in ("publish_at", "unpublish_at") if fields.get(key)]
    if given:
        raise InvalidParams([(key, _(
            "%(field)s goes with the steps approve and schedule, not with "
            "“%(name)s”. Set a take-down time with the takedown call.",
            field=key, name=name)) for key in given])


async def set_takedown(request: web.Request) -> web.Response:
    user, item_id = request[USER], _item_id(request)
    fields = await _json_fields(request, TAKEDOWN_FIELDS, ("unpublish_at",))
    when = (fields["unpublish_at"] or "").strip() or None
    await write(request, workflow.set_takedown, item_id, when, user)
    log.info("takedown set", extra={"item": item_id, "user": user.username})
    return answer(await read(request, _described, item_id, user))


# -- the edit lock ------------------------------------------------------------


def _take_lock(conn: sqlite3.Connection, item_id: int, user: User) -> locks.Lock:
    item = content.get_item(conn, item_id)
    require(user, "item.edit", item)
    return locks.acquire(conn, item.id, user)


def _release_lock(conn: sqlite3.Connection, item_id: int, user: User) -> None:
    content.get_item(conn, item_id)  # a clear 404 for an item that does not exist
    locks.release(conn, item_id, user)


async def take_lock(request: web.Request) -> web.Response:
    user = request[USER]
    lock = await write(request, _take_lock, _item_id(request), user)
    if not lock.held_by(user):
        raise ConflictError(
            _("%(name)s is editing this item now. Wait until they finish, or take "
              "over the editing if your role allows it.", name=lock.holder),
            {"lock": lock_state(lock, user)})
    return answer(lock_state(lock, user))


async def release_lock(request: web.Request) -> web.Response:
    await write(request, _release_lock, _item_id(request), request[USER])
    return web.Response(status=204)


async def take_over_lock(request: web.Request) -> web.Response:
    user, item_id = request[USER], _item_id(request)
    lock = await write(request, locks.take_over, item_id, user)
    log.info("lock taken over", extra={"item": item_id, "user": user.username})
    return answer(lock_state(lock, user))


# -- notes and revisions ------------------------------------------------------


def _note(note: notes.Note) -> dict[str, Any]:
    return {"id": note.id, "at": note.at, "kind": note.kind, "author": note.author,
            "body": note.body}


def _notes(conn: sqlite3.Connection, item_id: int, user: User) -> list[dict[str, Any]]:
    require(user, "item.view", content.get_item(conn, item_id))
    return [_note(note) for note in notes.notes_for(conn, item_id)]


async def list_notes(request: web.Request) -> web.Response:
    found = await read(request, _notes, _item_id(request), request[USER])
    return answer({"notes": found})


async def add_note(request: web.Request) -> web.Response:
    user, item_id = request[USER], _item_id(request)
    fields = await _json_fields(request, NOTE_FIELDS, ("body",))
    note_id = await write(request, notes.add_note, item_id, user, fields["body"])
    log.info("note added", extra={"item": item_id, "note": note_id,
                                  "user": user.username})
    found = await read(request, _notes, item_id, user)
    return answer(next(note for note in found if note["id"] == note_id), 201)


def _revisions(conn: sqlite3.Connection, item_id: int, user: User) -> list[dict[str, Any]]:
    require(user, "item.history", content.get_item(conn, item_id))
    return [{"revision": r.revision, "saved_at": r.saved_at, "user_id": r.user_id,
             "user": r.user_label, "status": r.status, "title": r.title}
            for r in list_revisions(conn, item_id)]


async def list_item_revisions(request: web.Request) -> web.Response:
    found = await read(request, _revisions, _item_id(request), request[USER])
    return answer({"revisions": found})


# -- uploads ------------------------------------------------------------------


def media_record(record: LibraryMedia) -> dict[str, Any]:
    return {
        "id": record.id, "url": record.url, "mime": record.mime, "bytes": record.bytes,
        "width": record.width, "height": record.height,
        "original_name": record.original_name, "alt": record.alt,
        "caption": record.caption, "credit": record.credit,
        "created_at": record.created_at, "pages": record.pages,
        "variants": [{"url": v.url, "width": v.width, "height": v.height}
                     for v in record.variants],
    }


def _media_answer(record: LibraryMedia, created: bool) -> web.Response:
    """201 for a new file; 200 with the earlier copy when the same bytes
    were uploaded before (they are stored once)."""
    return answer(media_record(record) | {"duplicate": not created},
                  201 if created else 200, {"Location": record.url})


async def upload_media(request: web.Request) -> web.Response:
    user = request[USER]
    require(user, "media.upload")
    config = request.config_dict[CONFIG]
    limits = library.Limits.of(config)
    # PDF files may be larger than the images the whole site is sized for.
    roomy = request.clone(
        client_max_size=max(limits.image, limits.pdf) + library.FORM_OVERHEAD)
    if roomy.content_type != "multipart/form-data":
        raise UserError(_("Send the file as multipart/form-data, in a field named "
                          "“file”."))
    try:
        form = await roomy.post()
    except ValueError:  # no boundary, or parts aiohttp cannot read
        raise UserError(_("The upload is not valid multipart/form-data.")) from None
    try:
        about, name, checked = await _checked_upload(form, limits)
    finally:
        for value in form.values():
            if isinstance(value, web.FileField):
                value.file.close()

    earlier = await read(request, media_store.find_by_digest, checked.sha256)
    if earlier is not None:
        return _media_answer(earlier, created=False)
    if checked.picture is not None and not about.alt:
        raise InvalidParams([("alt", _(library.ALT_NEEDED))])
    record, created = await _store_media(request, checked, name, about, user)
    log.info("media uploaded", extra={"media": record.id, "user": user.username,
                                      "mime": record.mime, "bytes": record.bytes,
                                      "new": created})
    return _media_answer(record, created)


async def _checked_upload(form: MultiDictProxy, limits: library.Limits
                          ) -> tuple[Described, str, library.Checked]:
    def text(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    about = Described.cleaned(text("alt"), text("caption"), text("credit"))
    file = form.get("file")
    if not isinstance(file, web.FileField) or not file.filename:
        raise InvalidParams([("file", _("Choose a file to upload."))])
    try:
        checked = await asyncio.to_thread(library.check_upload, file.file, limits)
    except UserError as exc:
        raise InvalidParams([("file", str(exc))]) from None
    return about, nfc(os.path.basename(file.filename)), checked


async def _store_media(request: web.Request, checked: library.Checked, name: str,
                      about: Described, user: User) -> tuple[LibraryMedia, bool]:
    media_dir = request.config_dict[CONFIG].media_dir
    stored = await asyncio.to_thread(library.store_upload, media_dir, checked, name)
    files = library.files_of(stored)
    try:
        record, created = await write(request, media_store.add_upload, stored, about,
                                      user.id)
    except BaseException:
        await asyncio.to_thread(library.remove_files, media_dir, files)
        raise
    if not created:  # the same file arrived twice at once
        await asyncio.to_thread(library.remove_files, media_dir, files)
    return record, created


# -- routes -------------------------------------------------------------------

_ITEM = "/items/{id:[0-9]{1,15}}"
ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/me", me),
    ("GET", "/items", list_items),
    ("POST", "/items", create_item),
    ("GET", _ITEM, get_item),
    ("PATCH", _ITEM, update_item),
    ("POST", _ITEM + "/transitions", take_transition),
    ("POST", _ITEM + "/takedown", set_takedown),
    ("POST", _ITEM + "/lock", take_lock),
    ("DELETE", _ITEM + "/lock", release_lock),
    ("POST", _ITEM + "/lock/takeover", take_over_lock),
    ("GET", _ITEM + "/notes", list_notes),
    ("POST", _ITEM + "/notes", add_note),
    ("GET", _ITEM + "/revisions", list_item_revisions),
    ("POST", "/media", upload_media),
)


def setup_api(app: web.Application) -> None:
    """Register the API on the main application (its addresses are under
    /api/, where failures are problem details, not newsroom pages)."""
    config = app[CONFIG]
    app[TOKEN_GATE] = TokenGate(RateLimiter(config["security.api_token_attempts"],
                                            config["security.api_token_window"]))
    for method, path, handler in ROUTES:
        app.router.add_route(method, PREFIX + path, authenticated(handler))
    app.on_response_prepare.append(private_answers)
    from .api_spec import describe  # the description reads this module's names

    app[OPENAPI_PARTS].append(describe)
