"""RSS and Atom feeds: parsed by feedparser, checked entry by entry."""

from __future__ import annotations

import calendar
from datetime import datetime, UTC

import feedparser
import pytest
from feeds_support import BASE, HOSTILE_TITLE, local

from appliance.app import DB
from appliance.content import ItemInput, save_item
from feeds import feed_links

# feedparser reads RSS and Atom; the JSON Feed has tests of its own.
FLAVOURS = {"feed.xml": "application/rss+xml", "atom.xml": "application/atom+xml"}
XML_FLAVOURS = tuple(FLAVOURS)


async def fetch_feed(client, path: str) -> feedparser.FeedParserDict:
    response = await client.get(path)
    assert response.status == 200, path
    assert response.content_type == FLAVOURS[path.rsplit("/", 1)[1]]
    assert response.charset == "utf-8"
    parsed = feedparser.parse(await response.read())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def stamp(parsed_time) -> str:
    """A feedparser time as stored: UTC, ISO 8601, Z."""
    moment = datetime.fromtimestamp(calendar.timegm(parsed_time), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def titles(parsed) -> list[str]:
    return [entry.title for entry in parsed.entries]


@pytest.mark.parametrize("name", FLAVOURS)
async def test_language_feed_holds_the_news_and_directives_newest_first(
        client, news, name):
    parsed = await fetch_feed(client, f"/vi/{name}")
    expected = ["harvest", "directive", "hostile", "notice", "undated"]
    assert [entry.link for entry in parsed.entries] == [
        BASE + news[key].url for key in expected]
    assert parsed.feed.language == "vi"
    assert parsed.feed.title == "Cổng thông tin điện tử tỉnh An Giang"


@pytest.mark.parametrize("name", FLAVOURS)
async def test_feed_entries_carry_dates_authors_categories_and_images(
        client, config, news, name):
    parsed = await fetch_feed(client, f"/vi/{name}")
    entries = {entry.link.rsplit("/", 1)[1]: entry for entry in parsed.entries}
    harvest = entries[news["harvest"].slug]

    assert stamp(harvest.published_parsed) == news["harvest"].published_at
    assert stamp(harvest.updated_parsed) == news["harvest"].updated_at
    assert harvest.author == "Minh Anh"
    assert sorted(tag.term for tag in harvest.tags) == ["Nông nghiệp", "Đất đai"]
    assert harvest.summary == "Năng suất lúa vụ Đông Xuân đạt cao."
    (enclosure,) = harvest.enclosures
    assert enclosure.type == "image/jpeg"
    assert int(enclosure.length) == (config.media_dir / "test/lead.jpg").stat().st_size
    assert enclosure.href == f"{BASE}/media/test/lead.jpg"
    assert harvest.id.startswith("tag:localhost,")

    undated = entries[news["undated"].slug]
    assert "published_parsed" not in undated
    assert undated.updated_parsed is not None


@pytest.mark.parametrize("name, published, updated", [
    ("feed.xml", "<pubDate>Fri, 01 Mar 2024 01:00:00 +0000</pubDate>",
     "<lastBuildDate>"),
    ("atom.xml", "<published>2024-03-01T01:00:00+00:00</published>", "<updated>"),
])
async def test_dates_are_written_as_each_format_wants(client, news, name, published,
                                                       updated):
    # RSS wants RFC 822 dates, Atom RFC 3339; 08:00 in An Giang is 01:00 UTC.
    raw = await (await client.get(f"/vi/{name}")).text()
    assert published in raw and updated in raw


@pytest.mark.parametrize("name", FLAVOURS)
async def test_every_link_in_a_feed_resolves(client, news, name):
    parsed = await fetch_feed(client, f"/vi/{name}")
    links = {parsed.feed.link}
    for entry in parsed.entries:
        links.add(entry.link)
        links.update(enclosure.href for enclosure in entry.get("enclosures", []))
        links.update(tag.scheme for tag in entry.get("tags", []) if tag.get("scheme"))
    assert len(links) > 8
    for link in links:
        assert link.startswith(f"{BASE}/")
        response = await client.get(local(link))
        assert response.status == 200, link


@pytest.mark.parametrize("name", FLAVOURS)
async def test_feed_says_where_it_lives(client, news, name):
    parsed = await fetch_feed(client, f"/en/tin-tuc/{name}")
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [f"{BASE}/en/tin-tuc/{name}"]
    assert parsed.feed.link == f"{BASE}/en/tin-tuc/"
    assert parsed.feed.title == "News – An Giang Provincial Portal"


@pytest.mark.parametrize("name", XML_FLAVOURS)
async def test_markup_in_titles_is_text_not_markup(client, news, name):
    response = await client.get(f"/vi/{name}")
    raw = await response.text()
    assert "<script>" not in raw and "<b>" not in raw
    assert "&lt;b&gt;tăng&lt;/b&gt;" in raw
    parsed = feedparser.parse(raw.encode())
    (entry,) = [e for e in parsed.entries if e.link.endswith(news["hostile"].slug)]
    assert entry.title == HOSTILE_TITLE
    assert entry.title_detail.type == "text/plain"
    assert entry.summary == "Giá lúa <i>trong</i> tuần."


@pytest.mark.parametrize("name", FLAVOURS)
@pytest.mark.parametrize("lang, expected", [
    ("en", ["harvest_en", "announcement_en"]),
    ("km", ["harvest_km"]),
])
async def test_each_language_has_its_own_feed(client, news, name, lang, expected):
    parsed = await fetch_feed(client, f"/{lang}/{name}")
    assert titles(parsed) == [news[key].title for key in expected]
    assert parsed.feed.language == lang


@pytest.mark.parametrize("name", FLAVOURS)
@pytest.mark.parametrize("path, expected", [
    ("/vi/tin-tuc", ["harvest", "hostile", "undated"]),
    ("/vi/thong-bao", ["notice"]),
    ("/en/thong-bao", ["announcement_en"]),
])
async def test_section_feeds_hold_only_their_section(client, news, name, path,
                                                     expected):
    parsed = await fetch_feed(client, f"{path}/{name}")
    assert [entry.link for entry in parsed.entries] == [
        BASE + news[key].url for key in expected]


@pytest.mark.parametrize("name", FLAVOURS)
async def test_drafts_documents_and_procedures_stay_out_of_the_news_feed(
        client, news, name):
    parsed = await fetch_feed(client, f"/vi/{name}")
    shown = set(titles(parsed))
    for key in ("draft", "law", "procedure"):
        assert news[key].title not in shown


async def test_a_document_without_summary_is_described_by_its_particulars(
        client, news):
    parsed = await fetch_feed(client, "/vi/feed.xml")
    (entry,) = [e for e in parsed.entries if e.title == news["directive"].title]
    assert entry.summary == "12/CT-UBND · Chỉ thị · UBND tỉnh An Giang"


async def test_feed_size_follows_the_setting(client, news, config):
    config.values["content.feed_size"] = 2
    parsed = await fetch_feed(client, "/vi/atom.xml")
    assert [e.link for e in parsed.entries] == [
        BASE + news[key].url for key in ("harvest", "directive")]


async def test_an_item_keeps_its_id_when_it_moves_section(client, news):
    before = await fetch_feed(client, "/vi/atom.xml")
    first_id = before.entries[0].id
    item = news["harvest"]
    moved = ItemInput(kind="article", lang="vi", title=item.title,
                      section_key="thong-bao", published_at=item.published_at)
    await client.app[DB].write(save_item, moved, item_id=item.id)
    after = await fetch_feed(client, "/vi/atom.xml")
    assert after.entries[0].id == first_id
    assert after.entries[0].link.endswith("/vi/thong-bao/" + item.slug)


async def test_feeds_are_cached_and_revalidated(client, news):
    first = await client.get("/vi/feed.xml")
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = await client.get("/vi/feed.xml", headers={"If-None-Match": etag})
    assert again.status == 304

    extra = ItemInput(kind="article", lang="vi", section_key="tin-tuc",
                      title="Tin mới nhất trong ngày", published_at="2024-05-01T07:00")
    await client.app[DB].write(save_item, extra, status="published")
    changed = await client.get("/vi/feed.xml", headers={"If-None-Match": etag})
    assert changed.status == 200
    assert "Tin mới nhất trong ngày" in await changed.text()


async def test_feeds_may_be_read_by_scripts_on_other_sites(client, news):
    response = await client.get("/vi/tin-tuc/feed.xml")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", [
    "/vi/khong-co-chuyen-muc/feed.xml",
    "/en/no-such-section/atom.xml",
    "/fr/feed.xml",
])
async def test_no_feed_for_an_unknown_section_or_language(client, news, path):
    response = await client.get(path)
    assert response.status == 404
    assert "Traceback" not in await response.text()


