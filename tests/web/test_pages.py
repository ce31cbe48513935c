"""The public site's addresses, in every language: what each page shows, and
what happens with wrong addresses and bad input."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from web_support import get_page, redirect_of, text_of

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction
from appliance.i18n import lazy_gettext_for
from search.query import MAX_QUERY_CHARS

LANGS = ("vi", "en", "km")


# -- entry ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept, lang",
    [
        (None, "vi"),
        ("en-GB,en;q=0.9", "en"),
        ("km-KH", "km"),
        ("fr-FR,fr;q=0.9", "vi"),
        ("fr;q=0.9, en;q=0.5, vi;q=0.7", "vi"),
    ],
)
async def test_root_picks_the_language_from_accept_language(site, client, accept, lang):
    headers = {"Accept-Language": accept} if accept else {}
    response = await client.get("/", headers=headers, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == f"/{lang}/"
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("lang", LANGS)
async def test_language_without_slash_moves_to_its_home(site, client, lang):
    assert await redirect_of(client, f"/{lang}") == f"/{lang}/"


@pytest.mark.parametrize(
    "path", ["/vi/documents", "/en/procedures", "/km/services", "/vi/tin-tuc"]
)
async def test_listings_without_slash_move_to_the_slash(site, client, path):
    assert await redirect_of(client, path) == path + "/"


# -- home ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_home_shows_the_story_documents_and_ways_in(site, client, lang):
    page = await get_page(client, f"/{lang}/")
    assert page.lang == lang
    assert site.urls[f"story-{lang}"] in page.links()
    for listing in ("documents", "procedures", "services"):
        assert f"/{lang}/{listing}/" in page.links()
    # The Vietnamese-only documents are offered under every language prefix.
    assert f"/{lang}/documents/{site.urls['law'].rsplit('/', 1)[1]}" in page.links()


async def test_home_lists_only_sections_with_items_in_that_language(site, client):
    vi = await get_page(client, "/vi/")
    en = await get_page(client, "/en/")
    assert "/vi/tin-tuc/" in vi.links() and "/vi/kinh-te/" in vi.links()
    assert "/en/kinh-te/" in en.links()
    assert "/en/tin-tuc/" not in en.links()


async def test_home_header_and_footer_carry_the_configured_owner(site, client, config):
    page = await get_page(client, "/vi/")
    header = text_of(page.find(".//header"))
    footer = text_of(page.find(".//footer"))
    assert config.site_name("vi") in header
    assert config["site.address"] in footer
    assert config["site.phone"] in footer
    assert page.find(".//header//form[@role='search']//input[@name='q']") is not None


# -- sections, pagination, tags -----------------------------------------------


async def test_section_pages_in_order_with_pagination(site, client):
    first = await get_page(client, "/vi/tin-tuc/")
    second = await get_page(client, "/vi/tin-tuc/?page=2")
    titles_1 = first.texts(".//main//h2[@class='card-title']")
    titles_2 = second.texts(".//main//h2[@class='card-title']")
    assert len(titles_1) == 12 and len(titles_2) == 3
    assert not set(titles_1) & set(titles_2)
    assert titles_1[0] == "Đường Trần Hưng Đạo được mở rộng"  # newest first
    assert "/vi/tin-tuc/?page=2" in first.links()
    assert second.canonical.endswith("/vi/tin-tuc/?page=2")


@pytest.mark.parametrize(
    "query, status",
    [
        ("page=3", 404),
        ("page=99", 404),
        ("page=0", 400),
        ("page=-1", 400),
        ("page=abc", 400),
        ("page=1.5", 400),
        ("page=", 400),
    ],
)
async def test_bad_page_numbers_get_an_error_page(site, client, query, status):
    page = await get_page(client, f"/vi/tin-tuc/?{query}", status=status)
    assert page.lang == "vi"
    assert page.find(".//main//h1") is not None


# Every listing that pages, with a query that gives it results.
PAGED = [
    "/vi/tin-tuc/?",
    "/vi/tags/giao-thong?",
    "/en/documents/?",
    "/en/procedures/?",
    "/km/services/?",
    "/vi/search?q=khieu+nai&",
]


@pytest.mark.parametrize("listing", PAGED)
@pytest.mark.parametrize(
    "page",
    [
        "%C2%B2",  # superscript two: isdigit() but not int()
        "%D9%A3",  # Arabic-Indic three
        "%EF%BC%91",  # fullwidth one
        "%E1%9F%A1",  # Khmer one
        "1%0A",
        "%2B1",
        "%201",
        "1_0",
        "1234567",
        "99999999999999999999999",
    ],
)
async def test_paged_listings_refuse_page_numbers_not_in_ascii_digits(
    site, client, listing, page
):
    error = await get_page(client, f"{listing}page={page}", status=400)
    expected = lazy_gettext_for(error.lang, "The page number must be a whole number from 1.")
    assert text_of(error.find(".//p[@class='error-detail']")) == expected


@pytest.mark.parametrize("listing", PAGED)
async def test_paged_listings_past_their_last_page_are_not_found(
    site, client, listing
):
    await get_page(client, f"{listing}page=999999", status=404)
    await get_page(client, f"{listing}page=000001", status=200)


async def test_unknown_section_is_not_found(site, client):
    await get_page(client, "/vi/khong-co/", status=404)
    await get_page(client, "/vi/khong-co", status=404)


async def test_section_without_items_in_a_language_says_so(site, client):
    page = await get_page(client, "/en/tin-tuc/")
    assert page.find(".//main//p[@class='empty']") is not None


async def test_tag_page_lists_its_items(site, client):
    page = await get_page(client, "/vi/tags/giao-thong")
    assert site.urls["story-vi"] in page.links()
    assert "Giao thông" in page.h1
    await get_page(client, "/vi/tags/khong-co", status=404)
    await get_page(client, "/en/tags/giao-thong", status=404)


# -- articles ------------------------------------------------------------------


async def test_article_address_is_made_from_the_title(site):
    assert site.urls["only-vi"] == "/vi/tin-tuc/duong-tran-hung-dao-duoc-mo-rong"


async def test_article_page_shows_its_fields(site, client):
    page = await get_page(client, site.urls["story-vi"])
    assert page.h1 == "Khởi công cầu nối Long Xuyên với Rạch Giá"
    assert page.attr(".//figure//img", "alt") == "Cầu Vàm Cống bắc qua sông Hậu"
    assert "20/11/2026" in text_of(page.find(".//p[@class='article-meta']"))
    assert "Phòng Biên tập" in text_of(page.find(".//p[@class='article-meta']"))
    assert "/vi/tags/giao-thong" in page.links()
    assert "Văn phòng UBND tỉnh" in text_of(page.find(".//p[@class='attribution']"))
    assert "/vi/kinh-te/" in page.links()
    assert page.find(".//button[@data-print]") is not None


async def test_article_related_items_come_from_its_section(site, client):
    page = await get_page(client, site.urls["only-vi"])
    related = [a.get("href") for a in page.all(".//aside[@class='related']//a")]
    assert len(related) == 5
    assert all(href.startswith("/vi/tin-tuc/") for href in related)
    assert site.urls["only-vi"] not in related


async def test_khmer_story_awaiting_review_shows_a_note(site, client):
    page = await get_page(client, quote(site.urls["story-km"]))
    assert page.find(".//p[@class='note note-review']") is not None
    english = await get_page(client, site.urls["story-en"])
    assert english.find(".//p[@class='note note-review']") is None


async def test_article_under_the_wrong_section_moves_to_its_address(site, client):
    slug = site.urls["story-vi"].rsplit("/", 1)[1]
    assert await redirect_of(client, f"/vi/tin-tuc/{slug}") == site.urls["story-vi"]


async def test_khmer_article_under_the_wrong_section_moves_too(site, client):
    slug = site.urls["story-km"].rsplit("/", 1)[1]
    location = await redirect_of(client, quote(f"/km/tin-tuc/{slug}"))
    assert unquote(location) == site.urls["story-km"]


async def test_article_address_in_khmer_script_is_served(site, client):
    url = site.urls["story-km"]
    assert any("\u1780" <= ch <= "\u17ff" for ch in url)
    page = await get_page(client, quote(url))
    assert page.lang == "km"


@pytest.mark.parametrize("name", ["draft"])
async def test_unpublished_articles_are_not_found(site, client, name):
    await get_page(client, site.urls[name], status=404)


async def test_unknown_article_is_not_found(site, client):
    await get_page(client, "/vi/tin-tuc/khong-co-bai-nay", status=404)


# -- documents -----------------------------------------------------------------


def _fact(page, label: str) -> str:
    return text_of(_fact_cell(page, label))


def _fact_cell(page, label: str):
    for row in page.all(".//table[@class='facts']//tr"):
        if text_of(row.find("th")) == label:
            return row.find("td")
    raise AssertionError(f"no row {label!r}")


@pytest.mark.parametrize(
    "lang, labels, issued",
    [
        (
            "vi",
            (
                "Số ký hiệu",
                "Cơ quan ban hành",
                "Người ký",
                "Ngày ban hành",
                "Tình trạng hiệu lực",
            ),
            "24/11/2015",
        ),
        (
            "en",
            ("Document number", "Issuing body", "Signer", "Issue date", "Legal status"),
            "24 Nov 2015",
        ),
    ],
)
async def test_document_page_shows_its_fields(site, client, lang, labels, issued):
    slug = site.urls["law"].rsplit("/", 1)[1]
    page = await get_page(client, f"/{lang}/documents/{slug}")
    number, issuer, signer, date, status = labels
    assert _fact(page, number) == "91/2015/QH13"
    assert _fact(page, issuer) == "Quốc hội"
    assert _fact(page, signer) == "Nguyễn Thị Kim Ngân"
    assert _fact(page, date) == issued
    assert _fact(page, status) == ("Còn hiệu lực" if lang == "vi" else "In force")
    assert "Điều 1. Phạm vi điều chỉnh" in text_of(
        page.find(".//div[@class='prose legal-text']")
    )


@pytest.mark.parametrize("lang", ["en", "km"])
async def test_vietnamese_document_under_another_language(site, client, config, lang):
    slug = site.urls["law"].rsplit("/", 1)[1]
    page = await get_page(client, f"/{lang}/documents/{slug}")
    assert page.lang == lang
    assert page.attr(".//h1", "lang") == "vi"
    assert page.attr(".//div[@class='prose legal-text']", "lang") == "vi"
    assert page.find(".//p[@class='note']") is not None
    assert page.canonical == config.base_url + site.urls["law"]


async def test_documents_listing_filters_and_pages(site, client):
    everything = await get_page(client, "/vi/documents/")
    assert len(everything.all(".//li[@class='document-row']")) == 2
    laws = await get_page(client, "/vi/documents/?type=B%E1%BB%99+lu%E1%BA%ADt")
    assert laws.texts(".//li[@class='document-row']//h2") == ["Bộ luật Dân sự"]
    by_year = await get_page(client, "/en/documents/?year=2026")
    assert by_year.texts(".//li[@class='document-row']//h2") == [
        "Chỉ thị về phòng, chống hạn mặn"
    ]
    none = await get_page(client, "/vi/documents/?issuer=Kh%C3%B4ng+c%C3%B3")
    assert none.find(".//main//p[@class='empty']") is not None
    # The stored types and issuers are Vietnamese: marked so on other pages.
    for lang, marked in (("vi", None), ("en", "vi"), ("km", "vi")):
        listing = await get_page(client, f"/{lang}/documents/")
        for name in ("type", "issuer"):
            options = [o for o in listing.all(f".//select[@name='{name}']/option")
                       if o.get("value")]
            assert options and {o.get("lang") for o in options} == {marked}, (lang, name)


@pytest.mark.parametrize(
    "query", ["year=abc", "year=20266", "page=x", "year=%C2%B2%C2%B2%C2%B2%C2%B2"]
)
async def test_documents_listing_refuses_bad_filters(site, client, query):
    await get_page(client, f"/vi/documents/?{query}", status=400)


async def test_unknown_document_is_not_found(site, client):
    await get_page(client, "/vi/documents/khong-co", status=404)


# -- procedures and services ----------------------------------------------------


async def test_procedure_page_links_its_legal_basis(site, client):
    page = await get_page(client, "/en/procedures/1.000178")
    assert page.lang == "en"
    basis = page.all(".//ul[@class='basis-list']/li")
    assert [text_of(li).split()[0] for li in basis] == ["91/2015/QH13", "99/2099/NĐ-CP"]
    law_slug = site.urls["law"].rsplit("/", 1)[1]
    assert basis[0].find(".//a").get("href") == f"/en/documents/{law_slug}"
    assert basis[1].find(".//a") is None  # not on the portal: no link
    channels = page.all(".//table[@class='data-table']/tbody/tr")
    assert [[text_of(cell) for cell in row] for row in channels] == [
        ["Trực tiếp", "30 ngày", "Không thu phí"]
    ]
    assert _fact(page, "Procedure code") == "1.000178"
    assert _fact(page, "Field") == "Khiếu nại, tố cáo"
    assert "Bước 1:" in text_of(page.find(".//div[@class='prose steps']"))


async def test_procedures_listing_filters_by_field_and_level(site, client):
    page = await get_page(
        client, "/km/procedures/?field=Khi%E1%BA%BFu+n%E1%BA%A1i%2C+t%E1%BB%91+c%C3%A1o"
    )
    assert "/km/procedures/1.000178" in page.links()
    other = await get_page(client, "/vi/procedures/?level=C%E1%BA%A5p+x%C3%A3")
    assert "/vi/procedures/1.000178" not in other.links()
    await get_page(client, "/vi/procedures/khong-co", status=404)


@pytest.fixture
def more_procedures(site, conn):
    """Two more procedures: one done at two known levels, one at an unknown level."""

    def add(conn):
        for code, level in (("2.000001", "Cấp bộ, Cấp xã"), ("2.000002", "Cấp đặc biệt")):
            data = ItemInput(
                kind="procedure",
                lang="vi",
                title=f"Thủ tục {code}",
                procedure={"code": code, "field": "Khiếu nại, tố cáo", "level": level},
            )
            content.save_item(conn, data, status="published")

    transaction(conn, add)


@pytest.mark.parametrize(
    "lang, level, several",
    [
        ("vi", "Cấp tỉnh", "Cấp bộ, Cấp xã"),
        ("en", "Provincial level", "Ministry level, Commune level"),
        ("km", "ថ្នាក់ខេត្ត", "ថ្នាក់ក្រសួង, ថ្នាក់ឃុំ"),
    ],
)
async def test_procedure_levels_are_shown_in_the_interface_language(
    more_procedures, client, lang, level, several
):
    page = await get_page(client, f"/{lang}/procedures/1.000178")
    cell = _fact_cell(page, lazy_gettext_for(lang, "Level"))
    assert text_of(cell) == level
    assert cell.get("lang") is None and cell.find(".//*[@lang]") is None
    # The filter link keeps the stored value.
    link = urlsplit(cell.find("a").get("href"))
    assert (link.path, parse_qs(link.query)) == (
        f"/{lang}/procedures/",
        {"level": ["Cấp tỉnh"]},
    )

    listing = await get_page(client, f"/{lang}/procedures/")
    options = {
        o.get("value"): text_of(o)
        for o in listing.all(".//select[@name='level']/option")
        if o.get("value")
    }
    assert options == {
        "Cấp tỉnh": f"{level} (1)",
        "Cấp bộ, Cấp xã": f"{several} (1)",
        "Cấp đặc biệt": "Cấp đặc biệt (1)",  # unknown: as stored
    }
    rows = {
        text_of(row.find(".//span[@class='doc-number']")): row
        for row in listing.all(".//li[@class='document-row']")
    }
    shown = rows["1.000178"].find(".//p[@class='doc-line']/span[@class='muted']")
    assert (text_of(shown), shown.get("lang")) == (level, None)
    unknown = rows["2.000002"].find(".//p[@class='doc-line']/span[@class='muted']")
    assert text_of(unknown) == "Cấp đặc biệt"
    assert unknown.find("span").get("lang") == (None if lang == "vi" else "vi")

    chosen = await get_page(
        client, f"/{lang}/procedures/?level={quote('Cấp bộ, Cấp xã')}"
    )
    assert chosen.links().count(f"/{lang}/procedures/2.000001") == 1
    selected = chosen.find(".//select[@name='level']/option[@selected]")
    assert selected.get("value") == "Cấp bộ, Cấp xã"
    marks = {o.get("value"): o.get("lang")
             for o in listing.all(".//select[@name='level']/option") if o.get("value")}
    assert marks == {"Cấp tỉnh": None, "Cấp bộ, Cấp xã": None,
                     "Cấp đặc biệt": None if lang == "vi" else "vi"}


async def test_services_listing_and_page(site, client):
    listing = await get_page(client, "/en/services/")
    service_url = "/en/services/" + site.urls["service"].rsplit("/", 1)[1]
    assert service_url in listing.links()
    assert "Fully online" in text_of(listing.find(".//main"))
    page = await get_page(client, service_url)
    assert "/en/procedures/1.000178" in page.links()
    assert page.attr(".//a[@class='button']", "href").startswith(
        "https://dichvucong.gov.vn/"
    )
    assert _fact(page, "Service level") == "Fully online"


# -- search --------------------------------------------------------------------


async def test_search_finds_every_kind_with_counts_per_kind(site, client):
    page = await get_page(client, "/vi/search?q=khieu+nai")
    results = page.all(".//ol[@class='results']/li")
    assert len(results) >= 2
    facets = page.texts(".//nav[@class='facets']//a")
    assert any(f.startswith("Thủ tục hành chính") for f in facets)
    assert any(f.startswith("Dịch vụ công trực tuyến") for f in facets)
    snippets = page.all(".//p[@class='snippet']//mark")
    assert snippets, "snippets are highlighted"
    # Procedures open under the reader's own language prefix.
    english = await get_page(client, "/en/search?q=khieu+nai")
    assert "/en/procedures/1.000178" in english.links()


async def test_search_kind_filter_keeps_one_kind(site, client):
    page = await get_page(client, "/vi/search?q=khieu+nai&kind=procedure")
    kinds = page.texts(".//ol[@class='results']//p[@class='result-kind']")
    assert kinds and all(k.startswith("Thủ tục hành chính") for k in kinds)
    current = page.find(".//nav[@class='facets']//a[@aria-current='page']")
    assert "kind=procedure" in current.get("href")


async def test_search_without_results_and_without_words(site, client):
    nothing = await get_page(client, "/km/search?q=zzzyyyxxx")
    assert nothing.lang == "km"
    assert nothing.find(".//div[@class='no-results']") is not None
    empty = await get_page(client, "/en/search")
    assert empty.find(".//div[@class='search-help']") is not None
    assert empty.attr(".//meta[@name='robots']", "content").startswith("noindex")


@pytest.mark.parametrize("query", ["q=x&kind=dossier", "q=x&page=abc", "q=x&page=0"])
async def test_search_refuses_bad_input(site, client, query):
    await get_page(client, f"/vi/search?{query}", status=400)


@pytest.mark.parametrize("lang", LANGS)
async def test_search_refuses_words_longer_than_the_api_takes(site, client, lang):
    words = ("khieu nai " * 60)[: MAX_QUERY_CHARS + 1]
    error = await get_page(client, f"/{lang}/search?q={quote(words)}", status=400)
    assert error.lang == lang
    expected = lazy_gettext_for(
        lang,
        "The search words are longer than %(max)s characters. "
        "Use fewer words and search again.",
        max=MAX_QUERY_CHARS,
    )
    assert text_of(error.find(".//p[@class='error-detail']")) == expected
    assert "khieu nai khieu" not in error.text  # nothing of the query is echoed

    longest = await get_page(client, f"/{lang}/search?q={quote(words[:-1])}")
    assert longest.find(".//ol[@class='results']") is not None


async def test_search_forms_take_as_many_characters_as_the_server(site, client):
    page = await get_page(client, "/en/search")
    fields = page.all(".//form[@role='search']//input[@name='q']")
    assert len(fields) == 2
    assert {field.get("maxlength") for field in fields} == {str(MAX_QUERY_CHARS)}
    error = await get_page(client, "/en/no-such-page", status=404)
    assert error.attr(".//main//input[@name='q']", "maxlength") == str(MAX_QUERY_CHARS)


# -- errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, title",
    [("vi", "Không tìm thấy trang"), ("en", "Page not found"), ("km", None)],
)
async def test_not_found_pages_speak_the_language_of_the_address(
    site, client, lang, title
):
    page = await get_page(client, f"/{lang}/khong-co/bai-nao", status=404)
    assert page.lang == lang
    if title:
        assert page.h1 == title
    assert page.find(".//main//form[@role='search']") is not None
    assert page.find(".//footer") is not None
    assert page.attr(".//meta[@name='robots']", "content") == "noindex"


async def test_unknown_language_prefix_is_not_found_in_the_default(site, client):
    page = await get_page(client, "/fr/", status=404)
    assert page.lang == "vi"
