"""What every public page shares: the frame around the content (navigation,
language switcher, meta tags), absolute addresses, and paging."""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Collection, Mapping
from urllib.parse import quote, urlencode

import aiohttp_jinja2
from aiohttp import web

from appliance import content, navigation
from appliance.app import CONFIG, DB
from appliance.config import Config
from appliance.i18n import N_, lazy_gettext_for
from appliance.i18n import gettext as _
from appliance.text import html_to_text, truncate
from feeds import feed_links
from search.query import MAX_QUERY_CHARS

from . import labels


OG_LOCALES = {"vi": "vi_VN", "en": "en_US", "km": "km_KH"}
DESCRIPTION_LENGTH = 160
HEADER_SECTIONS = 4


@dataclass
class NavSection:
    key: str
    name: str
    name_lang: str
    count: int


@dataclass
class Meta:
    """The head of a page and where its language switcher leads."""

    title: str
    description: str
    path: str | None  # canonical path; None on error pages
    query: dict[str, Any] = field(default_factory=dict)
    alternates: dict[str, str] = field(default_factory=dict)
    switch: dict[str, str] = field(default_factory=dict)
    og_type: str = "website"
    image: str | None = None
    area: str = ""  # which navigation entry is current
    noindex: bool = False  # search results stay out of indexes
    # The page's own feeds (feeds.feed_links), announced before the site's.
    feeds: list[dict[str, str]] = field(default_factory=list)
    # Why a switcher link leads elsewhere than this page, by language.
    switch_notes: dict[str, str] = field(default_factory=dict)
    # schema.org JSON-LD blocks (web.seo), each put in its own data block.
    structured: list[dict[str, Any]] = field(default_factory=list)
    image_alt: str = ""
    rating_target: str = ""  # the page a rating is for; "" rates the portal
    published: str | None = None  # article:published_time
    modified: str | None = None


def setup_templates(app: web.Application) -> None:
    """Filters and globals the public templates use, and the nav cache."""
    env = aiohttp_jinja2.get_env(app)
    env.filters.update(
        excerpt=lambda text, n=DESCRIPTION_LENGTH: truncate(html_to_text(text), n),
        plain_lines=plain_lines,
        step_parts=step_parts,
        local_url=local_url,
        section_label=section_label,
        ld_json=_ld_json,
    )
    env.globals.update(
        labels=labels,
        page_link=page_link,
        feed_links=feed_links,
        search_max_chars=MAX_QUERY_CHARS,
    )


def _ld_json(data: dict[str, Any]) -> str:
    from .seo import ld_json  # seo builds on this module

    return ld_json(data)


# -- addresses ----------------------------------------------------------------


def absolute(config: Config, path: str, query: Mapping[str, Any] | None = None) -> str:
    """An absolute address on this site, percent-encoded (Khmer slugs)."""
    url = config.base_url + quote(path, safe="/-._~%")
    pairs = {
        k: v
        for k, v in (query or {}).items()
        if v not in (None, "") and not (k == "page" and v == 1)
    }
    if pairs:
        url += "?" + urlencode(pairs)
    return url


def local_url(item: content.Item, lang: str) -> str:
    """Where an item is read under the interface language `lang`.

    Documents, procedures and services often exist only in Vietnamese; they
    are shown under every language prefix, so a reader keeps their interface.
    """
    if item.lang == lang or item.kind in content.NEWS_KINDS:
        return item.url
    return content.item_url(item.kind, lang, item.slug, item.section_key)


def page_link(path: str, query: Mapping[str, Any], page: int) -> str:
    """The address of one page of a listing, keeping its filters."""
    pairs = {k: v for k, v in query.items() if v not in (None, "") and k != "page"}
    if page > 1:
        pairs["page"] = page
    return quote(path, safe="/-._~%") + ("?" + urlencode(pairs) if pairs else "")


def section_label(section: content.Section, lang: str) -> tuple[str, str]:
    """A section's name in `lang`, or in Vietnamese (and say so) when missing."""
    if section.names.get(lang):
        return section.names[lang], lang
    return section.name("vi"), "vi"


def plain_lines(text: str | list[str] | None) -> list[str]:
    """Stored plain text (procedure fields, steps) as its non-empty lines."""
    if isinstance(text, list):
        text = "\n".join(text)
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