async def test_control_characters_from_imports_do_not_break_a_feed(client, news):
    odd = ItemInput(kind="article", lang="vi", section_key="tin-tuc",
                    title="Tin\x08 có ký tự\x00 lạ", summary="Tóm\x1b tắt",
                    byline="Phóng\x07 viên", published_at="2024-06-01T07:00")
    await client.app[DB].write(save_item, odd, status="published")
    for name in FLAVOURS:
        parsed = await fetch_feed(client, f"/vi/{name}")
        assert parsed.entries[0].title == "Tin có ký tự lạ"
        assert parsed.entries[0].summary == "Tóm tắt"


async def test_an_empty_site_still_has_valid_feeds(client):
    for name in FLAVOURS:
        parsed = await fetch_feed(client, f"/km/{name}")
        assert parsed.entries == []


@pytest.mark.parametrize("lang", ["vi", "en", "km"])
async def test_feed_links_for_page_heads_resolve(client, news, lang):
    links = feed_links(lang) + feed_links(lang, "tin-tuc", "Tin tức")
    kinds = [*FLAVOURS.values(), "application/feed+json"]
    assert [link["type"] for link in links] == kinds * 2
    for link in links:
        response = await client.get(link["href"])
        assert response.status == 200
        assert response.content_type == link["type"]
        assert link["title"]
    assert "Tin tức" in links[len(kinds)]["title"]


def test_feed_link_titles_are_in_the_page_language():
    assert feed_links("vi")[0]["title"] == "Tin mới nhất (RSS)"
    assert feed_links("en")[1]["title"] == "Latest news (Atom)"
    assert feed_links("km")[0]["title"] == "ព័ត៌មានថ្មីៗ (RSS)"


async def test_khmer_addresses_are_percent_encoded_and_resolve(client, news):
    parsed = await fetch_feed(client, "/km/feed.xml")
    link = parsed.entries[0].link
    assert link.isascii() and "%E1%9E" in link
    response = await client.get(local(link))
    assert response.status == 200
