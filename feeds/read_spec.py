"""The read API (feeds.read_api) in OpenAPI 3.1, merged into the document at
/api/v1/openapi.json. The item schemas name exactly the fields
feeds.read_api.item_json writes; the tests hold live answers to them."""

from __future__ import annotations

from typing import Any

from appliance.config import Config
from appliance.content import DOCUMENT_KINDS, LEGAL_STATUSES, NEWS_KINDS

from . import read_api
from .read_api import COLLECTIONS, DEFAULT_LIMIT, MAX_LIMIT, ORDERS, PREFIX

OPTIONAL_KEY = [{}, {"partnerKey": []}]
TIME = {"type": "string", "description": "ISO 8601, UTC."}
DATE = {"type": ["string", "null"], "description": "YYYY-MM-DD, or null."}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], required: list[str] | None = None,
            **extra: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False,
            "required": list(properties) if required is None else required,
            "properties": properties, **extra}


def describe(config: Config) -> dict[str, Any]:
    return {
        "tags": [{"name": "content", "description": (
            "Published content, the same for every caller: anonymous calls are "
            "welcome; a partner key (Authorization: Bearer pk_...) raises the rate "
            "limit. Listings page with cursors; answers carry an ETag "
            "(If-None-Match gives 304) and may be cached briefly. Scheduled and "
            "embargoed items appear only once published.")}],
        "paths": _paths(config.languages),
        "components": {
            "schemas": _schemas(config.languages),
            "responses": _responses(),
            "headers": _headers(),
            "parameters": _parameters(config.languages),
            "securitySchemes": {"partnerKey": {
                "type": "http", "scheme": "bearer", "description": (
                    "A partner's API key (pk_...), made with `portal partner add` "
                    "or in the newsroom; shown once.")}},
        },
    }


# -- paths --------------------------------------------------------------------

_SCHEMA = {"articles": "Article", "documents": "Document", "procedures": "Procedure",
           "services": "Service"}
_SUMMARY = {
    "articles": "News: articles and public disclosures, newest first.",
    "documents": "Directive and legal documents.",
    "procedures": "Administrative procedures.",
    "services": "Online public services.",
}
_FIELD_HELP = {
    "doc_type": "The document type, as written (Quyết định, Chỉ thị, ...).",
    "issuer": "The issuing body, as written.",
    "year": "The year of issue, four digits.",
    "status": "The legal status of a legal document.",
    "number": "The document number, such as 12/CT-UBND (spacing and case aside).",
    "field": "The procedure's field, as written.",
    "level": "The level that handles it, as written.",
    "agency": "The agency that handles it, as written.",
    "code": "The procedure code, such as 1.001193.",
}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False,
            "description": description, "schema": schema}


