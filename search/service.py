"""The search part in the server: its API route (suggestions as people
type), and its background jobs: syncing outside sources on their
schedules, and writing the day's search counts.

    GET /api/v1/search/suggest?q=&lang=   suggestions (search.suggest)

Each due source is synced in a task of its own, at most `sources.parallel`
at a time, so a source that hangs holds up no other; a task that runs past
`sources.sync_minutes` is stopped and its source marked failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from appliance.app import CONFIG, DB, SCHEDULER
from appliance.cache import cached
from appliance.config import Config
from appliance.i18n import set_language

from . import querylog, sources, sync
from .fetch import Limits
from .suggest import MAX_SUGGESTIONS, suggestions

log = logging.getLogger("portal.search")

SUGGEST_PATH = "/api/v1/search/suggest"
SOURCES_EVERY_SECONDS = 30
QUERY_LOG = web.AppKey("query_log", querylog.QueryLog)
SYNCS = web.AppKey("source_syncs", dict)
MAX_SUGGEST_QUERY = 200


def setup(app: web.Application) -> None:
    app[QUERY_LOG] = querylog.QueryLog()
    app[SYNCS] = {}
    app.router.add_get(SUGGEST_PATH, suggest, name="search.suggest")
    app[SCHEDULER].every("sources", SOURCES_EVERY_SECONDS, start_due_syncs)
    app[SCHEDULER].every("search-counts", querylog.FLUSH_SECONDS, save_query_counts)
    app.cleanup_ctx.append(_stop_syncs)
    from feeds.openapi import OPENAPI_PARTS

    if OPENAPI_PARTS in app:
        app[OPENAPI_PARTS].append(openapi_part)


def limits(config: Config) -> Limits:
    return Limits(timeout=float(config["sources.timeout"]),
                  max_bytes=int(config["sources.max_mb"]) * 1024 * 1024)


async def start_due_syncs(app: web.Application) -> None:
    """Start a sync for each source whose time has come and is not syncing."""
    db = app[DB]
    running: dict[int, asyncio.Task] = app[SYNCS]
    due = await db.read(sources.due_sources)
    for source in due:
        if source.id in running:
            continue
        running[source.id] = asyncio.create_task(_sync(app, source.id),
                                                 name=f"sync:{source.name}")


_gates: dict[int, asyncio.Semaphore] = {}


async def _sync(app: web.Application, source_id: int) -> None:
    config = app[CONFIG]
    gate = _gates.setdefault(id(app), asyncio.Semaphore(max(1, config["sources.parallel"])))
    try:
        async with gate:
            # Reasons a record was skipped are kept worded: in the site's language.
            set_language(config.default_language)
            await sync.sync_source(sync.DatabaseStore(app[DB]), source_id, limits(config),
                                   deadline=config["sources.sync_minutes"] * 60)
    except Exception:  # one source's fault never stops the others
        log.exception("source sync crashed", extra={"source_id": source_id})
    finally:
        app[SYNCS].pop(source_id, None)


async def sync_now(app: web.Application, source_id: int) -> None:
    """Sync one source at once (the admin's button), unless it is syncing."""
    await app[DB].write(sources.schedule_now, source_id)
    await start_due_syncs(app)


async def _stop_syncs(app: web.Application) -> AsyncIterator[None]:
    yield
    tasks = list(app[SYNCS].values())
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    _gates.pop(id(app), None)
    await save_query_counts(app)


async def save_query_counts(app: web.Application) -> None:
    config = app[CONFIG]
    rows = app[QUERY_LOG].take()
    if rows and config["search.log_queries"]:
        await app[DB].write(querylog.save_counts, rows, config["search.keep_query_days"])


FOUND = web.RequestKey("search_found", int)


def note_query(request: web.Request, text: str, found: int) -> None:
    """Say how many results a search found (the handlers behind `counted`)."""
    request[FOUND] = found


def counted(read_query):
    """Count every first-page search a handler answers, from the cache or
    not; `read_query(request)` gives the query text, or None to skip."""

    def decorate(handler):
        @functools.wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            try:
                response = await handler(request)
            except web.HTTPFound:  # a number that goes straight to its item
                _note(request, read_query(request))
                raise
            if response.status in (200, 304):
                _note(request, read_query(request))
            return response

        return wrapper

    return decorate


def _note(request: web.Request, text: str | None) -> None:
    if text and request.config_dict[CONFIG]["search.log_queries"] \
            and QUERY_LOG in request.config_dict:
        request.config_dict[QUERY_LOG].note(text, request.get(FOUND))


def first_page_query(request: web.Request) -> str | None:
    if request.query.get("page", "1") not in ("", "1"):
        return None
    return request.query.get("q", "")


@cached
async def suggest(request: web.Request) -> web.Response:
    from feeds.api import json_response

    config = request.app[CONFIG]
    q = request.query.get("q", "")[:MAX_SUGGEST_QUERY]
    lang = request.query.get("lang") or None
    if lang is not None and lang not in config.languages:
        lang = None
    found = await request.app[DB].read(suggestions, q, lang, MAX_SUGGESTIONS)
    return json_response({"query": " ".join(q.split()), "suggestions": found})


def openapi_part(config: Config) -> dict:
    suggestion = {
        "type": "object", "required": ["text", "url", "kind"],
        "properties": {
            "text": {"type": "string"},
            "url": {"type": ["string", "null"],
                    "description": "The item's address, when the suggestion is one."},
            "kind": {"type": ["string", "null"]},
        },
    }
    return {
        "paths": {SUGGEST_PATH: {"get": {
            "operationId": "suggest",
            "tags": ["search"],
            "summary": "Suggestions as people type.",
            "description": (
                "Titles of procedures, online services and documents holding the "
                "words typed, the last one as a prefix, and queries others searched "
                "that start the same way."),
            "parameters": [
                {"name": "q", "in": "query", "required": False,
                 "description": "What was typed so far.",
                 "schema": {"type": "string", "maxLength": MAX_SUGGEST_QUERY}},
                {"name": "lang", "in": "query", "required": False,
                 "description": "Keep suggestions in this language.",
                 "schema": {"type": "string", "enum": config.languages}},
            ],
            "responses": {"200": {
                "description": "Up to eight suggestions.",
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["query", "suggestions"],
                    "properties": {"query": {"type": "string"},
                                   "suggestions": {"type": "array",
                                                   "items": suggestion}}}}},
            }},
        }}},
    }
