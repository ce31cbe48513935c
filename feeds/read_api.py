"""The public read API: published content as JSON under /api/v1/.

    GET /api/v1/articles[/{id}]      news: articles and public disclosures
    GET /api/v1/documents[/{id}]     directive and legal documents
    GET /api/v1/procedures[/{id}]    administrative procedures
    GET /api/v1/services[/{id}]      online public services
    GET /api/v1/sections[/{key}]     sections, with their names and counts
    GET /api/v1/tags                 tags that published items carry

Listings page with opaque cursors: an answer's `next_cursor` (and its `next`
address, also sent as a Link header) gives the following page, and stays
right while items are added. A cursor is signed and bound to its filters,
so it cannot be edited or moved to another query. Only published items are
ever seen: scheduled and embargoed ones appear when they are published.

Answers are the same for every caller, so they come from the page cache
with an ETag (If-None-Match gives 304) and Cache-Control. Bad parameters get
problem details naming each one (feeds.api.InvalidParams). Its description
is feeds.read_spec.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from multidict import MultiMapping

from appliance import content, media_store
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.config import Config
from appliance.content import Item, PublicQuery
from appliance.errors import NotFoundError, UserError
from appliance.i18n import gettext as _

from .api import InvalidParams, json_response
from .links import absolute_url
from .openapi import OPENAPI_PARTS

PREFIX = "/api/v1"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
ORDERS = ("newest", "updated")
MAX_CURSOR = 400
MAX_FILTER_CHARS = 200
_YEAR = re.compile(r"[0-9]{4}")
_LIMIT = re.compile(r"[0-9]{1,3}")
_ID = re.compile(r"[0-9]{1,15}")
_TAG = re.compile(r"[^/\x00-\x1f]{1,100}")


@dataclass(frozen=True)
class Collection:
    """A listing of the read API: which kinds it holds and what it filters by.

    `fields` maps a query parameter to the document or procedure column it
    filters on."""
    name: str
    kinds: tuple[str, ...]
    fields: tuple[tuple[str, str, str], ...] = ()
    sectioned: bool = False


COLLECTIONS = {
    "articles": Collection("articles", content.NEWS_KINDS, sectioned=True),
    "documents": Collection("documents", content.DOCUMENT_KINDS, (
        ("doc_type", "document", "doc_type"), ("issuer", "document", "issuer"),
        ("year", "document", "year"), ("status", "document", "legal_status"),
        ("number", "document", "number_key"))),
    "procedures": Collection("procedures", ("procedure",), (
        ("field", "procedure", "field"), ("level", "procedure", "level"),
        ("agency", "procedure", "agency"), ("code", "procedure", "code"))),
    "services": Collection("services", ("public_service",)),
}


# -- cursors ------------------------------------------------------------------

class Cursors:
    """Signs and reads cursors with a key derived from the site's session
    key. Its repr names no key: it is passed to data functions, whose
    arguments may reach debug logs."""

    def __init__(self, config: Config) -> None:
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                         info=b"portal api cursors").derive(
                             config.secrets["session_key"].encode())

    def __repr__(self) -> str:
        return "Cursors()"

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode(), "sha256").digest()[:12]

    def encode(self, scope: str, position: list[Any]) -> str:
        payload = _b64(json.dumps([_scope_hash(scope), *position],
                                  separators=(",", ":")).encode())
        return payload + "." + _b64(self._sign(payload))

    def decode(self, scope: str, cursor: str) -> list[Any] | None:
        """The position a cursor holds, or None when it is not one this API
        gave for this very query."""
        payload, _dot, signature = cursor.partition(".")
        try:
            if not hmac.compare_digest(_unb64(signature), self._sign(payload)):
                return None
            data = json.loads(_unb64(payload))
        except (ValueError, binascii.Error, UnicodeError):
            return None
        if not isinstance(data, list) or not data or data[0] != _scope_hash(scope):
            return None
        return data[1:]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scope_hash(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


# -- parameters ---------------------------------------------------------------

class Params:
    """Reads query parameters, collecting every problem before raising."""

    def __init__(self, query: MultiMapping[str]) -> None:
        self.query = query
        self.problems: list[tuple[str, str]] = []

    def text(self, name: str, max_chars: int = MAX_FILTER_CHARS) -> str | None:
        values = self.query.getall(name, [])
        if len(values) > 1:
            self.problems.append((name, _("%(name)s is given more than once.",
                                          name=name)))
            return None
        value = values[0].strip() if values else ""
        if len(value) > max_chars:
            self.problems.append((name, _("%(name)s is longer than %(max)s characters.",
                                          name=name, max=max_chars)))
            return None
        return value or None

    def choice(self, name: str, allowed: tuple[str, ...] | list[str]) -> str | None:
        value = self.text(name)
        if value is not None and value not in allowed:
            self.problems.append((name, _("%(name)s “%(value)s” is not one of "
                                          "%(allowed)s.", name=name, value=value,
                                          allowed=", ".join(allowed))))
            return None
        return value

    def limit(self) -> int:
        value = self.text("limit")
        if value is None:
            return DEFAULT_LIMIT
        if _LIMIT.fullmatch(value) and 1 <= int(value) <= MAX_LIMIT:
            return int(value)
        self.problems.append(("limit", _("%(name)s must be a whole number from "
                                         "%(low)s to %(high)s.", name="limit", low=1,
                                         high=MAX_LIMIT)))
        return DEFAULT_LIMIT

    def moment(self, name: str) -> str | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return content.parse_time(value, name)
        except UserError as exc:
            self.problems.append((name, str(exc)))
            return None

    def check(self) -> None:
        if self.problems:
            raise InvalidParams(self.problems)


@dataclass(frozen=True)
class Listing:
    collection: Collection
    query: PublicQuery
    scope: str
    filters: dict[str, str]


def parse_listing(conn: sqlite3.Connection, collection: Collection,
                  query: MultiMapping[str], languages: list[str] | tuple[str, ...],
                  cursors: Cursors) -> Listing:
    """The query for one page of a collection; every bad parameter named."""
    params = Params(query)
    lang = params.choice("lang", languages)
    kind = params.choice("kind", collection.kinds)
    order = params.choice("order", ORDERS) or "newest"
    limit = params.limit()
    since = params.moment("updated_since")
    include = params.choice("include", ("body",))
    section_id = tag = None
    if collection.sectioned:
        section_key = params.text("section", 60)
        if section_key is not None:
            section = content.get_section(conn, section_key)
            if section is None:
                params.problems.append(("section", _(
                    "There is no section “%(key)s”: GET /api/v1/sections lists them.",
                    key=section_key)))
            else:
                section_id = section.id
        tag = params.text("tag", 100)
        if tag is not None and not _TAG.fullmatch(tag):
            params.problems.append(("tag", _("tag must be a tag's slug, as in its "
                                             "address.")))
    fields = _field_filters(params, collection)
    cursor = params.text("cursor", MAX_CURSOR)
    params.check()

    filters = {"lang": lang, "kind": kind, "order": order, "updated_since": since,
               "section": str(section_id) if section_id else None, "tag": tag,
               "include": include}
    filters |= {name: str(value) for name, (_t, _c, value) in fields.items()}
    filters = {name: value for name, value in filters.items() if value is not None}
    scope = collection.name + "?" + urlencode(sorted(filters.items()))
    after = None
    if cursor is not None:
        position = cursors.decode(scope, cursor)
        if not _is_position(position):
            raise InvalidParams([("cursor", _(
                "The cursor is not one this API gave for these filters: start "
                "again without it, or keep the other parameters as they were."))])
        after = (position[0], position[1])
    return Listing(collection, PublicQuery(
        kinds=(kind,) if kind else collection.kinds, lang=lang, section_id=section_id,
        tag_slug=tag, updated_since=since, order=order, after=after, limit=limit + 1,
        fields=tuple(fields.values()), with_bodies=include == "body"), scope, filters)


def _is_position(position: list[Any] | None) -> bool:
    return (isinstance(position, list) and len(position) == 2
            and (position[0] is None or isinstance(position[0], str))
            and type(position[1]) is int)


def _field_filters(params: Params, collection: Collection) -> dict[str, tuple]:
    fields = {}
    for name, table, column in collection.fields:
        value: Any = params.text(name)
        if value is None:
            continue
        if name == "year":
            if not _YEAR.fullmatch(value):
                params.problems.append(("year", _("The year must have four digits, "
                                                  "such as 2024.")))
                continue
            value = int(value)
        elif name == "status" and value not in content.LEGAL_STATUSES:
            params.problems.append(("status", _(
                "%(name)s “%(value)s” is not one of %(allowed)s.", name="status",
                value=value, allowed=", ".join(content.LEGAL_STATUSES))))
            continue
        elif name == "number":
            value = content.number_key(value) or value
        fields[name] = (table, column, value)
    return fields


# -- what an answer holds ----------------------------------------------------

@dataclass(frozen=True)
class Site:
    """What answers need of the config. Data functions get this, not the
    Config, which holds the site's keys and must never reach a log line."""
    base_url: str
    languages: tuple[str, ...]

    @classmethod
    def of(cls, config: Config) -> Site:
        return cls(config.base_url, tuple(config.languages))


