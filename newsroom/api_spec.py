"""The newsroom's JSON API (newsroom.api) described in OpenAPI 3.1, merged
into the portal's document at /api/v1/openapi.json (feeds.openapi).

The answer schemas forbid fields they do not name, and the tests hold the
live answers to them, so the description cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from appliance.config import Config
from appliance.content import KINDS, STATUSES
from appliance.users import ROLES

from . import api, locks, notes, workflow

SECURITY = [{"personalToken": []}]
STEPS = [t.name for t in workflow.TRANSITIONS.values() if not t.system]


def describe(config: Config) -> dict[str, Any]:
    return {
        "tags": [{"name": "newsroom", "description": (
            "The newsroom's actions for programs, acting as the owner of a "
            "personal API token with the owner's permissions. Problem details "
            "from these addresses are in the language of Accept-Language (vi, "
            "en or km), Vietnamese by default.")}],
        "paths": _paths(config.languages),
        "components": {
            "schemas": _schemas(config.languages),
            "responses": _responses(),
            "headers": {"Location": {"description": "The new record's address.",
                                     "schema": {"type": "string"}}},
            "securitySchemes": {"personalToken": {
                "type": "http", "scheme": "bearer",
                "description": (
                    "A personal API token (pat_...), created in the newsroom "
                    "profile or with `portal user token NAME`. Session cookies "
                    "are not accepted.")}},
        },
    }


# -- paths --------------------------------------------------------------------


def _paths(languages: list[str]) -> dict[str, Any]:
    base = api.PREFIX
    item = f"{base}/items/{{id}}"
    one = {"parameters": [{
        "name": "id", "in": "path", "required": True,
        "description": "The item's number.",
        "schema": {"type": "integer", "minimum": 1}}]}
    return {
        f"{base}/me": {"get": _me()},
        f"{base}/items": {"get": _list(languages), "post": _create()},
        item: one | {"get": _get(), "patch": _patch()},
        f"{item}/transitions": one | {"post": _transition()},
        f"{item}/takedown": one | {"post": _takedown()},
        f"{item}/lock": one | {"post": _lock(), "delete": _release()},
        f"{item}/lock/takeover": one | {"post": _takeover()},
        f"{item}/notes": one | {"get": _notes(), "post": _add_note()},
        f"{item}/revisions": one | {"get": _revisions()},
        f"{base}/media": {"post": _upload()},
    }


def _operation(operation_id: str, summary: str, ok: dict[str, Any], *,
               refusals: tuple[str, ...] = (), body: str | None = None,
               description: str | None = None) -> dict[str, Any]:
    responses = dict(ok)
    for status in refusals:
        responses[status] = {"$ref": f"#/components/responses/{_REFUSALS[status]}"}
    responses["401"] = {"$ref": "#/components/responses/AdminUnauthorized"}
    responses["429"] = {"$ref": "#/components/responses/AdminTooManyAttempts"}
    operation: dict[str, Any] = {
        "operationId": operation_id, "tags": ["newsroom"], "summary": summary,
        "security": SECURITY, "responses": responses,
    }
    if description:
        operation["description"] = description
    if body:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref(body)}}}
    return operation


_REFUSALS = {"400": "AdminBadRequest", "403": "AdminForbidden", "404": "AdminNotFound",
             "409": "AdminConflict", "413": "AdminTooLarge"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: str, **extra: Any) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(schema)}}, **extra}


def _created(description: str, schema: str) -> dict[str, Any]:
    return _json(description, schema,
                 headers={"Location": {"$ref": "#/components/headers/Location"}})


def _me() -> dict[str, Any]:
    return _operation("adminMe", "The account the token acts for, with its rights.",
                      {"200": _json("The token's owner.", "AdminMe")})


def _list(languages: list[str]) -> dict[str, Any]:
    def param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False,
                "description": description, "schema": schema}

    operation = _operation(
        "adminListItems", "Items of every status, most recently changed first.",
        {"200": _json("One page of items.", "AdminItemList")}, refusals=("400",))
    operation["parameters"] = [
        param("status", "Keep items in this state.",
              {"type": "string", "enum": list(STATUSES)}),
        param("lang", "Keep items in this language.",
              {"type": "string", "enum": languages}),
        param("kind", "Keep items of this kind.", {"type": "string", "enum": list(KINDS)}),
        param("section", "Keep items of the section with this key.", {"type": "string"}),
        param("q", "Words in the title, with or without Vietnamese marks.",
              {"type": "string", "maxLength": 200}),
        param("page", "Page number, from 1.", {"type": "integer", "minimum": 1,
                                               "default": 1}),
        param("per_page", "Items per page.",
              {"type": "integer", "minimum": 1, "maximum": api.MAX_PER_PAGE,
               "default": api.DEFAULT_PER_PAGE}),
    ]
    return operation


def _create() -> dict[str, Any]:
    return _operation(
        "adminCreateArticle", "Create an article (a draft of the caller's own).",
        {"201": _created("The new item.", "AdminItem")},
        refusals=("400", "403", "409"), body="AdminArticleInput",
        description=(
            "The body is HTML and is sanitised on the server. \"then\" takes a "
            "workflow step right after saving (submit, send_for_approval, ...), "
            "checked like any other; when it is refused, nothing is saved."))


def _get() -> dict[str, Any]:
    return _operation(
        "adminGetItem", "One item: its state, revision, lock and next steps.",
        {"200": _json("The item.", "AdminItem")}, refusals=("403", "404"))


def _patch() -> dict[str, Any]:
    return _operation(
        "adminUpdateArticle", "Change an article; fields left out keep their value.",
        {"200": _json("The item as saved.", "AdminItem")},
        refusals=("400", "403", "404", "409"), body="AdminArticleChanges",
        description=(
            "\"revision\" is the revision the change was made from: when someone "
            "saved in between, or someone else holds the edit lock, the answer "
            "is 409 and nothing is saved. Saving keeps the caller's edit lock "
            "alive but takes none: take it with the lock call while you work."))


def _transition() -> dict[str, Any]:
    return _operation(
        "adminTransition", "Take a workflow step.",
        {"200": _json("The item after the step.", "AdminItem")},
        refusals=("400", "403", "404", "409"), body="AdminTransitionRequest",
        description=(
            "Which roles may take which step is set by administrators; the item's "
            "\"transitions\" lists the steps the caller may take now. A step the "
            "caller's role may take but the item's state does not allow is 409. "
            "\"approve\" with publish_at approves and schedules in one go. Times "
            "without an offset are Asia/Ho_Chi_Minh local time."))


def _takedown() -> dict[str, Any]:
    return _operation(
        "adminSetTakedown", "Set or clear when a published item leaves the site.",
        {"200": _json("The item.", "AdminItem")},
        refusals=("400", "403", "404", "409"), body="AdminTakedownRequest")


def _lock() -> dict[str, Any]:
    return _operation(
        "adminTakeLock", "Take the edit lock, or keep it (a heartbeat).",
        {"200": _json("The lock, now the caller's.", "AdminLock")},
        refusals=("403", "404", "409"),
        description=(
            "A lock without a heartbeat lapses after "
            f"{locks.LOCK_SECONDS} seconds. When someone else holds it the "
            "answer is 409 and its \"lock\" member says who."))


def _release() -> dict[str, Any]:
    return _operation("adminReleaseLock", "Release the caller's edit lock.",
                      {"204": {"description": "Released (or not held)."}},
                      refusals=("404",))


def _takeover() -> dict[str, Any]:
    return _operation(
        "adminTakeOverLock", "Take the edit lock from its holder.",
        {"200": _json("The lock, now the caller's.", "AdminLock")},
        refusals=("403", "404"),
        description="Recorded in the audit trail, noted on the item and notified "
                    "to the previous holder.")


def _notes() -> dict[str, Any]:
    return _operation("adminListNotes", "The item's editorial notes, oldest first.",
                      {"200": _json("The notes.", "AdminNoteList")},
                      refusals=("403", "404"))


def _add_note() -> dict[str, Any]:
    return _operation("adminAddNote", "Add an editorial note to the item.",
                      {"201": _json("The note.", "AdminNote")},
                      refusals=("400", "403", "404"), body="AdminNoteInput")


def _revisions() -> dict[str, Any]:
    return _operation("adminListRevisions", "Every saved version, newest first.",
                      {"200": _json("The revisions.", "AdminRevisionList")},
                      refusals=("403", "404"))


def _upload() -> dict[str, Any]:
    operation = _operation(
        "adminUploadMedia", "Upload an image or a PDF to the media library.",
        {"201": _created("The new file.", "AdminMedia"),
         "200": _json("The same bytes were uploaded before: the earlier file.",
                      "AdminMedia")},
        refusals=("400", "403", "413"),
        description=(
            "The type is found from the content, not the name. Images need "
            "alternative text (alt); they get resized WebP copies."))
    operation["requestBody"] = {"required": True, "content": {
        "multipart/form-data": {"schema": _ref("AdminMediaUpload")}}}
    return operation


# -- schemas ------------------------------------------------------------------


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


TIME = {"type": "string", "description": "ISO 8601, UTC."}
NULLABLE_TIME = _nullable("string", description="ISO 8601, UTC; null when none.")
INPUT_TIME = _nullable("string", description=(
    "ISO 8601 date or date-time; without an offset it is Asia/Ho_Chi_Minh "
    "local time."))


def _object(properties: dict[str, Any], required: list[str] | None = None,
            **extra: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False,
            "required": list(properties) if required is None else required,
            "properties": properties, **extra}


def _schemas(languages: list[str]) -> dict[str, Any]:
    return {
        "AdminMe": _object({
            "id": {"type": "integer"}, "username": {"type": "string"},
            "display_name": {"type": "string"},
            "role": {"type": "string", "enum": list(ROLES)},
            "sections": {"type": "array", "items": {"type": "string"}, "description":
                         "Keys of the sections the account is limited to; empty: all."},
            "transitions": {"type": "array",
                            "items": {"type": "string", "enum": STEPS}},
        }),
        "AdminItemSummary": _object(_summary(languages)),
        "AdminItem": _object(_summary(languages) | _details()),
        "AdminItemList": _object({
            "items": {"type": "array", "items": _ref("AdminItemSummary")},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
        }),
        "AdminLock": _object({
            "holder": {"type": "string", "description": "Who holds it, by name."},
            "mine": {"type": "boolean"}, "since": TIME}),
        "AdminArticleInput": _object(_article_input(languages) | {
            "lang": {"type": "string", "enum": languages},
            "translation_of": _nullable("integer", minimum=1, description=(
                "The item this one translates; the two become language "
                "versions of one story.")),
        }, ["lang", "title", "section"]),
        "AdminArticleChanges": _object(_article_input(languages) | {
            "revision": {"type": "integer", "minimum": 1,
                         "description": "The revision the changes start from."},
            "source_current": {"type": "boolean", "description": (
                "A translation brought up to date with its source: no longer "
                "outdated.")},
        }, ["revision"]),
        "AdminTransitionRequest": _object({
            "name": {"type": "string", "enum": STEPS},
            "reason": {"type": "string", "description": "Required to return an item."},
            "publish_at": INPUT_TIME | {"description": (
                "For schedule (and approve): when to publish. Without an offset "
                "it is Asia/Ho_Chi_Minh local time.")},
            "unpublish_at": INPUT_TIME,
            "revision": _nullable("integer", minimum=1, description=(
                "When given, the step is refused (409) if the item changed since.")),
        }, ["name"]),
        "AdminTakedownRequest": _object({"unpublish_at": INPUT_TIME}),
        "AdminNote": _object({
            "id": {"type": "integer"}, "at": TIME,
            "kind": {"type": "string", "enum": list(notes.KINDS)},
            "author": _nullable("string"), "body": {"type": "string"}}),
        "AdminNoteInput": _object({"body": {"type": "string", "minLength": 1,
                                            "maxLength": notes.MAX_NOTE_LENGTH}}),
        "AdminNoteList": _object({"notes": {"type": "array",
                                            "items": _ref("AdminNote")}}),
        "AdminRevision": _object({
            "revision": {"type": "integer"}, "saved_at": TIME,
            "user_id": _nullable("integer"), "user": _nullable("string"),
            "status": {"type": "string", "enum": list(STATUSES)},
            "title": {"type": "string"}}),
        "AdminRevisionList": _object({"revisions": {"type": "array",
                                                    "items": _ref("AdminRevision")}}),
        "AdminMedia": _object(_media()),
        "AdminMediaUpload": {
            "type": "object", "required": ["file"],
            "properties": {
                "file": {"type": "string", "contentMediaType": "application/octet-stream",
                         "description": "A JPEG, PNG, GIF or WebP image, or a PDF."},
                "alt": {"type": "string", "description": "Required for images."},
                "caption": {"type": "string"}, "credit": {"type": "string"}}},
        "AdminProblem": {"allOf": [_ref("Problem"), {"type": "object", "properties": {
            "action": {"type": "string", "description": "The refused action (403)."},
            "lock": _ref("AdminLock") | {"description": "Who holds the lock (409)."},
        }}]},
    }


def _summary(languages: list[str]) -> dict[str, Any]:
    return {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(KINDS)},
        "lang": {"type": "string", "enum": languages},
        "status": {"type": "string", "enum": list(STATUSES)},
        "revision": {"type": "integer", "minimum": 1},
        "title": {"type": "string"}, "section": _nullable("string"),
        "author_id": _nullable("integer"), "created_at": TIME, "updated_at": TIME,
        "published_at": NULLABLE_TIME,
        "publish_at": NULLABLE_TIME | {"description": "When it is scheduled to appear."},
        "unpublish_at": NULLABLE_TIME | {"description": "When it leaves the site."},
        "url": {"type": "string", "pattern": "^/",
                "description": "Its public address (once published)."},
    }


def _details() -> dict[str, Any]:
    return {
        "summary": {"type": "string"}, "body": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "byline": {"type": "string"}, "featured": {"type": "boolean"},
        "awaiting_review": {"type": "boolean"},
        "lead_image_id": _nullable("integer"), "slug": {"type": "string"},
        "content_revision": {"type": "integer", "description": (
            "The revision its translatable content last changed in.")},
        "translation_group": _nullable("string"),
        "source_item_id": _nullable("integer"),
        "source_revision": _nullable("integer"),
        "outdated": {"type": "boolean", "description": (
            "A translation whose source changed after it was translated.")},
        "lock": {"oneOf": [_ref("AdminLock"), {"type": "null"}]},
        "transitions": {"type": "array", "items": {"type": "string", "enum": STEPS},
                        "description": "The steps the caller may take now."},
    }


def _article_input(languages: list[str]) -> dict[str, Any]:
    return {
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "body": {"type": "string", "description": "HTML; sanitised on the server."},
        "section": {"type": "string", "description": "The section's key."},
        "tags": {"type": "array", "items": {"type": "string"}},
        "byline": {"type": "string"},
        "featured": {"type": "boolean"},
        "awaiting_review": {"type": "boolean",
                            "description": "Khmer text waiting for a native reviewer."},
        "published_at": INPUT_TIME,
        "lead_image_id": _nullable("integer", minimum=1,
                                   description="A file in the media library."),
        "then": {"type": "string", "enum": STEPS,
                 "description": "A workflow step to take after saving."},
    }


def _media() -> dict[str, Any]:
    return {
        "id": {"type": "integer"}, "url": {"type": "string", "pattern": "^/media/"},
        "mime": {"type": "string"}, "bytes": {"type": "integer"},
        "width": _nullable("integer"), "height": _nullable("integer"),
        "original_name": {"type": "string"}, "alt": {"type": "string"},
        "caption": {"type": "string"}, "credit": {"type": "string"},
        "created_at": TIME, "pages": _nullable("integer"),
        "variants": {"type": "array", "items": _object({
            "url": {"type": "string"}, "width": {"type": "integer"},
            "height": {"type": "integer"}})},
        "duplicate": {"type": "boolean", "description": (
            "True when these bytes were uploaded before: the earlier file.")},
    }


def _responses() -> dict[str, Any]:
    def problem(description: str, **extra: Any) -> dict[str, Any]:
        return {"description": description, "content": {
            "application/problem+json": {"schema": _ref("AdminProblem")}}, **extra}

    return {
        "AdminBadRequest": problem(
            "Bad input; invalid_params names each bad field or parameter."),
        "AdminUnauthorized": problem(
            "No token, or one that is unknown or revoked, or whose account is "
            "disabled.",
            headers={"WWW-Authenticate": {"schema": {"type": "string"},
                                          "description": "Bearer"}}),
        "AdminForbidden": problem(
            "The caller's role may not do this (here); \"action\" names it."),
        "AdminNotFound": problem("No such item."),
        "AdminConflict": problem(
            "It clashes with what is stored: a stale revision, someone else's "
            "edit lock, or a step the item's state does not allow."),
        "AdminTooLarge": problem("The file is larger than the library takes."),
        "AdminTooManyAttempts": problem(
            "Too many wrong tokens from this address; wait and try again.",
            headers={"Retry-After": {"schema": {"type": "integer"},
                                     "description": "Seconds to wait."}}),
    }
