"""The API described in OpenAPI 3.1, served at /api/v1/openapi.json.

It covers what partners and monitoring call today: search, the health
check, the feeds, the sitemap and robots.txt. The schemas are the contract
the tests hold the live answers to, so the description cannot drift.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from appliance import __version__
from appliance.app import CONFIG
from appliance.cache import cached
from appliance.config import Config
from appliance.content import KINDS, LEGAL_STATUSES

from search.query import MAX_QUERY_CHARS

from .api import (
    DEFAULT_PER_PAGE,
    MAX_PAGE,
    MAX_PER_PAGE,
    json_response,
)
from .sitemap import URLS_PER_PART

OPENAPI_VERSION = "3.1.0"
# Parts that serve their own API under /api/ describe it here: functions of
# the config returning {"tags": [...], "paths": {...}, "components": {...}},
# merged into this document (the newsroom's JSON API: newsroom.api_spec).
OPENAPI_PARTS = web.AppKey("openapi_parts", list)


@cached
async def openapi(request: web.Request) -> web.Response:
    return json_response(build(request.app[CONFIG], request.app.get(OPENAPI_PARTS, [])))


def build(config: Config, parts: list | None = None) -> dict[str, Any]:
    document = _public(config)
    for describe in parts or []:
        extra = describe(config)
        document["tags"] += extra.get("tags", [])
        document["paths"] |= extra.get("paths", {})
        for name, entries in extra.get("components", {}).items():
            document["components"].setdefault(name, {}).update(entries)
    return document


def _public(config: Config) -> dict[str, Any]:
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{config.site_name('en')} API",
            "version": __version__,
            "summary": "Feeds, read API, open data, widgets, webhooks' sources, "
                       "partners' pushes and the newsroom's API of the provincial "
                       "portal.",
            "description": (
                "Search across news, documents and administrative procedures; "
                "published content as JSON with cursor pages; RSS, Atom and JSON "
                "Feed; open datasets with a DCAT catalogue; news widgets; pushes "
                "from partners; the newsroom's actions for staff; the health "
                "check. Errors from /api/ are RFC 9457 problem details; their "
                "detail is in the language of Accept-Language (en, vi or km), "
                "English by default. Calls under /api/ are rate-limited per "
                "client address, or per partner key (higher)."),
        },
        "servers": [{"url": config.base_url}],
        "tags": [{"name": "search"}, {"name": "feeds"}, {"name": "operations"}],
        "paths": _paths(config.languages),
        "components": {"schemas": _schemas(config.languages),
                       "headers": _headers(), "responses": _responses()},
    }


# -- paths --------------------------------------------------------------------

def _paths(languages: list[str]) -> dict[str, Any]:
    part = _path_param("number", "Part number, from 1.",
                       {"type": "integer", "minimum": 1})
    paths = {
        "/api/v1/search": {"get": _search_operation(languages)},
        "/api/v1/openapi.json": {"get": _openapi_operation()},
        "/healthz": {"get": _health_operation()},
        "/sitemap.xml": {"get": _text_operation(
            "getSitemapIndex", "The sitemap index, pointing at its parts.",
            "application/xml")},
        "/sitemaps/{number}.xml": {"get": _text_operation(
            "getSitemapPart",
            f"One part of the sitemap: up to {URLS_PER_PART:,} addresses.",
            "application/xml", [part])},
        "/sitemaps/{lang}/{number}.xml": {"get": _text_operation(
            "getLanguageSitemapPart",
            f"One part of a language's sitemap: up to {URLS_PER_PART:,} addresses "
            "with their other language versions and images.",
            "application/xml",
            [_path_param("lang", "Language of the addresses.",
                         {"type": "string", "enum": languages}), part])},
        "/sitemaps/news.xml": {"get": _text_operation(
            "getNewsSitemap", "The news sitemap: stories of the last two days.",
            "application/xml")},
        "/robots.txt": {"get": _text_operation(
            "getRobots", "Rules for crawlers, with the sitemap's address.",
            "text/plain")},
    }
    return paths | _feed_paths(languages)


def _feed_paths(languages: list[str]) -> dict[str, Any]:
    lang = _path_param("lang", "Language of the feed.",
                       {"type": "string", "enum": languages})
    section = _path_param("section", "The section's key, as in its address.",
                          {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"})
    paths = {}
    for name, flavour, mime in (("feed.xml", "Rss", "application/rss+xml"),
                                ("atom.xml", "Atom", "application/atom+xml")):
        label = "RSS 2.0" if flavour == "Rss" else "Atom"
        paths[f"/{{lang}}/{name}"] = {"get": _text_operation(
            f"get{flavour}Feed",
            f"{label} feed of the latest news and directives in a language.",
            mime, [lang])}
        paths[f"/{{lang}}/{{section}}/{name}"] = {"get": _text_operation(
            f"get{flavour}SectionFeed",
            f"{label} feed of the latest items in one section.", mime,
            [lang, section])}
    return paths


def _search_operation(languages: list[str]) -> dict[str, Any]:
    return {
        "operationId": "search",
        "tags": ["search"],
        "summary": "Search every kind of content at once.",
        "description": (
            "Vietnamese matches with and without tone marks; document numbers "
            "match exactly. Snippets are HTML with <mark> around the matches."),
        "parameters": [
            _query_param("q", "The words to find; empty finds nothing.",
                         {"type": "string", "maxLength": MAX_QUERY_CHARS}),
            {**_query_param("kind", "Keep results of these kinds; may repeat.",
                            {"type": "array", "items": {"type": "string",
                                                        "enum": list(KINDS)}}),
             "style": "form", "explode": True},
            _query_param("lang", "Keep results in this language.",
                         {"type": "string", "enum": languages}),
            _query_param("page", "Page number, from 1.",
                         {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                          "default": 1}),
            _query_param("per_page", "Results per page.",
                         {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                          "default": DEFAULT_PER_PAGE}),
            *_facet_params(),
            _query_param("sort", "relevance (the default) or date, newest first.",
                         {"type": "string", "enum": ["relevance", "date"],
                          "default": "relevance"}),
        ],
        "responses": {
            "200": {
                "description": "One page of results, with a count per kind.",
                "headers": {
                    "Access-Control-Allow-Origin":
                        {"$ref": "#/components/headers/AllowOrigin"},
                    "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
                },
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SearchAnswer"}}},
            },
            "400": {"$ref": "#/components/responses/BadRequest"},
        },
    }


_FACET_PARAMS = (
    ("section", "Keep news of these sections (their keys).", {"type": "string"}),
    ("issuer", "Keep documents of these issuing bodies.", {"type": "string"}),
    ("doc_type", "Keep documents of these types (Nghị định, Quyết định, ...).",
     {"type": "string"}),
    ("field", "Keep procedures of these fields.", {"type": "string"}),
    ("year", "Keep items of these years.", {"type": "string", "pattern": "^[0-9]{4}$"}),
    ("status", "Keep legal documents with these statuses.",
     {"type": "string", "enum": list(LEGAL_STATUSES)}),
)


def _facet_params() -> list[dict[str, Any]]:
    return [{**_query_param(name, description + " May repeat: any of them.",
                            {"type": "array", "items": schema}),
             "style": "form", "explode": True}
            for name, description, schema in _FACET_PARAMS]


def _openapi_operation() -> dict[str, Any]:
    document = {"application/json": {"schema": {"type": "object"}}}
    return {
        "operationId": "getOpenApi", "tags": ["operations"],
        "summary": "This description of the API.",
        "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                              "content": document}},
    }


def _health_operation() -> dict[str, Any]:
    health = {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
    return {
        "operationId": "health", "tags": ["operations"],
        "summary": "Whether the appliance and its database are usable.",
        "responses": {
            "200": {"description": "Working.", "content": health},
            "503": {"description": "Degraded; the reason says why.", "content": health},
        },
    }


def _text_operation(operation_id: str, summary: str, mime: str,
                    parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id, "tags": ["feeds"], "summary": summary,
        "responses": {
            "200": {"description": summary,
                    "content": {mime: {"schema": {"type": "string"}}}},
            "404": {"description": "No such feed, section or part (an HTML page).",
                    "content": {"text/html": {"schema": {"type": "string"}}}},
        },
    }
    if parameters:
        operation["parameters"] = parameters
    return operation


def _query_param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False,
            "description": description, "schema": schema}


def _path_param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "description": description, "schema": schema}


# -- components ---------------------------------------------------------------

def _schemas(languages: list[str]) -> dict[str, Any]:
    nullable_string = {"type": ["string", "null"]}
    return {
        "SearchAnswer": {
            "type": "object",
            "additionalProperties": False,
            "required": ["query", "total", "total_exact", "page", "per_page",
                         "items", "facets"],
            "properties": {
                "query": {"type": "string", "description": "The query as understood."},
                "total": {"type": "integer", "minimum": 0},
                "total_exact": {"type": "boolean", "description":
                                "False when a time limit cut the count short."},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "items": {"type": "array",
                          "items": {"$ref": "#/components/schemas/SearchItem"}},
                "facets": {
                    "type": "object",
                    "required": ["kind"],
                    "description": (
                        "Matches per value of each facet. The kind facet counts "
                        "every kind whatever the kind filter; the others count the "
                        "results as filtered. When total_exact is false, the counts "
                        "are estimates (past 10,000 matches)."),
                    "properties": {"kind": {
                        "type": "object",
                        "description": "Matches per kind, whatever the kind filter.",
                        "propertyNames": {"enum": list(KINDS)},
                        "additionalProperties": {"type": "integer", "minimum": 0}},
                        **{name: {"$ref": "#/components/schemas/FacetCounts"}
                           for name in ("lang", "section", "issuer", "doc_type",
                                        "field", "year", "status")}},
                },
            },
        },
        "SearchItem": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", "id", "external_id", "title", "url", "snippet",
                         "date", "lang"],
            "properties": {
                "kind": {"type": "string", "enum": list(KINDS)},
                "id": {"type": "string"},
                "external_id": nullable_string,
                "title": {"type": "string"},
                "url": {"type": "string", "pattern": "^/",
                        "description": "The item's address on this site."},
                "snippet": {"type": "string",
                            "description": "HTML; matches are inside <mark>."},
                "date": {**nullable_string, "description": "ISO 8601, or null."},
                "lang": {"type": "string", "enum": languages},
            },
        },
        "FacetCounts": {
            "type": "object",
            "description": "Matches per value, the commonest first (at most 30).",
            "additionalProperties": {"type": "integer", "minimum": 0},
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details.",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "invalid_params": {
                    "type": "array",
                    "items": {"type": "object", "required": ["name", "reason"],
                              "properties": {"name": {"type": "string"},
                                             "reason": {"type": "string"}}}},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "version"],
            "properties": {
                "status": {"type": "string", "enum": ["ok", "degraded"]},
                "version": {"type": "string"},
                "schema": {"type": "integer"},
                "reason": {"type": "string"},
            },
        },
    }


def _headers() -> dict[str, Any]:
    return {
        "AllowOrigin": {"description": "Any site may read the answer.",
                        "schema": {"type": "string", "const": "*"}},
        "CacheControl": {"description": "Answers may be cached briefly.",
                         "schema": {"type": "string"}},
    }


def _responses() -> dict[str, Any]:
    return {
        "BadRequest": {
            "description": "A parameter is bad; invalid_params names each one.",
            "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}},
        },
    }
