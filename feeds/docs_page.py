"""The API's documentation page, /api/v1/docs: the OpenAPI document at
/api/v1/openapi.json rendered on the server as one readable page, so
partners need no outside host and the strict CSP holds (no script)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from appliance.app import CONFIG
from appliance.cache import cached
from appliance.i18n import set_language

from . import openapi

PATH = "/api/v1/docs"
METHODS = ("get", "post", "put", "patch", "delete")


def type_of(schema: dict[str, Any] | None) -> str:
    """A schema in a few words: "string", "Article", "array of Tag", "a | b"."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "enum" in schema:
        return " | ".join("null" if v is None else str(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    for word in ("oneOf", "anyOf", "allOf"):
        if word in schema:
            return " | ".join(type_of(part) for part in schema[word])
    kind = schema.get("type", "")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if kind == "array" or "array" in kind:
        return kind.replace("array", f"array of {type_of(schema.get('items'))}")
    return kind or "object"


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation, grouped by the document's tags, in their order."""
    groups = {tag["name"]: {"tag": tag, "operations": []} for tag in document["tags"]}
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            tag = (operation.get("tags") or ["other"])[0]
            group = groups.setdefault(tag, {"tag": {"name": tag}, "operations": []})
            group["operations"].append({
                "method": method.upper(), "path": path, "op": operation,
                "parameters": [resolve(document, p) for p in
                               shared + operation.get("parameters", [])],
                "responses": {code: resolve(document, answer) for code, answer in
                              operation.get("responses", {}).items()},
            })
    return [group for group in groups.values() if group["operations"]]


def resolve(document: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """A parameter or response behind a $ref."""
    reference = value.get("$ref")
    if not reference:
        return value
    found: Any = document
    for part in reference.removeprefix("#/").split("/"):
        found = found[part]
    return found


@cached
async def docs(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    set_language("en")  # the description is written in English
    document = openapi.build(config, request.app.get(openapi.OPENAPI_PARTS, []))
    return aiohttp_jinja2.render_template("feeds/api_docs.html", request, {
        "lang": "en", "doc": document, "groups": operations(document),
        "schemas": document["components"].get("schemas", {}),
        "schemes": document["components"].get("securitySchemes", {}),
        "type_of": type_of,
    })


def describe(config) -> dict[str, Any]:
    page = {"text/html": {"schema": {"type": "string"}}}
    return {"paths": {PATH: {"get": {
        "operationId": "getApiDocs", "tags": ["operations"],
        "summary": "This API's documentation, as a page to read.",
        "responses": {"200": {"description": "The page.", "content": page}}}}}}


def setup_docs(app: web.Application) -> None:
    app.router.add_get(PATH, docs, name="feeds.api_docs")
    app[openapi.OPENAPI_PARTS].append(describe)
