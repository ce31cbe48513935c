"""The inbound API: partners push articles and documents into the portal.

    GET    /api/v1/inbound/me                     the partner the key belongs to
    POST   /api/v1/inbound/items                  push one item (create or update)
    GET    /api/v1/inbound/items/{external_id}    where a pushed item stands
    DELETE /api/v1/inbound/items/{external_id}    withdraw it

An item is one record of the import format (docs/operations.md) as a JSON
object, plus `attachments` (files as base64: PDFs and images, which go to the
media library and are listed with the item) and `lead_image` (the name of an
attached image, for news). The same external_id updates the partner's item.
Every bad field is named in the problem details (invalid_params).

A partner's items enter the newsroom as submitted, for editors to review
(the workflow's "receive" step); a trusted partner's items are published
(an item dated in the future waits for its time). Editors have the last
word: an item they are working on, took off the site or archived is not
changed by a push (409).

An Idempotency-Key header makes a retry safe: the same key with the same
request gets the first answer again, and changes nothing; the same key with
another request is refused (422). Answers are kept a day.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import io
import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web

from appliance import content, importer, media_store
from appliance.app import CONFIG, DB, SCHEDULER
from appliance.db import utcnow
from appliance.errors import ConflictError, ForbiddenError, NotFoundError, UserError
from appliance.i18n import gettext as _
from appliance.audit import acting_from
from appliance.security import client_address
from appliance.text import is_web_address

from .api import InvalidParams
from .gate import PARTNER
from .links import absolute_url
from .openapi import OPENAPI_PARTS
from .partners import Partner

log = logging.getLogger("portal.feeds.inbound")

PREFIX = "/api/v1/inbound"
MAX_ATTACHMENTS = 10
MAX_TAGS = 30
MAX_EXTERNAL_ID = 200
MAX_KEY = 255
KEEP_HOURS = 24
# States in which a partner's push still changes its item: before editors
# take it up, and after they return it.
OPEN_STATES = frozenset({"draft", "submitted", "returned"})
CLOSED_TO_TRUSTED = frozenset({"unpublished", "archived"})
SERVICE_LEVELS = ("full", "partial")
_TEXT_FIELDS = ("summary", "body", "byline", "attribution", "source_url",
                "translation_group", "number", "doc_type", "issuer", "signer",
                "agency", "authority", "ministry", "field", "level", "applicants",
                "requirements", "result", "procedure_code", "link")


class ScopeRefused(ForbiddenError):
    def __init__(self, message: str, scopes: tuple[str, ...]) -> None:
        super().__init__(message)
        self.members = {"scopes": list(scopes)}


# -- checking a record --------------------------------------------------------

@dataclass
class Attachment:
    name: str
    raw: bytes
    alt: str
    caption: str


def check_record(conn: sqlite3.Connection, record: Any, languages: list[str],
                 ) -> tuple[dict[str, Any], list[Attachment]]:
    """The record and its decoded attachments; InvalidParams naming every
    bad field otherwise."""
    if not isinstance(record, dict):
        raise UserError(_("The request body must be a JSON object: one item in the "
                          "import format."))
    problems: list[tuple[str, str]] = []

    def bad(name: str, reason: str) -> None:
        problems.append((name, reason))

    for name in ("external_id", "kind", "lang", "title"):
        value = record.get(name)
        if not isinstance(value, str) or not value.strip():
            bad(name, _("%(name)s is required, as text.", name=name))
    external_id, kind, lang = (record.get(k) for k in ("external_id", "kind", "lang"))
    if isinstance(external_id, str) and (len(external_id) > MAX_EXTERNAL_ID
                                         or "/" in external_id
                                         or not external_id.isprintable()):
        bad("external_id", _("external_id must be at most %(n)s printable characters, "
                             "without “/”.", n=MAX_EXTERNAL_ID))
    if isinstance(kind, str) and kind not in content.KINDS:
        bad("kind", _("kind “%(value)s” is not one of %(allowed)s.", value=kind,
                      allowed=", ".join(content.KINDS)))
    if isinstance(lang, str) and lang not in languages:
        bad("lang", _("lang “%(value)s” is not one of %(allowed)s.", value=lang,
                      allowed=", ".join(languages)))
    title = record.get("title")
    if isinstance(title, str) and len(title) > content.MAX_TITLE_LENGTH:
        bad("title", _("The title is longer than 2,000 characters."))
    for name in _TEXT_FIELDS:
        if record.get(name) is not None and not isinstance(record[name], str):
            bad(name, _("%(name)s must be text.", name=name))
    _check_choices(conn, record, bad)
    _check_times(record, bad)
    _check_lists(record, bad)
    if kind == "procedure" and not (isinstance(record.get("code"), str)
                                    and record["code"].strip()):
        bad("code", _("A procedure needs a code."))
    attachments = _attachments(record, bad)
    if problems:
        raise InvalidParams(problems)
    return record, attachments


def _check_choices(conn: sqlite3.Connection, record: dict[str, Any], bad) -> None:
    section = record.get("section")
    if section is not None:
        if not isinstance(section, str):
            bad("section", _("%(name)s must be text.", name="section"))
        elif content.get_section(conn, section) is None:
            bad("section", _("There is no section “%(key)s”: GET /api/v1/sections lists "
                             "them.", key=section))
    choices = (("status", content.LEGAL_STATUSES), ("service_level", SERVICE_LEVELS),
               ("body_format", ("text", "html")))
    for name, allowed in choices:
        value = record.get(name)
        if value is not None and value not in allowed:
            bad(name, _("%(name)s “%(value)s” is not one of %(allowed)s.", name=name,
                        value=value, allowed=", ".join(allowed)))
    if "featured" in record:
        bad("featured", _("featured is for the editors to choose, not in a push."))
    year = record.get("year")
    if year is not None and (type(year) is not int or not 1000 <= year <= 9999):
        bad("year", _("year must be a number of four digits, such as 2024, not text."))
    for name in ("link", "source_url"):
        address = record.get(name)
        if isinstance(address, str) and address and not is_web_address(address):
            bad(name, _("%(field)s must be an address starting with https:// or http://.",
                        field=name))


def _check_times(record: dict[str, Any], bad) -> None:
    if record.get("published_at") is not None:
        try:
            content.parse_time(record["published_at"], "published_at")
        except UserError as exc:
            bad("published_at", str(exc))
    for name in ("issued_at", "effective_at"):
        if record.get(name) is not None:
            try:
                content.parse_date(record[name], name)
            except UserError as exc:
                bad(name, str(exc))


def _check_lists(record: dict[str, Any], bad) -> None:
    for name, element in (("tags", str), ("steps", str), ("legal_basis", str),
                          ("amends", str), ("replaces", str), ("channels", dict)):
        value = record.get(name)
        if value is None or (name in ("amends", "replaces") and isinstance(value, str)):
            continue  # the import format also takes numbers separated by ";"
        if not isinstance(value, list) or not all(isinstance(v, element) for v in value):
            what = _("a list of texts") if element is str else _("a list of objects")
            bad(name, _("%(name)s must be %(what)s.", name=name, what=what))
        elif name == "tags" and len(value) > MAX_TAGS:
            bad(name, _("Give at most %(n)s tags.", n=MAX_TAGS))


def _attachments(record: dict[str, Any], bad) -> list[Attachment]:
    given = record.get("attachments")
    if given is None:
        given = []
    if not isinstance(given, list) or len(given) > MAX_ATTACHMENTS:
        bad("attachments", _("attachments must be a list of at most %(n)s files.",
                             n=MAX_ATTACHMENTS))
        return []
    found: list[Attachment] = []
    for number, each in enumerate(given):
        where = f"attachments[{number}]"
        if not isinstance(each, dict) or not isinstance(each.get("name"), str) \
                or not each["name"].strip() or not isinstance(each.get("data"), str):
            bad(where, _("Each attachment is an object with a name and its data in "
                         "base64."))
            continue
        try:
            raw = base64.b64decode(each["data"], validate=True)
        except (binascii.Error, ValueError):
            bad(f"{where}.data", _("The data is not valid base64."))
            continue
        texts = {k: each.get(k, "") for k in ("alt", "caption")}
        if not all(isinstance(v, str) for v in texts.values()):
            bad(where, _("alt and caption must be text."))
            continue
        found.append(Attachment(each["name"].strip()[:200], raw, texts["alt"],
                                texts["caption"]))
    lead = record.get("lead_image")
    if lead is not None and (not isinstance(lead, str)
                             or lead not in {a.name for a in found}):
        bad("lead_image", _("lead_image must be the name of one of the attachments."))
    return found


def check_scope(partner: Partner, record: dict[str, Any]) -> None:
    if not partner.may_write(record["kind"], record.get("section")):
        raise ScopeRefused(_(
            "This key may not push items of kind %(kind)s to this section. Its scopes are: "
            "%(scopes)s.", kind=record["kind"], scopes=", ".join(partner.scopes)),
            partner.scopes)


# -- attachments --------------------------------------------------------------

@dataclass(frozen=True)
class Stored:
    attachment: Attachment
    upload: Any  # newsroom.library.Upload
    is_image: bool


async def store_attachments(request: web.Request, attachments: list[Attachment]
                            ) -> list[Stored]:
    """Check each file as the media library does (by its content) and write
    it to the media folder; the database learns of it in the push's write."""
    from newsroom import library  # the newsroom imports this part first

    config = request.app[CONFIG]
    limits = library.Limits.of(config)
    stored: list[Stored] = []
    problems: list[tuple[str, str]] = []
    for number, attachment in enumerate(attachments):
        try:
            checked = await asyncio.to_thread(library.check_upload,
                                              io.BytesIO(attachment.raw), limits)
        except UserError as exc:
            problems.append((f"attachments[{number}]", str(exc)))
            continue
        if checked.picture is not None and not attachment.alt.strip():
            problems.append((f"attachments[{number}].alt", _(library.ALT_NEEDED)))
            continue
        upload = await asyncio.to_thread(library.store_upload, config.media_dir, checked,
                                         attachment.name)
        stored.append(Stored(attachment, upload, checked.picture is not None))
    if problems:
        await _remove(request, stored)
        raise InvalidParams(problems)
    return stored