def _abs(site: Site, path: str | None) -> str | None:
    return absolute_url(site.base_url, path) if path else None


def image_json(site: Site, item: Item,
               variants: dict[int, list[media_store.Variant]]) -> dict[str, Any] | None:
    image = item.lead_image
    if image is None:
        return None
    return {
        "url": _abs(site, image.url), "mime": image.mime, "width": image.width,
        "height": image.height, "alt": image.alt, "credit": image.credit,
        "variants": [{"url": _abs(site, v.url), "width": v.width, "height": v.height}
                     for v in variants.get(image.id, [])],
    }


def attachments_json(site: Site, item: Item) -> list[dict[str, Any]]:
    found = item.extra.get("attachments") if isinstance(item.extra, dict) else None
    if not isinstance(found, list):
        return []
    return [{"url": _abs(site, each.get("url")), "name": str(each.get("name") or ""),
             "mime": str(each.get("mime") or ""), "bytes": each.get("bytes")}
            for each in found
            if isinstance(each, dict) and isinstance(each.get("url"), str)
            and isinstance(each.get("bytes"), int)]


def item_json(site: Site, item: Item, *, body: bool,
              variants: dict[int, list[media_store.Variant]],
              translations: dict[int, dict[str, int]] | None = None) -> dict[str, Any]:
    """One item as the API shows it: the fields every kind shares, then its
    own (the OpenAPI schemas name exactly these)."""
    shared: dict[str, Any] = {
        "id": item.id, "kind": item.kind, "lang": item.lang, "title": item.title,
        "summary": item.summary, "url": _abs(site, item.url), "slug": item.slug,
        "external_id": item.external_id, "published_at": item.published_at,
        "updated_at": item.updated_at, "revision": item.revision,
    }
    if body:
        shared["body"] = item.body
    if translations is not None:
        shared["translations"] = translations.get(item.id, {})
    if item.kind in content.NEWS_KINDS:
        return shared | {
            "section": item.section_key, "byline": item.byline,
            "tags": [{"name": t.name, "slug": t.slug, "url": _abs(site, t.url)}
                     for t in item.tags],
            "image": image_json(site, item, variants),
            "attribution": item.attribution, "source_url": item.source_url,
            "attachments": attachments_json(site, item),
        }
    if item.kind in content.DOCUMENT_KINDS:
        document = item.document or {}
        return shared | {
            "number": document.get("number"), "doc_type": document.get("doc_type"),
            "issuer": document.get("issuer"), "signer": document.get("signer"),
            "issued_at": document.get("issued_at"),
            "effective_at": document.get("effective_at"),
            "legal_status": document.get("legal_status"), "year": document.get("year"),
            "attachments": attachments_json(site, item),
        }
    if item.kind == "procedure":
        procedure = item.procedure or {}
        return shared | {name: procedure.get(name) for name in content.PROCEDURE_FIELDS}
    extra = item.extra if isinstance(item.extra, dict) else {}
    return shared | {
        "procedure_code": _text_or_none(extra.get("procedure_code")),
        "service_level": _text_or_none(extra.get("service_level")),
        "link": _text_or_none(extra.get("link")),
    }


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# -- reading ------------------------------------------------------------------

