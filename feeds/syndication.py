"""RSS 2.0 and Atom feeds of the latest published items.

/{lang}/feed.xml and /{lang}/atom.xml carry one language's news (articles
and disclosures) and directive documents; /{lang}/{section}/feed.xml and
atom.xml carry one section. Both flavours are made by feedgen from the same
entries, so they cannot disagree, and both are served from the page cache.
"""

from __future__ import annotations

import contextlib
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
from appliance.content import NEWS_KINDS, Item, Section, get_section, list_items
from appliance.errors import NotFoundError
from appliance.i18n import gettext as _
from appliance.i18n import lazy_gettext_for, parse_stored

from .links import absolute_url, home_path, section_path, tag_uri

FEED_KINDS = (*NEWS_KINDS, "directive")
RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
FLAVOURS = {"rss": ("feed.xml", RSS_TYPE), "atom": ("atom.xml", ATOM_TYPE)}
GENERATOR = "Portal appliance"
# Characters XML 1.0 cannot carry; imported text sometimes holds them, and
# lxml refuses the whole feed rather than one title.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_LINK_TITLES = {
    ("rss", False): N_("Latest news (RSS)"),
    ("atom", False): N_("Latest news (Atom)"),
    ("rss", True): N_("%(section)s (RSS)"),
    ("atom", True): N_("%(section)s (Atom)"),
}


def feed_links(lang: str, section_key: str | None = None,
               section_name: str | None = None) -> list[dict[str, str]]:
    """The feeds of a page, for <link rel="alternate"> in its head."""
    links = []
    for flavour in FLAVOURS:
        message = _LINK_TITLES[(flavour, section_key is not None)]
        title = lazy_gettext_for(lang, message,
                                 section=section_name or section_key or "")
        links.append({"href": feed_path(lang, section_key, flavour),
                      "type": FLAVOURS[flavour][1], "title": title})
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


def read_feed(conn: sqlite3.Connection, lang: str, section_key: str | None,
              limit: int, media_dir: Path) -> FeedData | None:
    """A feed's latest items, newest first; None when the section is unknown."""
    section = None
    if section_key is not None:
        section = get_section(conn, section_key)
        if section is None:
            return None
    items = list_items(conn, lang=lang, kinds=None if section else FEED_KINDS,
                       section_id=section.id if section else None, limit=limit)
    return FeedData(section, items, _image_sizes(items, media_dir))


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


async def _render(request: web.Request, flavour: str) -> web.Response:
    config = request.app[CONFIG]
    lang = request.match_info["lang"]
    section_key = request.match_info.get("section")
    if lang not in config.languages:
        raise NotFoundError(_("There is no feed at this address."))

    data = await request.app[DB].read(read_feed, lang, section_key,
                                      config["content.feed_size"], config.media_dir)
    if data is None:
        raise NotFoundError(_("There is no section “%(key)s”, so it has no feed.",
                              key=section_key))
    generator = _feed(config, lang, data, feed_path(lang, section_key, flavour),
                      flavour)
    for item in data.items:
        _entry(generator.add_entry(order="append"), config, item, data.image_sizes)
    body = generator.rss_str() if flavour == "rss" else generator.atom_str()
    return web.Response(body=body, content_type=FLAVOURS[flavour][1], charset="utf-8")


# -- building -----------------------------------------------------------------

def _feed(config: Config, lang: str, data: FeedData, path: str,
          flavour: str) -> FeedGenerator:
    """The channel: who publishes it, in which language, and where it lives."""
    base = config.base_url
    site = config.site_name(lang)
    if data.section is None:
        title, home = site, home_path(lang)
        subtitle = _("Latest news and directives from %(site)s", site=site)
    else:
        name = data.section.name(lang)
        title, home = f"{name} – {site}", section_path(lang, data.section.key)
        subtitle = _("Latest items in %(section)s, from %(site)s",
                     section=name, site=site)
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