async def _remove(request: web.Request, stored: list[Stored]) -> None:
    from newsroom import library

    media_dir = request.app[CONFIG].media_dir
    for each in stored:
        await asyncio.to_thread(library.remove_files, media_dir,
                                library.files_of(each.upload))


# -- applying a push ----------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    location: str | None = None
    replayed: bool = False
    # Uploads the library already had (the same bytes are stored once): the
    # files just written for them are removed after the transaction.
    unused: tuple[Any, ...] = ()


def _record_answer(base_url: str, item: content.Item, created: bool) -> dict[str, Any]:
    return {
        "id": item.id, "external_id": item.external_id, "kind": item.kind,
        "lang": item.lang, "status": item.status, "revision": item.revision,
        "url": absolute_url(base_url, item.url), "published_at": item.published_at,
        "publish_at": item.publish_at, "updated_at": item.updated_at,
        "created": created,
        "attachments": [{"url": absolute_url(base_url, a["url"]), "name": a["name"],
                         "mime": a["mime"], "bytes": a["bytes"]}
                        for a in item.extra.get("attachments", [])
                        if isinstance(a, dict)],
    }


def apply_push(conn: sqlite3.Connection, partner: Partner, record: dict[str, Any],
               stored: list[Stored], base_url: str, key: str | None,
               fingerprint: str) -> Answer:
    """Create or update the partner's item, in one transaction with the
    record of its answer; a known key gives the answer it gave before."""
    if key is not None:
        earlier = replay(conn, partner.id, key, fingerprint)
        if earlier is not None:
            return earlier
    existing = content.find_by_external_id(conn, partner.source, record["external_id"])
    unused: list[Stored] = []
    data = _input(conn, partner, record, stored, existing, unused)
    if existing is None:
        item = _create(conn, partner, data)
    else:
        item = _update(conn, partner, data, existing)
    answer = Answer(201 if existing is None else 200,
                    _record_answer(base_url, item, existing is None),
                    f"{PREFIX}/items/{quote(item.external_id or '', safe='')}",
                    unused=tuple(unused))
    if key is not None:
        conn.execute(
            "INSERT INTO inbound_request (partner_id, key, fingerprint, status, body,"
            " location, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (partner.id, key, fingerprint, answer.status,
             json.dumps(answer.body, ensure_ascii=False), answer.location, utcnow()))
    return answer