def read_page(conn: sqlite3.Connection, site: Site, listing: Listing,
              cursors: Cursors) -> dict[str, Any]:
    query = listing.query
    items = content.list_public(conn, query)
    more = len(items) >= query.limit
    items = items[:query.limit - 1]
    variants = media_store.variants_for(conn, [i.lead_image_id for i in items])
    answer: dict[str, Any] = {
        "items": [item_json(site, item, body=query.with_bodies, variants=variants)
                  for item in items],
        "next_cursor": None, "next": None,
    }
    if more and items:
        last = items[-1]
        moment = last.updated_at if query.order == "updated" else last.published_at
        answer["next_cursor"] = cursors.encode(listing.scope, [moment, last.id])
    return answer


def read_one(conn: sqlite3.Connection, site: Site, collection: Collection,
             item_id: int) -> dict[str, Any]:
    item = content.get_public(conn, item_id, collection.kinds)
    if item is None:
        raise NotFoundError(_("There is no published item %(id)s among the %(what)s.",
                              id=item_id, what=collection.name))
    variants = media_store.variants_for(conn, [item.lead_image_id])
    translations = content.translation_ids(conn, [item])
    return item_json(site, item, body=True, variants=variants,
                     translations=translations)


def section_json(site: Site, section: content.Section,
                 counts: dict[str, int]) -> dict[str, Any]:
    return {
        "key": section.key, "names": section.names, "position": section.position,
        "urls": {lang: _abs(site, f"/{lang}/{section.key}/")
                 for lang in site.languages},
        "counts": counts,
    }


def read_sections(conn: sqlite3.Connection, site: Site,
                  key: str | None = None) -> Any:
    sections = content.list_sections(conn)
    counts = {lang: content.section_counts(conn, lang) for lang in site.languages}

    def shown(section: content.Section) -> dict[str, Any]:
        return section_json(site, section, {lang: counts[lang].get(section.id, 0)
                                              for lang in site.languages})

    if key is None:
        return {"items": [shown(section) for section in sections], "next_cursor": None,
                "next": None}
    for section in sections:
        if section.key == key:
            return shown(section)
    raise NotFoundError(_("There is no section “%(key)s”: GET /api/v1/sections lists "
                          "them.", key=key))