_STEP_LABEL = re.compile(r"^((?:Bước|Step|ជំហាន)\s*\d+\s*[:.])\s*", re.IGNORECASE)


def step_parts(line: str) -> tuple[str, str]:
    """("Bước 2:", the rest) for a line that starts a step, else ("", line)."""
    match = _STEP_LABEL.match(line)
    if match is None:
        return "", line
    return match.group(1), line[match.end() :]


# -- paging -------------------------------------------------------------------


# ASCII digits only: str.isdigit() also takes "²" and "٣", which int() refuses.
# Six digits are far past the last page of any listing, which is then a 404.
_PAGE_NUMBER = re.compile(r"[0-9]{1,6}")


def page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    if not _PAGE_NUMBER.fullmatch(raw) or int(raw) < 1:
        raise web.HTTPBadRequest(
            text=_("The page number must be a whole number from 1.")
        )
    return int(raw)


@dataclass
class Pagination:
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def check(self) -> Pagination:
        """A page past the last one does not exist."""
        if self.page > self.pages:
            raise web.HTTPNotFound()
        return self

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers to show, with None where a run is skipped."""
        shown = {1, self.pages} | set(range(self.page - size, self.page + size + 1))
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in numbers:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


# -- the frame ----------------------------------------------------------------


def _nav_sections(conn: sqlite3.Connection, lang: str) -> list[NavSection]:
    counts = content.section_counts(conn, lang)
    found = []
    for section in content.list_sections(conn):
        if counts.get(section.id):
            name, name_lang = section_label(section, lang)
            found.append(NavSection(section.key, name, name_lang, counts[section.id]))
    return found


async def nav_sections(request: web.Request, lang: str) -> list[NavSection]:
    """Sections that have published items in `lang`, in their configured order."""
    return await request.config_dict[DB].read(_nav_sections, lang)


def default_switch(config: Config, lang: str, path: str) -> dict[str, str]:
    """Each other language's home page; this page for the current language."""
    return {
        other: (path if other == lang else f"/{other}/") for other in config.languages
    }


NO_VERSION = N_(
    "This story has no %(language)s version; the link opens the %(language)s home page."
)


def no_version_notes(
    config: Config, lang: str, versions: Collection[str]
) -> dict[str, str]:
    """Notes for the languages a story lacks, each written in that language.

    The switcher names every language in itself (lang="…" on its link), so
    the note that comes with the name is in that language too.
    """
    notes = {}
    for code in config.languages:
        if code != lang and code not in versions:
            language = lazy_gettext_for(code, labels.language(code))
            notes[code] = lazy_gettext_for(code, NO_VERSION, language=language)
    return notes


def same_page_switch(
    config: Config, lang: str, path: str, query: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The same page under each language prefix (listings, documents)."""
    rest = path.split("/", 2)[2] if path.count("/") >= 2 else ""
    return {
        other: page_link(f"/{other}/{rest}", query or {}, 1)
        for other in config.languages
    }


async def render(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    meta: Meta,
    *,
    status: int = 200,
    lang: str | None = None,
) -> web.Response:
    """Render a public page inside the site frame, in the language of the
    address unless `lang` says otherwise (previews live under /admin)."""
    config = request.config_dict[CONFIG]
    lang = lang or request.match_info["lang"]
    sections = await nav_sections(request, lang)
    menus = await request.config_dict[DB].read(navigation.menu_links, lang)
    frame = {
        "lang": lang,
        "meta": meta,
        "nav_sections": sections,
        "header_sections": sections[:HEADER_SECTIONS],
        # Menus editors set replace the section-based links when not empty.
        "main_menu": menus["main"],
        "footer_menu": menus["footer"],
        "current_path": request.path,
        "canonical": absolute(config, meta.path, meta.query) if meta.path else None,
        "alternate_urls": {
            code: absolute(config, path) for code, path in meta.alternates.items()
        },
        "og_locale": OG_LOCALES.get(lang, lang),
        "image_url": absolute(config, meta.image) if meta.image else None,
        "search_query": "",
    }
    response = aiohttp_jinja2.render_template(
        template, request, frame | context, status=status
    )
    response.headers["Content-Language"] = lang
    return response


def describe(item: content.Item) -> str:
    """A meta description: the summary, else the start of the text."""
    text = item.summary or html_to_text(item.body) or item.title
    return truncate(text, DESCRIPTION_LENGTH)
