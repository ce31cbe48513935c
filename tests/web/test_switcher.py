"""The language switcher: the same story in the other language when there is
a translation, that language's home page when there is none, and the same
page for listings, documents and procedures."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from web_support import get_page, text_of

from appliance.i18n import language_name, lazy_gettext_for


async def test_story_with_translations_leads_to_them(site, client, config):
    page = await get_page(client, site.urls["story-vi"])
    assert page.switcher == {
        "vi": site.urls["story-vi"],
        "en": site.urls["story-en"],
        "km": site.urls["story-km"],
    }
    assert page.alternates == {
        lang: config.base_url + quote(site.urls[f"story-{lang}"])
        for lang in ("vi", "en", "km")
    }


async def test_translation_leads_back(site, client):
    page = await get_page(client, site.urls["story-en"])
    assert page.switcher["vi"] == site.urls["story-vi"]
    translations = [a.get("href") for a in page.all(".//p[@class='translations']/a")]
    assert translations == [site.urls["story-vi"], site.urls["story-km"]]


async def test_story_without_translation_leads_to_the_other_home_pages(site, client):
    page = await get_page(client, site.urls["only-vi"])
    assert page.switcher == {"vi": site.urls["only-vi"], "en": "/en/", "km": "/km/"}
    assert page.alternates == {}


NO_VERSION = (
    "This story has no %(language)s version; the link opens the %(language)s home page."
)


def _no_version(code: str) -> str:
    """The note in the language the link leads to (the link's own lang)."""
    names = {"vi": "Vietnamese", "en": "English", "km": "Khmer"}
    language = lazy_gettext_for(code, names[code])
    return lazy_gettext_for(code, NO_VERSION, language=language)


@pytest.mark.parametrize(
    "story, lang, missing", [("only-vi", "vi", ("en", "km")), ("story-vi", "vi", ())]
)
async def test_switcher_says_when_the_story_has_no_version_in_a_language(
    site, client, story, lang, missing
):
    page = await get_page(client, site.urls[story])
    links = {a.get("hreflang"): a for a in page.all(".//nav[@class='languages']//a")}
    for code, link in links.items():
        hidden = link.find("span[@class='visually-hidden']")
        if code not in missing:
            assert link.get("title") is None and hidden is None, code
            continue
        name = language_name(code)
        note = _no_version(code)
        assert link.get("lang") == code
        assert text_of(hidden) == f"— {note}"
        assert text_of(link) == f"{name} — {note}"  # the accessible name
        assert link.get("title") == f"{name} — {note}"


async def test_no_version_note_is_written_in_the_language_it_leads_to(site, client):
    page = await get_page(client, site.urls["only-vi"])
    titles = {
        a.get("hreflang"): a.get("title")
        for a in page.all(".//nav[@class='languages']//a")
    }
    assert titles["en"] == (
        "English — This story has no English version; "
        "the link opens the English home page."
    )
    assert titles["km"].startswith("ភាសាខ្មែរ — ")
    assert "English" not in titles["km"]


async def test_switcher_names_each_language_in_itself(site, client):
    page = await get_page(client, "/en/")
    links = page.all(".//nav[@class='languages']//a")
    assert [(a.get("lang"), "".join(a.itertext())) for a in links] == [
        ("vi", "Tiếng Việt"),
        ("en", "English"),
        ("km", "ភាសាខ្មែរ"),
    ]
    assert [a.get("aria-current") for a in links] == [None, "true", None]


async def test_listings_keep_the_same_page_and_filters(site, client):
    page = await get_page(client, "/vi/documents/?type=B%E1%BB%99+lu%E1%BA%ADt&page=1")
    assert page.switcher["en"] == "/en/documents/?type=B%E1%BB%99+lu%E1%BA%ADt"
    section = await get_page(client, "/vi/tin-tuc/?page=2")
    assert section.switcher["km"] == "/km/tin-tuc/"


async def test_documents_and_procedures_keep_the_same_page(site, client):
    slug = site.urls["law"].rsplit("/", 1)[1]
    page = await get_page(client, f"/en/documents/{slug}")
    assert page.switcher == {
        "vi": site.urls["law"],
        "en": f"/en/documents/{slug}",
        "km": f"/km/documents/{slug}",
    }
    procedure = await get_page(client, "/km/procedures/1.000178")
    assert procedure.switcher["en"] == "/en/procedures/1.000178"


async def test_search_keeps_the_query(site, client):
    page = await get_page(client, "/vi/search?q=c%E1%BA%A7u&kind=article")
    assert page.switcher["en"] == "/en/search?q=c%E1%BA%A7u&kind=article"


async def test_section_alternates_name_only_languages_with_news(site, client, config):
    economy = await get_page(client, "/vi/kinh-te/")
    assert economy.alternates == {
        lang: f"{config.base_url}/{lang}/kinh-te/" for lang in ("vi", "en", "km")
    }
    news = await get_page(client, "/vi/tin-tuc/")
    assert news.alternates == {}
