"""The feeds added beside RSS and Atom (JSON Feed, tag and kind feeds) in
OpenAPI 3.1, merged into the document at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from appliance.config import Config

from .syndication import FLAVOURS, KIND_FOLDERS

_LABELS = {"rss": ("Rss", "RSS 2.0"), "atom": ("Atom", "Atom"),
           "json": ("Json", "JSON Feed 1.1")}


def _path(name: str, description: str, pattern: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "pattern": pattern}}


def _operation(operation_id: str, summary: str, mime: str,
               parameters: list[dict[str, Any]]) -> dict[str, Any]:
    return {"get": {
        "operationId": operation_id, "tags": ["feeds"], "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": summary,
                    "content": {mime: {"schema": {"type": "string"}
                                       if mime != "application/feed+json"
                                       else {"type": "object"}}}},
            "404": {"description": "No such language, section or tag (an HTML page).",
                    "content": {"text/html": {"schema": {"type": "string"}}}},
        }}}


def describe(config: Config) -> dict[str, Any]:
    lang = {"name": "lang", "in": "path", "required": True,
            "description": "Language of the feed.",
            "schema": {"type": "string", "enum": config.languages}}
    section = _path("section", "The section's key, as in its address.",
                    "^[a-z0-9][a-z0-9-]*$")
    tag = _path("slug", "The tag's slug, as in its address.", "^[^/]+$")
    paths: dict[str, Any] = {}
    for flavour, (file, mime) in FLAVOURS.items():
        name, label = _LABELS[flavour]
        if flavour == "json":
            paths[f"/{{lang}}/{file}"] = _operation(
                "getJsonFeed", "JSON Feed of the latest news and directives in a "
                "language.", mime, [lang])
            paths[f"/{{lang}}/{{section}}/{file}"] = _operation(
                "getJsonSectionFeed", "JSON Feed of the latest items in one section.",
                mime, [lang, section])
        paths[f"/{{lang}}/tags/{{slug}}/{file}"] = _operation(
            f"get{name}TagFeed", f"{label} feed of the latest items with one tag.",
            mime, [lang, tag])
        for folder in KIND_FOLDERS:
            words = folder.replace("/", " ").replace("-", " ").title().replace(" ", "")
            paths[f"/{{lang}}/{folder}/{file}"] = _operation(
                f"get{name}{words}Feed",
                f"{label} feed of the latest {folder.split('/')[-1].replace('-', ' ')}.",
                mime, [lang])
    return {"paths": paths}
