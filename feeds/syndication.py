"""RSS 2.0, Atom and JSON Feed 1.1 feeds of the latest published items.

Every feed comes in the three flavours, beside each other: feed.xml (RSS),
atom.xml and feed.json. Each language has its own feeds:

    /{lang}/feed.xml                        news (articles, disclosures) and directives
    /{lang}/{section}/feed.xml              one section
    /{lang}/tags/{slug}/feed.xml            one tag
    /{lang}/documents/feed.xml              directive and legal documents
    /{lang}/documents/directives/feed.xml   directive documents
    /{lang}/documents/legal-documents/feed.xml   legal documents
    /{lang}/procedures/feed.xml             administrative procedures
    /{lang}/services/feed.xml               online public services

RSS and Atom are made by feedgen from the same entries as the JSON Feed, so
they cannot disagree; lead images are enclosures (attachments in JSON
Feed). All are served from the page cache, and pages announce theirs with
<link rel="alternate"> (feed_links).
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path

from aiohttp import web
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedEntry, FeedGenerator

from appliance import __version__
from appliance.i18n import N_
from appliance.app import CONFIG, DB
from appliance.cache import cached
from appliance.config import Config
from appliance.content import (DOCUMENT_KINDS, NEWS_KINDS, Item, Section, Tag,
                               find_tag, get_section, list_items)
from appliance.errors import NotFoundError
from appliance.i18n import gettext as _
from appliance.i18n import lazy_gettext_for, parse_stored

from .links import absolute_url, home_path, section_path, tag_uri

FEED_KINDS = (*NEWS_KINDS, "directive")
RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
JSON_TYPE = "application/feed+json"
FLAVOURS = {"rss": ("feed.xml", RSS_TYPE), "atom": ("atom.xml", ATOM_TYPE),
            "json": ("feed.json", JSON_TYPE)}
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# Kind feeds, by the folder they live in under /{lang}/.
KIND_FOLDERS = {
    "documents": DOCUMENT_KINDS,
    "documents/directives": ("directive",),
    "documents/legal-documents": ("legal_document",),
    "procedures": ("procedure",),
    "services": ("public_service",),
}
KIND_TITLES = {
    "documents": N_("Legal and directive documents"),
    "documents/directives": N_("Directive documents"),
    "documents/legal-documents": N_("Legal documents"),
    "procedures": N_("Administrative procedures"),
    "services": N_("Online public services"),
}
GENERATOR = "Portal appliance"
# Characters XML 1.0 cannot carry; imported text sometimes holds them, and
# lxml refuses the whole feed rather than one title.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_LINK_TITLES = {
    ("rss", False): N_("Latest news (RSS)"),
    ("atom", False): N_("Latest news (Atom)"),
    ("json", False): N_("Latest news (JSON Feed)"),
    ("rss", True): N_("%(section)s (RSS)"),
    ("atom", True): N_("%(section)s (Atom)"),
    ("json", True): N_("%(section)s (JSON Feed)"),
}


def feed_links(lang: str, section_key: str | None = None,
               section_name: str | None = None) -> list[dict[str, str]]:
    """The feeds of a page, for <link rel="alternate"> in its head: the
    language's, or a section's."""
    folder = f"/{lang}/" if section_key is None else f"/{lang}/{section_key}/"
    return _links(lang, folder, section_name or section_key)


def tag_feed_links(lang: str, slug: str, name: str) -> list[dict[str, str]]:
    return _links(lang, f"/{lang}/tags/{slug}/", name)


def kind_feed_links(lang: str, folder: str) -> list[dict[str, str]]:
    """The feeds of a listing page (documents, procedures, services)."""
    return _links(lang, f"/{lang}/{folder}/", lazy_gettext_for(lang, KIND_TITLES[folder]))


def _links(lang: str, folder: str, name: str | None) -> list[dict[str, str]]:
    links = []
    for flavour, (file, mime) in FLAVOURS.items():
        title = lazy_gettext_for(lang, _LINK_TITLES[(flavour, name is not None)],
                                 section=name or "")
        links.append({"href": folder + file, "type": mime, "title": title})
    return links


def feed_path(lang: str, section_key: str | None, flavour: str) -> str:
    folder = f"/{lang}/" if section_key is None else f"/{lang}/{section_key}/"
    return folder + FLAVOURS[flavour][0]


# -- reading ------------------------------------------------------------------

@dataclass
class FeedData:
    section: Section | None
    items: list[Item]
    image_sizes: dict[int, int]
    tag: Tag | None = None
    folder: str | None = None  # a kind feed's folder (KIND_FOLDERS)


def read_feed(conn: sqlite3.Connection, lang: str, section_key: str | None,
              limit: int, media_dir: Path, tag_slug: str | None = None,
              folder: str | None = None) -> FeedData | None:
    """A feed's latest items, newest first; None when its section or tag is
    unknown. Without a section, tag or kind folder: news and directives."""
    section = tag = None
    kinds: tuple[str, ...] | None = FEED_KINDS
    if section_key is not None:
        section = get_section(conn, section_key)
        if section is None:
            return None
        kinds = None
    elif tag_slug is not None:
        tag = find_tag(conn, lang, tag_slug)
        if tag is None:
            return None
        kinds = None
    elif folder is not None:
        kinds = KIND_FOLDERS[folder]
    items = list_items(conn, lang=lang, kinds=kinds,
                       section_id=section.id if section else None,
                       tag_id=tag.id if tag else None, limit=limit)
    if tag is not None and not items:
        # As the tag's page: a tag only unpublished items carry is unknown, so
        # neither its name nor that it exists shows before they are public.
        return None
    return FeedData(section, items, _image_sizes(items, media_dir), tag, folder)


def _image_sizes(items: list[Item], media_dir: Path) -> dict[int, int]:
    # An RSS enclosure must state its length, and an image whose file is
    # gone must not be announced; the file itself answers both.
    sizes: dict[int, int] = {}
    for item in items:
        image = item.lead_image
        if image is not None and image.id not in sizes:
            with contextlib.suppress(OSError):
                sizes[image.id] = (media_dir / image.path).stat().st_size
    return sizes


# -- handlers -----------------------------------------------------------------

@cached
async def rss(request: web.Request) -> web.Response:
    return await _render(request, "rss")


@cached
async def atom(request: web.Request) -> web.Response:
    return await _render(request, "atom")


@cached
async def json_feed(request: web.Request) -> web.Response:
    return await _render(request, "json")


def _kind_folder(request: web.Request) -> str | None:
    """The kind folder of a kind feed's route (/{lang}/documents/feed.xml)."""
    canonical = request.match_info.route.resource.canonical
    folder = canonical.removeprefix("/{lang}/").rsplit("/", 1)[0]
    return folder if folder in KIND_FOLDERS else None


