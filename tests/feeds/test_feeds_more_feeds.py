"""JSON Feed 1.1 beside RSS and Atom, and the feeds per tag and per kind:
valid against the specification (a JSON Schema written from it), the same
entries as the RSS feed, and announced by their pages."""

from __future__ import annotations

import re
from datetime import datetime

import feedparser
import pytest
from feeds_support import BASE
from jsonschema import Draft202012Validator

from appliance.app import DB
from appliance.content import ItemInput, save_item

# JSON Feed 1.1 (https://jsonfeed.org/version/1.1), the parts a feed of
# this portal uses, with what the specification requires.
_TEXT = {"type": "string"}
JSON_FEED = {
    "type": "object",
    "required": ["version", "title", "items"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": _TEXT, "home_page_url": _TEXT, "feed_url": _TEXT,
        "description": _TEXT, "language": _TEXT,
        "authors": {"type": "array", "items": {"$ref": "#/$defs/author"}},
        "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
    },
    "$defs": {
        "author": {"type": "object", "minProperties": 1,
                   "properties": {"name": _TEXT, "url": _TEXT, "avatar": _TEXT}},
        "item": {
            "type": "object", "required": ["id"],
            "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
            "properties": {
                "id": _TEXT, "url": _TEXT, "title": _TEXT, "content_html": _TEXT,
                "content_text": _TEXT, "summary": _TEXT, "image": _TEXT,
                "date_published": _TEXT, "date_modified": _TEXT, "language": _TEXT,
                "authors": {"type": "array", "items": {"$ref": "#/$defs/author"}},
                "tags": {"type": "array", "items": _TEXT},
                "attachments": {"type": "array", "items": {
                    "type": "object", "required": ["url", "mime_type"],
                    "properties": {"url": _TEXT, "mime_type": _TEXT, "title": _TEXT,
                                   "size_in_bytes": {"type": "integer"}}}},
            },
        },
    },
}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


async def json_feed(client, path: str) -> dict:
    response = await client.get(path)
    assert response.status == 200, path
    assert response.content_type == "application/feed+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    feed = await response.json(content_type=None)
    errors = list(Draft202012Validator(JSON_FEED).iter_errors(feed))
    assert not errors, errors[0].message
    for item in feed["items"]:
        for name in ("date_published", "date_modified"):
            if name in item:
                assert RFC3339.match(item[name]), item[name]
    return feed


async def rss(client, path: str) -> feedparser.FeedParserDict:
    response = await client.get(path)
    assert response.status == 200, path
    parsed = feedparser.parse(await response.read())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_the_json_feed_holds_what_the_rss_feed_holds(client, config, news):
    feed = await json_feed(client, "/vi/feed.json")
    parsed = await rss(client, "/vi/feed.xml")
    assert [item["url"] for item in feed["items"]] == [e.link for e in parsed.entries]
    assert [item["id"] for item in feed["items"]] == [e.id for e in parsed.entries]
    assert feed["language"] == "vi"
    assert feed["feed_url"] == f"{BASE}/vi/feed.json"
    assert feed["home_page_url"] == f"{BASE}/vi/"

    harvest = feed["items"][0]
    stored = news["harvest"]
    assert moment(harvest["date_published"]) == moment(stored.published_at)
    assert moment(harvest["date_modified"]) == moment(stored.updated_at)
    assert harvest["title"] == stored.title
    assert harvest["content_text"] == harvest["summary"] == stored.summary
    assert harvest["authors"] == [{"name": "Minh Anh"}]
    assert sorted(harvest["tags"]) == ["Nông nghiệp", "Đất đai"]
    (attachment,) = harvest["attachments"]
    size = (config.media_dir / "test/lead.jpg").stat().st_size
    assert attachment == {"url": f"{BASE}/media/test/lead.jpg", "mime_type": "image/jpeg",
                          "size_in_bytes": size}
    undated = [i for i in feed["items"] if i["title"] == news["undated"].title][0]
    assert "date_published" not in undated