def _paths(languages: list[str]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for name, collection in COLLECTIONS.items():
        parameters = [{"$ref": f"#/components/parameters/Api{part}"}
                      for part in ("Lang", "Order", "UpdatedSince", "Limit", "Cursor",
                                   "Include")]
        parameters.append(_query("kind", "Keep items of this kind.",
                                 {"type": "string", "enum": list(collection.kinds)}))
        if collection.sectioned:
            parameters += [
                _query("section", "Keep items of the section with this key.",
                       {"type": "string", "maxLength": 60}),
                _query("tag", "Keep items with the tag of this slug.",
                       {"type": "string", "maxLength": 100, "pattern": "^[^/]+$"}),
            ]
        for field, _table, _column in collection.fields:
            schema: dict[str, Any] = {"type": "string", "maxLength": 200}
            if field == "year":
                schema = {"type": "string", "pattern": "^[0-9]{4}$"}
            elif field == "status":
                schema = {"type": "string", "enum": list(LEGAL_STATUSES)}
            parameters.append(_query(field, _FIELD_HELP[field], schema))
        paths[f"{PREFIX}/{name}"] = {"get": _operation(
            f"list{name.title()}", _SUMMARY[name], f"{_SCHEMA[name]}List",
            parameters, listing=True)}
        paths[f"{PREFIX}/{name}/{{id}}"] = {"get": _operation(
            f"get{_SCHEMA[name]}", f"One published item of the {name}, with its "
            "body and language versions.", _SCHEMA[name],
            [{"name": "id", "in": "path", "required": True,
              "description": "The item's number.",
              "schema": {"type": "integer", "minimum": 1}}], found=True)}
    paths[f"{PREFIX}/sections"] = {"get": _operation(
        "listSections", "Every section, in the site's order, with its names and "
        "how many published items it holds per language.", "SectionList", [])}
    paths[f"{PREFIX}/sections/{{key}}"] = {"get": _operation(
        "getSection", "One section.", "Section",
        [{"name": "key", "in": "path", "required": True,
          "description": "The section's key, as in its address.",
          "schema": {"type": "string"}}], found=True)}
    paths[f"{PREFIX}/tags"] = {"get": _operation(
        "listTags", "Tags that published items carry, by language and slug, with "
        "how many items carry each.", "TagList",
        [{"$ref": "#/components/parameters/ApiLang"},
         {"$ref": "#/components/parameters/ApiLimit"},
         {"$ref": "#/components/parameters/ApiCursor"}], listing=True)}
    return paths


def _operation(operation_id: str, summary: str, schema: str,
               parameters: list[dict[str, Any]], *, listing: bool = False,
               found: bool = False) -> dict[str, Any]:
    headers = {name: {"$ref": f"#/components/headers/{name}"}
               for name in ("ETag", "CacheControl", "AllowOrigin", "RateLimitLimit",
                            "RateLimitRemaining")}
    if listing:
        headers["Link"] = {"$ref": "#/components/headers/NextLink"}
    responses: dict[str, Any] = {
        "200": {"description": summary, "headers": headers,
                "content": {"application/json": {"schema": _ref(schema)}}},
        "304": {"description": "Not modified since the ETag sent in If-None-Match."},
        "400": {"$ref": "#/components/responses/ApiBadRequest"},
        "401": {"$ref": "#/components/responses/ApiBadKey"},
        "429": {"$ref": "#/components/responses/ApiTooManyRequests"},
    }
    if found:
        responses["404"] = {"$ref": "#/components/responses/ApiNotFound"}
    operation = {"operationId": operation_id, "tags": ["content"], "summary": summary,
                 "security": OPTIONAL_KEY, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _parameters(languages: list[str]) -> dict[str, Any]:
    return {
        "ApiLang": _query("lang", "Keep items in this language.",
                          {"type": "string", "enum": languages}),
        "ApiOrder": _query("order", (
            "newest: by publication, newest first, undated last (as the site lists "
            "them). updated: by last change, oldest first; with updated_since, a "
            "copy is kept in step by asking for what changed since the last run."),
            {"type": "string", "enum": list(ORDERS), "default": "newest"}),
        "ApiUpdatedSince": _query("updated_since", (
            "Keep items changed at or after this time: ISO 8601; without an offset "
            "it is Asia/Ho_Chi_Minh local time."),
            {"type": "string", "maxLength": 40}),
        "ApiLimit": _query("limit", "Items per page.",
                           {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                            "default": DEFAULT_LIMIT}),
        "ApiCursor": _query("cursor", (
            "The next_cursor of the previous page; the other parameters must stay "
            "as they were."), {"type": "string", "maxLength": read_api.MAX_CURSOR}),
        "ApiInclude": _query("include", "body: give each item's body in the list too.",
                             {"type": "string", "enum": ["body"]}),
    }


# -- schemas ------------------------------------------------------------------

def _shared(languages: list[str], kinds: tuple[str, ...]) -> dict[str, Any]:
    return {
        "id": {"type": "integer", "minimum": 1},
        "kind": {"type": "string", "enum": list(kinds)},
        "lang": {"type": "string", "enum": languages},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "url": {"type": "string", "format": "uri",
                "description": "Its public address on the portal."},
        "slug": {"type": "string"},
        "external_id": _nullable("string", description=(
            "Its id in the system it came from (an import or a partner), if any.")),
        "published_at": _nullable("string", description="ISO 8601, UTC; null: undated."),
        "updated_at": TIME,
        "revision": {"type": "integer", "minimum": 1,
                     "description": "Grows with every change."},
        "body": {"type": "string", "description": (
            "Sanitised HTML: in one item's answer, and in lists with include=body.")},
        "translations": {
            "type": "object", "description": (
                "Its published language versions: language to item number (one "
                "item's answer only)."),
            "propertyNames": {"enum": languages},
            "additionalProperties": {"type": "integer"}},
    }


_OPTIONAL = ("body", "translations")


def _item(languages: list[str], kinds: tuple[str, ...],
          own: dict[str, Any]) -> dict[str, Any]:
    properties = _shared(languages, kinds) | own
    return _object(properties, [name for name in properties if name not in _OPTIONAL])


def _list(name: str) -> dict[str, Any]:
    return _object({
        "items": {"type": "array", "items": _ref(name)},
        "next_cursor": _nullable("string", description=(
            "Give it as cursor for the next page; null on the last page.")),
        "next": _nullable("string", description="The next page's address, or null."),
    })


def _schemas(languages: list[str]) -> dict[str, Any]:
    text = _nullable("string")
    attachments = {"type": "array", "items": _ref("Attachment")}
    return {
        "Article": _item(languages, NEWS_KINDS, {
            "section": _nullable("string", description="The section's key."),
            "byline": {"type": "string"},
            "tags": {"type": "array", "items": _ref("TagRef")},
            "image": {"oneOf": [_ref("Image"), {"type": "null"}]},
            "attribution": text, "source_url": text,
            "attachments": attachments,
        }),
        "Document": _item(languages, DOCUMENT_KINDS, {
            "number": text, "doc_type": text, "issuer": text, "signer": text,
            "issued_at": DATE, "effective_at": DATE,
            "legal_status": {"type": ["string", "null"],
                             "enum": [*LEGAL_STATUSES, None]},
            "year": _nullable("integer"), "attachments": attachments,
        }),
        "Procedure": _item(languages, ("procedure",), {
            "code": {"type": "string"}, "agency": text, "authority": text,
            "ministry": text, "field": text, "level": text, "applicants": text,
            "steps": {"type": "array", "items": {"type": "string"}},
            "channels": {"type": "array", "items": {"type": "object"}, "description": (
                "Ways to apply: {channel, processing_time, fee}, as published.")},
            "requirements": text, "result": text,
            "legal_basis": {"type": "array", "items": {"type": "string"},
                            "description": "Document numbers."},
        }),
        "Service": _item(languages, ("public_service",), {
            "procedure_code": text,
            "service_level": _nullable("string", description="full or partial online."),
            "link": _nullable("string", description="Where the service is used."),
        }),
        "ArticleList": _list("Article"), "DocumentList": _list("Document"),
        "ProcedureList": _list("Procedure"), "ServiceList": _list("Service"),
        "Image": _object({
            "url": {"type": "string"}, "mime": {"type": "string"},
            "width": _nullable("integer"), "height": _nullable("integer"),
            "alt": {"type": "string"}, "credit": {"type": "string"},
            "variants": {"type": "array", "description": "Resized WebP copies.",
                         "items": _object({"url": {"type": "string"},
                                           "width": {"type": "integer"},
                                           "height": {"type": "integer"}})},
        }),
        "Attachment": _object({
            "url": {"type": "string"}, "name": {"type": "string"},
            "mime": {"type": "string"}, "bytes": {"type": "integer"}}),
        "TagRef": _object({"name": {"type": "string"}, "slug": {"type": "string"},
                           "url": {"type": "string"}}),
        "Tag": _object({"lang": {"type": "string", "enum": languages},
                        "name": {"type": "string"}, "slug": {"type": "string"},
                        "url": {"type": "string"},
                        "count": {"type": "integer", "minimum": 1}}),
        "TagList": _list("Tag"),
        "Section": _object({
            "key": {"type": "string"},
            "names": {"type": "object", "propertyNames": {"enum": list(("vi", "en",
                                                                        "km"))},
                      "additionalProperties": {"type": "string"}},
            "position": {"type": "integer"},
            "urls": {"type": "object", "additionalProperties": {"type": "string"}},
            "counts": {"type": "object", "description": "Published items per language.",
                       "additionalProperties": {"type": "integer", "minimum": 0}},
        }),
        "SectionList": _list("Section"),
    }


def _problem(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {
        "application/problem+json": {"schema": _ref("Problem")}}, **extra}


def _responses() -> dict[str, Any]:
    return {
        "ApiBadRequest": _problem("A parameter is bad; invalid_params names each one."),
        "ApiBadKey": _problem("The API key sent is unknown or revoked.", headers={
            "WWW-Authenticate": {"schema": {"type": "string"},
                                 "description": "Bearer"}}),
        "ApiNotFound": _problem("Nothing published at this address."),
        "ApiTooManyRequests": _problem("Over the rate limit; wait and try again.", headers={
            "Retry-After": {"schema": {"type": "integer"},
                            "description": "Seconds to wait."}}),
    }


def _headers() -> dict[str, Any]:
    return {
        "ETag": {"description": "The answer's version, for If-None-Match.",
                 "schema": {"type": "string"}},
        "NextLink": {"description": 'The next page: <address>; rel="next".',
                     "schema": {"type": "string"}},
        "RateLimitLimit": {"description": "Calls allowed per minute to this caller.",
                           "schema": {"type": "integer"}},
        "RateLimitRemaining": {"description": "Calls left before the limit.",
                               "schema": {"type": "integer"}},
    }