def replay(conn: sqlite3.Connection, partner_id: int, key: str,
           fingerprint: str) -> Answer | None:
    row = conn.execute("SELECT * FROM inbound_request WHERE partner_id = ? AND key = ?",
                       (partner_id, key)).fetchone()
    if row is None:
        return None
    if row["fingerprint"] != fingerprint:
        raise web.HTTPUnprocessableEntity(text=_(
            "This Idempotency-Key was used for another request. Use a new key for "
            "each new request, and the same key only to repeat one."))
    return Answer(row["status"], json.loads(row["body"]), row["location"], replayed=True)


def _input(conn: sqlite3.Connection, partner: Partner, record: dict[str, Any],
           stored: list[Stored], existing: content.Item | None,
           unused: list[Stored]) -> content.ItemInput:
    fields = {k: v for k, v in record.items()
              if k not in ("attachments", "lead_image", "body_format")}
    data = importer.to_input(fields, partner.source)
    if record.get("body_format") == "html":
        data.body_is_text = False
    data.attribution = data.attribution or partner.name
    data.lead_image_id = existing.lead_image_id if existing else None
    files = []
    for each in stored:
        media, created = media_store.add_upload(
            conn, each.upload, media_store.Described.cleaned(
                each.attachment.alt, each.attachment.caption, partner.name), None)
        if not created:
            unused.append(each)
        if each.attachment.name == record.get("lead_image") and each.is_image:
            data.lead_image_id = media.id
        files.append({"media_id": media.id, "url": media.url,
                      "name": each.attachment.name, "mime": media.mime,
                      "bytes": media.bytes})
    if files:
        data.extra["attachments"] = files
    elif existing is not None and "attachments" in existing.extra \
            and "attachments" not in record:
        data.extra["attachments"] = existing.extra["attachments"]
    return data