async def test_each_language_and_section_has_its_json_feed(client, news):
    english = await json_feed(client, "/en/feed.json")
    assert [i["title"] for i in english["items"]] == [
        news["harvest_en"].title, news["announcement_en"].title]
    assert {i["language"] for i in english["items"]} == {"en"}
    khmer = await json_feed(client, "/km/tin-tuc/feed.json")
    assert [i["title"] for i in khmer["items"]] == [news["harvest_km"].title]
    assert khmer["title"] == "ព័ត៌មាន – វិបផតថលខេត្តអានយ៉ាង"


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
async def test_a_tag_has_its_feed(client, news, name):
    parsed = await rss(client, f"/vi/tags/nong-nghiep/{name}")
    assert [e.link for e in parsed.entries] == [BASE + news["harvest"].url]
    assert parsed.feed.title.startswith("Nông nghiệp – ")
    feed = await json_feed(client, "/vi/tags/nong-nghiep/feed.json")
    assert [i["url"] for i in feed["items"]] == [BASE + news["harvest"].url]
    missing = await client.get(f"/vi/tags/khong-co/{name}")
    assert missing.status == 404


@pytest.mark.parametrize("path, expected", [
    ("/vi/documents/feed.xml", ["directive", "law"]),
    ("/vi/documents/directives/feed.xml", ["directive"]),
    ("/vi/documents/legal-documents/atom.xml", ["law"]),
    ("/vi/procedures/feed.xml", ["procedure"]),
    ("/vi/services/feed.xml", []),
    ("/en/documents/feed.xml", []),
])
async def test_each_kind_has_its_feed(client, news, path, expected):
    parsed = await rss(client, path)
    assert [e.link for e in parsed.entries] == [BASE + news[k].url for k in expected]
    assert parsed.feed.language == path.split("/")[1]
    feed = await json_feed(client, path.rsplit("/", 1)[0] + "/feed.json")
    assert [i["url"] for i in feed["items"]] == [BASE + news[k].url for k in expected]


async def test_nothing_scheduled_appears_in_a_feed_before_its_time(client, news):
    later = ItemInput(kind="article", lang="vi", section_key="tin-tuc",
                      title="Tin đăng năm sau", published_at="2999-01-01T08:00",
                      tags=["Bí mật năm sau"])
    saved = await client.app[DB].write(save_item, later, status="published")
    assert saved.status == "scheduled"
    for path in ("/vi/feed.xml", "/vi/tin-tuc/atom.xml"):
        assert "Tin đăng năm sau" not in await (await client.get(path)).text()
    assert "Tin đăng năm sau" not in await (await client.get("/vi/feed.json")).text()
    # Its own tag is unknown until then, to feeds as to pages.
    for path in ("/vi/tags/bi-mat-nam-sau/feed.xml", "/vi/tags/bi-mat-nam-sau/feed.json",
                 "/vi/tags/bi-mat-nam-sau"):
        response = await client.get(path)
        assert response.status == 404, path
        assert "Bí mật" not in await response.text()


_ALTERNATE = re.compile(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"')


@pytest.mark.parametrize("page, own", [
    ("/vi/tags/nong-nghiep", "/vi/tags/nong-nghiep/"),
    ("/vi/documents/", "/vi/documents/"),
    ("/en/procedures/", "/en/procedures/"),
    ("/km/services/", "/km/services/"),
])
async def test_pages_announce_their_own_feeds(client, news, page, own):
    html = await (await client.get(page)).text()
    announced = _ALTERNATE.findall(html)
    assert announced[:3] == [("application/rss+xml", own + "feed.xml"),
                             ("application/atom+xml", own + "atom.xml"),
                             ("application/feed+json", own + "feed.json")]
    for _type, href in announced:
        assert (await client.get(href)).status == 200
    if own == "/vi/documents/":  # each kind's own feed too
        hrefs = [href for _type, href in announced]
        assert "/vi/documents/directives/feed.xml" in hrefs
        assert "/vi/documents/legal-documents/atom.xml" in hrefs
