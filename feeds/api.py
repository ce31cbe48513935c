"""The public read API: GET /api/v1/search (its description: openapi.py).

Partners (component sites, the mobile app, the open data portal) call these
from anywhere, so answers allow any origin and may be cached briefly. Bad
parameters get RFC 9457 problem details that name each one, with the reason
in the caller's language (Accept-Language; English when none is asked for).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.content import KINDS, LEGAL_STATUSES
from appliance.errors import UserError
from appliance.i18n import gettext as _
from appliance.i18n import negotiate, set_language
from search.engine import SORTS, run_search
from search.index import FACETS
from search.query import MAX_QUERY_CHARS
from search.service import counted, first_page_query, note_query

log = logging.getLogger("portal.feeds")

SEARCH_PATH = "/api/v1/search"
OPENAPI_PATH = "/api/v1/openapi.json"
SEARCHABLE_KINDS = KINDS  # dossiers are not content: never stored, never searched
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Deeper pages rank ever more candidates for results nobody reads.
MAX_PAGE = 1000
API_LANGUAGES = ("en", "vi", "km")

ANSWER_KEYS = ("query", "total", "total_exact", "page", "per_page", "items", "facets")
ITEM_KEYS = ("kind", "id", "external_id", "title", "url", "snippet", "date", "lang")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


# -- parameters ---------------------------------------------------------------

MAX_FACET_VALUE_CHARS = 200
_YEAR = re.compile(r"[0-9]{4}")


@dataclass
class SearchParams:
    q: str
    kinds: list[str] | None
    lang: str | None
    page: int
    per_page: int
    facets: dict[str, list[str]] | None = None
    sort: str = "relevance"


class InvalidParams(UserError):
    """One or more bad query parameters, each with its reason; the core's
    error middleware answers with problem details listing them."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(
            " ".join(reason for _name, reason in problems),
            {"invalid_params": [{"name": name, "reason": reason}
                                for name, reason in problems]})
        self.problems = problems


def parse_search_params(query: MultiMapping[str], languages: list[str]) -> SearchParams:
    """Check every parameter and report all the bad ones at once."""
    problems: list[tuple[str, str]] = []
    for name in ("q", "lang", "page", "per_page", "sort"):
        if len(query.getall(name, [])) > 1:
            problems.append((name, _("%(name)s is given more than once.", name=name)))

    q = _CONTROL.sub(" ", query.get("q", ""))
    if len(q) > MAX_QUERY_CHARS:
        problems.append(("q", _("q is longer than %(max)s characters.",
                                max=MAX_QUERY_CHARS)))
    kinds = _kinds(query.getall("kind", []), problems)
    lang = query.get("lang") or None
    if lang is not None and lang not in languages:
        problems.append(("lang", _("lang “%(value)s” is not offered: use one of "
                                   "%(langs)s.", value=lang,
                                   langs=", ".join(languages))))
    page = _whole_number(query, "page", 1, MAX_PAGE, 1, problems)
    per_page = _whole_number(query, "per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE,
                             problems)
    facets = _facets(query, problems)
    sort = query.get("sort") or "relevance"
    if sort not in SORTS:
        problems.append(("sort", _("sort “%(value)s” is not offered: use one of "
                                   "%(sorts)s.", value=sort, sorts=", ".join(SORTS))))
    if problems:
        raise InvalidParams(problems)
    return SearchParams(q.strip(), kinds, lang, page, per_page, facets, sort)


def _facets(query: MultiMapping[str], problems: list[tuple[str, str]]) -> dict:
    """Facet filters (section=, issuer=, ...; each may repeat): a result
    needs one of the values of each facet given."""
    chosen: dict[str, list[str]] = {}
    for name in FACETS:
        values = [" ".join(_CONTROL.sub(" ", v).split())
                  for v in query.getall(name, []) if v.strip()]
        for value in values:
            if len(value) > MAX_FACET_VALUE_CHARS:
                problems.append((name, _("%(name)s is longer than %(max)s characters.",
                                         name=name, max=MAX_FACET_VALUE_CHARS)))
            elif name == "year" and not _YEAR.fullmatch(value):
                problems.append((name, _("year must have four digits, such as 2024.")))
            elif name == "status" and value not in LEGAL_STATUSES:
                problems.append((name, _("status “%(value)s” is not a legal status: use "
                                         "one of %(statuses)s.", value=value,
                                         statuses=", ".join(LEGAL_STATUSES))))
        if values:
            chosen[name] = values
    return chosen


def _kinds(values: list[str], problems: list[tuple[str, str]]) -> list[str] | None:
    kinds = []
    for value in values:
        if value == "":  # a form's "every kind" choice
            continue
        if value not in SEARCHABLE_KINDS:
            problems.append(("kind", _("kind “%(value)s” cannot be searched: use one "
                                       "of %(kinds)s.", value=value,
                                       kinds=", ".join(SEARCHABLE_KINDS))))
        elif value not in kinds:
            kinds.append(value)
    return kinds or None


def _whole_number(query: MultiMapping[str], name: str, low: int, high: int,
                  default: int, problems: list[tuple[str, str]]) -> int:
    text = query.get(name)
    if text is None or text == "":
        return default
    if _WHOLE_NUMBER.fullmatch(text) and low <= int(text) <= high:
        return int(text)
    problems.append((name, _("%(name)s must be a whole number from %(low)s to "
                             "%(high)s.", name=name, low=low, high=high)))
    return default


# -- answers ------------------------------------------------------------------

def public_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """Exactly the documented shape: partners rely on it, so whatever else
    the engine returns for the site's own pages stays out of the API."""
    shaped = {key: answer[key] for key in ANSWER_KEYS}
    shaped["items"] = [{key: item.get(key) for key in ITEM_KEYS}
                       for item in answer["items"]]
    return shaped


def json_response(data: Any) -> web.Response:
    return web.Response(text=json.dumps(data, ensure_ascii=False),
                        content_type="application/json", charset="utf-8")


# -- handlers -----------------------------------------------------------------

@counted(first_page_query)
@cached
async def search(request: web.Request) -> web.Response:
    set_language(negotiate(request.headers.get("Accept-Language"), API_LANGUAGES))
    config = request.app[CONFIG]
    try:
        params = parse_search_params(request.query, config.languages)
    except InvalidParams as error:
        names = [name for name, _reason in error.problems]
        log.debug("bad search parameters", extra={"params": names})
        raise

    answer = await request.app[DB].read(
        run_search, params.q, params.kinds, params.lang, params.page, params.per_page,
        facets=params.facets, sort=params.sort, suggest=False)
    note_query(request, params.q, answer["total"])
    return json_response(public_answer(answer))


PUBLIC_READ_PATHS = frozenset({SEARCH_PATH, OPENAPI_PATH})
_FEED_ROUTES = frozenset({"feeds.rss", "feeds.atom", "feeds.section_rss",
                          "feeds.section_atom"})


async def allow_cross_origin(request: web.Request,
                             response: web.StreamResponse) -> None:
    """Public data may be read by scripts on any site, error answers too;
    with "*" browsers send no cookies, so nothing private can leak."""
    route = request.match_info.route.name if request.match_info else None
    if request.path in PUBLIC_READ_PATHS or route in _FEED_ROUTES:
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