def read_tags(conn: sqlite3.Connection, site: Site, query: MultiMapping[str],
              cursors: Cursors) -> dict[str, Any]:
    params = Params(query)
    lang = params.choice("lang", site.languages)
    limit = params.limit()
    cursor = params.text("cursor", MAX_CURSOR)
    params.check()
    scope = "tags?" + urlencode({"lang": lang or ""})
    after = None
    if cursor is not None:
        position = cursors.decode(scope, cursor)
        if not (isinstance(position, list) and len(position) == 2
                and all(isinstance(part, str) for part in position)):
            raise InvalidParams([("cursor", _(
                "The cursor is not one this API gave for these filters: start "
                "again without it, or keep the other parameters as they were."))])
        after = (position[0], position[1])
    found = content.list_tags(conn, lang=lang, after=after, limit=limit + 1)
    more = len(found) > limit
    found = found[:limit]
    answer: dict[str, Any] = {
        "items": [{"lang": tag.lang, "name": tag.name, "slug": tag.slug,
                   "url": _abs(site, tag.url), "count": count}
                  for tag, count in found],
        "next_cursor": None, "next": None,
    }
    if more:
        last = found[-1][0]
        answer["next_cursor"] = cursors.encode(scope, [last.lang, last.slug])
    return answer


# -- handlers -----------------------------------------------------------------

CURSORS = web.AppKey("api_cursors", Cursors)
SITE = web.AppKey("api_site", Site)


def _collection(request: web.Request) -> Collection:
    return COLLECTIONS[request.match_info.route.resource.canonical.split("/")[3]]


@cached
async def listing(request: web.Request) -> web.Response:
    site = request.app[SITE]
    cursors = request.app[CURSORS]
    collection = _collection(request)
    db = request.app[DB]
    chosen = await db.read(parse_listing, collection, request.query, site.languages,
                           cursors)
    answer = await db.read(read_page, site, chosen, cursors)
    if answer["next_cursor"]:
        answer["next"] = _keep_query(request, answer["next_cursor"])
    return _with_next(json_response(answer), answer["next"])


def _keep_query(request: web.Request, cursor: str) -> str:
    """The next page's address: this one's parameters, with the new cursor."""
    pairs = [(name, value) for name, value in request.query.items() if name != "cursor"]
    return f"{request.path}?" + urlencode([*pairs, ("cursor", cursor)])


def _with_next(response: web.Response, next_address: str | None) -> web.Response:
    if next_address:
        response.headers["Link"] = f'<{next_address}>; rel="next"'
    return response


@cached
async def one(request: web.Request) -> web.Response:
    item_id = _id(request)
    answer = await request.app[DB].read(read_one, request.app[SITE], _collection(request),
                                        item_id)
    return json_response(answer)


def _id(request: web.Request) -> int:
    text = request.match_info["id"]
    if not _ID.fullmatch(text):
        raise NotFoundError(_("There is no published item %(id)s among the %(what)s.",
                              id=text, what=_collection(request).name))
    return int(text)


@cached
async def sections(request: web.Request) -> web.Response:
    return json_response(await request.app[DB].read(read_sections, request.app[SITE]))


@cached
async def section(request: web.Request) -> web.Response:
    key = request.match_info["key"]
    return json_response(await request.app[DB].read(read_sections, request.app[SITE], key))


@cached
async def tags(request: web.Request) -> web.Response:
    answer = await request.app[DB].read(read_tags, request.app[SITE], request.query,
                                        request.app[CURSORS])
    if answer["next_cursor"]:
        answer["next"] = _keep_query(request, answer["next_cursor"])
    return _with_next(json_response(answer), answer["next"])


def setup_read_api(app: web.Application) -> None:
    app[CURSORS] = Cursors(app[CONFIG])
    app[SITE] = Site.of(app[CONFIG])
    router = app.router
    for name in COLLECTIONS:
        router.add_get(f"{PREFIX}/{name}", listing, name=f"feeds.api_{name}")
        router.add_get(f"{PREFIX}/{name}/{{id}}", one, name=f"feeds.api_{name}_one")
    router.add_get(f"{PREFIX}/sections", sections, name="feeds.api_sections")
    router.add_get(f"{PREFIX}/sections/{{key}}", section, name="feeds.api_section")
    router.add_get(f"{PREFIX}/tags", tags, name="feeds.api_tags")
    from . import read_spec  # the description reads this module's names

    app[OPENAPI_PARTS].append(read_spec.describe)