def _create(conn: sqlite3.Connection, partner: Partner,
            data: content.ItemInput) -> content.Item:
    from newsroom import workflow  # the newsroom imports this part first

    if partner.trusted:
        data.published_at = data.published_at or utcnow()  # public from now
        return content.save_item(conn, data, status="published")
    item = content.save_item(conn, data, status="draft")
    return workflow.transition(conn, item.id, "receive", None)


def _update(conn: sqlite3.Connection, partner: Partner, data: content.ItemInput,
            existing: content.Item) -> content.Item:
    from newsroom import workflow

    if existing.kind != data.kind:
        raise InvalidParams([("kind", _(
            "external_id “%(id)s” is already a %(old)s, not a %(new)s.",
            id=data.external_id, old=existing.kind, new=data.kind))])
    if partner.trusted:
        if existing.status in CLOSED_TO_TRUSTED or existing.status not in (
                OPEN_STATES | {"published", "scheduled"}):
            raise _in_editors_hands(existing)
        data.published_at = data.published_at or existing.published_at or utcnow()
        return content.save_item(conn, data, item_id=existing.id, status="published")
    if existing.status not in OPEN_STATES:
        raise _in_editors_hands(existing)
    item = content.save_item(conn, data, item_id=existing.id)
    if item.status in ("draft", "returned"):
        item = workflow.transition(conn, item.id, "receive", None)
    return item


def _in_editors_hands(item: content.Item) -> ConflictError:
    return ConflictError(_(
        "The editors have this item in hand (its status is %(status)s), so a push "
        "no longer changes it. Ask the newsroom to return it to you.",
        status=item.status), {"item_status": item.status})


# -- reading and withdrawing --------------------------------------------------

def pushed_item(conn: sqlite3.Connection, partner: Partner, external_id: str,
                base_url: str) -> dict[str, Any]:
    item = content.find_by_external_id(conn, partner.source, external_id)
    if item is None:
        raise NotFoundError(_("You have pushed no item with external_id “%(id)s”.",
                              id=external_id))
    return _record_answer(base_url, item, False) | {"created": False}


def withdraw(conn: sqlite3.Connection, partner: Partner, external_id: str) -> None:
    item = content.find_by_external_id(conn, partner.source, external_id)
    if item is None:
        raise NotFoundError(_("You have pushed no item with external_id “%(id)s”.",
                              id=external_id))
    content.delete_item(conn, item.id)


def _answers_limit() -> str:
    return (datetime.now(UTC) - timedelta(hours=KEEP_HOURS)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def has_old_answers(conn: sqlite3.Connection, limit: str) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM inbound_request"
                        " WHERE created_at < ?)", (limit,)).fetchone()[0] == 1


def forget_old_answers(conn: sqlite3.Connection, limit: str) -> None:
    conn.execute("DELETE FROM inbound_request WHERE created_at < ?", (limit,))


# -- handlers -----------------------------------------------------------------

def _partner(request: web.Request) -> Partner:
    partner = request.get(PARTNER)
    if partner is None:
        raise web.HTTPUnauthorized(
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
            text=_("Send your partner key in the Authorization header "
                   "(Authorization: Bearer pk_...)."))
    return partner


