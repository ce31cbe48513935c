"""The inbound API (feeds.inbound) in OpenAPI 3.1, merged into the document
at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from appliance.config import Config
from appliance.content import KINDS, LEGAL_STATUSES, MAX_TITLE_LENGTH, STATUSES

from .inbound import MAX_ATTACHMENTS, MAX_EXTERNAL_ID, MAX_KEY, MAX_TAGS, PREFIX

SECURITY = [{"partnerKey": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def describe(config: Config) -> dict[str, Any]:
    return {
        "tags": [{"name": "inbound", "description": (
            "Partners (departments, communes, other systems) push articles and "
            "documents in the import format with their partner key. Items enter the "
            "newsroom as submitted, for editors to review; a trusted partner's items "
            "are published (items dated in the future wait for their time). The "
            "key's scopes say which kinds and sections it may write.")}],
        "paths": _paths(),
        "components": {"schemas": _schemas(config.languages),
                       "responses": _responses()},
    }


def _paths() -> dict[str, Any]:
    external_id = {"name": "external_id", "in": "path", "required": True,
                   "description": "The item's id in the partner's own system.",
                   "schema": {"type": "string", "maxLength": MAX_EXTERNAL_ID,
                              "pattern": "^[^/]+$"}}
    common = {"401": {"$ref": "#/components/responses/InboundUnauthorized"},
              "429": {"$ref": "#/components/responses/ApiTooManyRequests"}}
    return {
        f"{PREFIX}/me": {"get": {
            "operationId": "inboundMe", "tags": ["inbound"], "security": SECURITY,
            "summary": "The partner the key belongs to, and its scopes.",
            "responses": {"200": _json("The partner.", "InboundPartner")} | common}},
        f"{PREFIX}/items": {"post": {
            "operationId": "inboundPush", "tags": ["inbound"], "security": SECURITY,
            "summary": "Push one item: created, or updated when the external_id is known.",
            "description": (
                "Send an Idempotency-Key to make retries safe: the same key with the "
                "same body gets the first answer again (Idempotent-Replayed: true) "
                "and changes nothing; with another body it is refused (422). Every "
                "bad field is named in invalid_params."),
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                            "description": "A unique key per request, kept a day.",
                            "schema": {"type": "string", "minLength": 1,
                                       "maxLength": MAX_KEY}}],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("InboundItem")}}},
            "responses": {
                "201": _json("Created.", "InboundResult", location=True),
                "200": _json("Updated (or the answer to a repeated request).",
                             "InboundResult", location=True),
                "400": {"$ref": "#/components/responses/ApiBadRequest"},
                "403": {"$ref": "#/components/responses/InboundForbidden"},
                "409": {"$ref": "#/components/responses/InboundConflict"},
                "413": {"$ref": "#/components/responses/InboundTooLarge"},
                "422": {"$ref": "#/components/responses/InboundKeyReused"},
            } | common}},
        f"{PREFIX}/items/{{external_id}}": {
            "parameters": [external_id],
            "get": {
                "operationId": "inboundStatus", "tags": ["inbound"], "security": SECURITY,
                "summary": "Where a pushed item stands in the newsroom.",
                "responses": {"200": _json("The item.", "InboundResult"),
                              "404": {"$ref": "#/components/responses/ApiNotFound"}}
                | common},
            "delete": {
                "operationId": "inboundWithdraw", "tags": ["inbound"],
                "security": SECURITY, "summary": "Withdraw a pushed item for good.",
                "responses": {
                    "204": {"description": "Withdrawn."},
                    "403": {"$ref": "#/components/responses/InboundForbidden"},
                    "404": {"$ref": "#/components/responses/ApiNotFound"}} | common},
        },
    }


def _json(description: str, schema: str, location: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {
        "application/json": {"schema": _ref(schema)}}}
    if location:
        answer["headers"] = {"Location": {"description": "The item's address here.",
                                          "schema": {"type": "string"}}}
    return answer


def _schemas(languages: list[str]) -> dict[str, Any]:
    text = {"type": "string"}
    texts = {"type": "array", "items": {"type": "string"}}
    date = {"type": "string", "description": "YYYY-MM-DD."}
    return {
        "InboundItem": {
            "type": "object",
            "description": (
                "One record of the import format (see the operations guide), with "
                "attachments. Keys it does not name are kept with the item."),
            "required": ["external_id", "kind", "lang", "title"],
            "properties": {
                "external_id": {"type": "string", "minLength": 1,
                                "maxLength": MAX_EXTERNAL_ID, "pattern": "^[^/]+$"},
                "kind": {"type": "string", "enum": list(KINDS)},
                "lang": {"type": "string", "enum": languages},
                "title": {"type": "string", "minLength": 1,
                          "maxLength": MAX_TITLE_LENGTH},
                "summary": text, "body": text,
                "body_format": {"type": "string", "enum": ["text", "html"],
                                "description": (
                                    "text (the default): paragraphs split by a blank "
                                    "line; html: cleaned on the server.")},
                "published_at": {"type": "string", "description": (
                    "YYYY-MM-DD or ISO 8601; without an offset it is "
                    "Asia/Ho_Chi_Minh time. A future time is an embargo.")},
                "section": {"type": "string", "description": "A section's key."},
                "tags": texts | {"maxItems": MAX_TAGS},
                "byline": text, "attribution": text, "source_url": text,
                "translation_group": text,
                "number": text, "doc_type": text, "issuer": text, "signer": text,
                "issued_at": date, "effective_at": date,
                "status": {"type": "string", "enum": list(LEGAL_STATUSES)},
                "year": {"type": "integer", "minimum": 1000, "maximum": 9999},
                "code": text, "agency": text, "authority": text, "ministry": text,
                "field": text, "level": text, "applicants": text, "steps": texts,
                "channels": {"type": "array", "items": {"type": "object"}},
                "requirements": text, "result": text, "legal_basis": texts,
                "procedure_code": text,
                "service_level": {"type": "string", "enum": ["full", "partial"]},
                "link": text,
                "attachments": {"type": "array", "maxItems": MAX_ATTACHMENTS,
                                "items": _ref("InboundAttachment")},
                "lead_image": {"type": "string", "description": (
                    "The name of an attached image to show with the news item.")},
            },
        },
        "InboundAttachment": {
            "type": "object", "required": ["name", "data"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "description": "File name."},
                "data": {"type": "string", "contentEncoding": "base64",
                         "description": "The file: a PDF or a JPEG, PNG, GIF or WebP "
                                        "image, found by its content."},
                "alt": {"type": "string", "description": "Required for images."},
                "caption": {"type": "string"},
            },
        },
        "InboundResult": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "external_id", "kind", "lang", "status", "revision",
                         "url", "published_at", "publish_at", "updated_at", "created",
                         "attachments"],
            "properties": {
                "id": {"type": "integer"}, "external_id": {"type": "string"},
                "kind": {"type": "string", "enum": list(KINDS)},
                "lang": {"type": "string", "enum": languages},
                "status": {"type": "string", "enum": list(STATUSES), "description": (
                    "Its state in the newsroom: submitted while it waits for "
                    "review, published once public.")},
                "revision": {"type": "integer"},
                "url": {"type": "string", "description": "Its public address once published."},
                "published_at": _nullable("string"), "publish_at": _nullable("string"),
                "updated_at": {"type": "string"}, "created": {"type": "boolean"},
                "attachments": {"type": "array", "items": _ref("Attachment")},
            },
        },
        "InboundPartner": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "name", "scopes", "trusted"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                           "scopes": {"type": "array", "items": {"type": "string"}},
                           "trusted": {"type": "boolean"}},
        },
    }


def _problem(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {
        "application/problem+json": {"schema": _ref("Problem")}}, **extra}


def _responses() -> dict[str, Any]:
    return {
        "InboundUnauthorized": _problem("No partner key, or one unknown or revoked.",
                                        headers={"WWW-Authenticate": {
                                            "schema": {"type": "string"},
                                            "description": "Bearer"}}),
        "InboundForbidden": _problem(
            "The key's scopes do not allow this kind or section; \"scopes\" lists "
            "them."),
        "InboundConflict": _problem(
            "The editors have the item in hand (\"item_status\"), or the external_id "
            "is another kind of item."),
        "InboundTooLarge": _problem("The request is larger than the portal takes."),
        "InboundKeyReused": _problem(
            "The Idempotency-Key was used before for another request."),
    }