async def _render(request: web.Request, flavour: str) -> web.Response:
    config = request.app[CONFIG]
    lang = request.match_info["lang"]
    section_key = request.match_info.get("section")
    tag_slug = request.match_info.get("slug")
    folder = _kind_folder(request)
    if lang not in config.languages:
        raise NotFoundError(_("There is no feed at this address."))

    data = await request.app[DB].read(read_feed, lang, section_key,
                                      config["content.feed_size"], config.media_dir,
                                      tag_slug, folder)
    if data is None:
        if tag_slug is not None:
            raise NotFoundError(_("There is no tag “%(key)s”, so it has no feed.",
                                  key=tag_slug))
        raise NotFoundError(_("There is no section “%(key)s”, so it has no feed.",
                              key=section_key))
    path = request.path
    if flavour == "json":
        body = json.dumps(_json_feed(config, lang, data, path), ensure_ascii=False)
        return web.Response(text=body, content_type=JSON_TYPE, charset="utf-8")
    generator = _feed(config, lang, data, path, flavour)
    for item in data.items:
        _entry(generator.add_entry(order="append"), config, item, data.image_sizes)
    body = generator.rss_str() if flavour == "rss" else generator.atom_str()
    return web.Response(body=body, content_type=FLAVOURS[flavour][1], charset="utf-8")


# -- building -----------------------------------------------------------------

def _feed(config: Config, lang: str, data: FeedData, path: str,
          flavour: str) -> FeedGenerator:
    """The channel: who publishes it, in which language, and where it lives."""
    base = config.base_url
    title, home, subtitle = _describe(config, lang, data)
    owner, email = config.site_owner(lang), config["site.email"]

    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    generator.register_extension("atom_links", BaseExtension, _AtomEntryLinks,
                                 atom=True, rss=False)
    generator.id(absolute_url(base, path))
    generator.title(title)
    generator.subtitle(subtitle)
    # feedgen takes the channel's RSS <link> from the last link given.
    generator.link(href=absolute_url(base, path), rel="self",
                   type=FLAVOURS[flavour][1])
    generator.link(href=absolute_url(base, home), rel="alternate", type="text/html")
    generator.language(lang)
    generator.author({"name": owner, "email": email} if email else {"name": owner})
    if email:
        generator.managingEditor(f"{email} ({owner})")
    generator.rights(f"© {owner}")
    generator.generator(GENERATOR, version=__version__)
    generator.updated(_latest_change(data.items))
    return generator