def _writer(request: web.Request) -> Partner:
    partner = _partner(request)
    if not partner.writes:
        raise ScopeRefused(_("This key may only read: its scopes are %(scopes)s.",
                             scopes=", ".join(partner.scopes)), partner.scopes)
    # The audit trail of what the push writes names the partner and where
    # it called from, as staff requests name their address.
    address = client_address(request, request.app[CONFIG]["server.trust_proxy"])
    acting_from(f"partner:{partner.id}@{address}")
    return partner


def _answer(data: Any, status: int = 200, headers: dict[str, str] | None = None
            ) -> web.Response:
    return web.Response(text=json.dumps(data, ensure_ascii=False), status=status,
                        headers={"Cache-Control": "no-store", **(headers or {})},
                        content_type="application/json")


async def me(request: web.Request) -> web.Response:
    partner = _partner(request)
    return _answer({"id": partner.id, "name": partner.name, "scopes": list(partner.scopes),
                    "trusted": partner.trusted})


def _idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidParams([("Idempotency-Key", _(
            "Idempotency-Key must be 1 to %(n)s printable characters.", n=MAX_KEY))])
    return key


async def push(request: web.Request) -> web.Response:
    partner = _writer(request)
    config = request.app[CONFIG]
    key = _idempotency_key(request)
    if request.content_type != "application/json":
        raise UserError(_("Send the item as JSON, with the header "
                          "Content-Type: application/json."))
    roomy = request.clone(client_max_size=_max_body(config))
    raw = await roomy.read()
    fingerprint = hashlib.sha256(b"POST items\n" + raw).hexdigest()
    db = request.app[DB]
    if key is not None:
        earlier = await db.read(replay, partner.id, key, fingerprint)
        if earlier is not None:
            return _push_response(earlier)
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        raise UserError(_("The request body is not valid JSON.")) from None
    record, attachments = await db.read(check_record, record, config.languages)
    check_scope(partner, record)
    stored = await store_attachments(request, attachments)
    try:
        answer = await db.write(apply_push, partner, record, stored, config.base_url,
                                key, fingerprint)
    except BaseException:
        await _remove(request, stored)
        raise
    await _remove(request, stored if answer.replayed else list(answer.unused))
    log.info("item pushed", extra={"partner": partner.id, "item": answer.body["id"],
                                   "status": answer.status,
                                   "replayed": answer.replayed})
    return _push_response(answer)


def _max_body(config) -> int:
    # Attachments arrive as base64: a third larger than the files.
    largest = max(config["content.max_upload_mb"], config["content.max_pdf_mb"])
    return (largest * MAX_ATTACHMENTS // 2 * 4 // 3 + 2) * 1024 * 1024


def _push_response(answer: Answer) -> web.Response:
    headers = {"Location": answer.location} if answer.location else {}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return _answer(answer.body, answer.status, headers)


async def status(request: web.Request) -> web.Response:
    partner = _partner(request)
    config = request.app[CONFIG]
    found = await request.app[DB].read(pushed_item, partner,
                                       request.match_info["external_id"],
                                       config.base_url)
    return _answer(found)


async def delete(request: web.Request) -> web.Response:
    partner = _writer(request)
    external_id = request.match_info["external_id"]
    await request.app[DB].write(withdraw, partner, external_id)
    log.info("item withdrawn", extra={"partner": partner.id})
    return web.Response(status=204, headers={"Cache-Control": "no-store"})


async def _forget(app: web.Application) -> None:
    # Reads first: a write empties the page cache, and most hours there is
    # nothing to forget.
    limit = _answers_limit()
    if await app[DB].read(has_old_answers, limit):
        await app[DB].write(forget_old_answers, limit)


def setup_inbound(app: web.Application) -> None:
    router = app.router
    router.add_get(f"{PREFIX}/me", me, name="feeds.inbound_me")
    router.add_post(f"{PREFIX}/items", push, name="feeds.inbound_push")
    router.add_get(f"{PREFIX}/items/{{external_id}}", status, name="feeds.inbound_item")
    router.add_delete(f"{PREFIX}/items/{{external_id}}", delete,
                      name="feeds.inbound_delete")
    app[SCHEDULER].every("inbound-answers", 3600, _forget)
    from . import inbound_spec  # the description reads this module's names

    app[OPENAPI_PARTS].append(inbound_spec.describe)