def _describe(config: Config, lang: str, data: FeedData) -> tuple[str, str, str]:
    """The feed's title, the page it belongs to, and a line about it."""
    site = config.site_name(lang)
    if data.section is not None:
        name = data.section.name(lang)
        home = section_path(lang, data.section.key)
    elif data.tag is not None:
        name, home = data.tag.name, data.tag.url
    elif data.folder is not None:
        name = _(KIND_TITLES[data.folder])
        home = f"/{lang}/{data.folder.split('/')[0]}/"
    else:
        return site, home_path(lang), _("Latest news and directives from %(site)s",
                                         site=site)
    return (f"{name} – {site}", home,
            _("Latest items in %(section)s, from %(site)s", section=name, site=site))


def _json_feed(config: Config, lang: str, data: FeedData, path: str) -> dict:
    """The feed as JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    base = config.base_url
    title, home, subtitle = _describe(config, lang, data)
    return {
        "version": JSON_FEED_VERSION, "title": title,
        "home_page_url": absolute_url(base, home),
        "feed_url": absolute_url(base, path), "description": subtitle,
        "language": lang, "authors": [{"name": config.site_owner(lang)}],
        "items": [_json_item(base, item, data.image_sizes) for item in data.items],
    }


def _json_item(base: str, item: Item, image_sizes: dict[int, int]) -> dict:
    entry: dict = {
        "id": tag_uri(base, item.created_at, item.id),
        "url": absolute_url(base, item.url), "title": item.title,
        "content_text": _description(item) or item.title,
        "date_modified": _rfc3339(item.updated_at), "language": item.lang,
    }
    if item.summary:
        entry["summary"] = item.summary
    if item.published_at:
        entry["date_published"] = _rfc3339(item.published_at)
    if item.byline:
        entry["authors"] = [{"name": item.byline}]
    if item.tags:
        entry["tags"] = [tag.name for tag in item.tags]
    image = item.lead_image
    if image is not None and image.id in image_sizes:
        entry["image"] = absolute_url(base, image.url)
        entry["attachments"] = [{"url": entry["image"], "mime_type": image.mime,
                                 "size_in_bytes": image_sizes[image.id]}]
    return entry


def _rfc3339(stored: str) -> str:
    return parse_stored(stored).isoformat()


def _latest_change(items: list[Item]) -> datetime:
    # The newest change among the entries, so an unchanged feed is byte for
    # byte the same (and keeps its ETag); an empty feed says "now".
    moments = [parse_stored(item.updated_at) for item in items]
    if not moments:
        return datetime.now(UTC).replace(microsecond=0)
    return max(moments)


def _entry(entry: FeedEntry, config: Config, item: Item,
           image_sizes: dict[int, int]) -> None:
    base = config.base_url
    entry.guid(tag_uri(base, item.created_at, item.id), permalink=False)
    entry.title(xml_text(item.title))
    entry.link(href=absolute_url(base, item.url), rel="alternate", type="text/html")
    description = xml_text(_description(item))
    if description:
        entry.summary(description)
    if item.published_at:
        entry.published(parse_stored(item.published_at))
    entry.updated(parse_stored(item.updated_at))
    entry.dc.dc_date(item.updated_at)
    byline = xml_text(item.byline)
    if byline:
        entry.author({"name": byline})
        entry.dc.dc_creator(byline)
    for tag in item.tags:
        entry.category(term=xml_text(tag.name), label=xml_text(tag.name),
                       scheme=absolute_url(base, tag.url))
    image = item.lead_image
    if image is not None and image.id in image_sizes:
        entry.enclosure(absolute_url(base, image.url), image_sizes[image.id],
                        image.mime)
    entry.atom_links.links = entry.link()


class _AtomEntryLinks(BaseEntryExtension):
    """feedgen 1.0 writes an Atom entry's links with their href alone (it
    reads rel, type and length back from the new element, not from the link
    given), which turns the image enclosure into a second alternate link.
    This puts the attributes back."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry):
        for element, link in zip(entry.findall("link"), self.links, strict=True):
            for key in ("rel", "type", "length", "hreflang", "title"):
                if link.get(key):
                    element.set(key, link[key])
        return entry


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _description(item: Item) -> str:
    """The summary; a document without one is described by its particulars."""
    if item.summary:
        return item.summary
    document = item.document or {}
    parts = [document.get("number"), document.get("doc_type"), document.get("issuer")]
    return " · ".join(part for part in parts if part)
