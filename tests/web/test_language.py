"""Interface text comes from the catalogue of the page's language; dates and
numbers are formatted for it; Khmer text gets its own font and spacing."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from web_support import get_page, text_of

INTERFACE = {
    # language: (search button, home link, documents heading on its listing)
    "vi": ("Tìm kiếm", "Trang chủ", "Văn bản pháp luật và chỉ đạo điều hành"),
    "en": ("Search", "Home", "Legal and directive documents"),
    "km": ("ស្វែងរក", "ទំព័រដើម", "ឯកសារគតិយុត្ត និងឯកសារណែនាំ"),
}


@pytest.mark.parametrize("lang", INTERFACE)
async def test_interface_text_comes_from_the_language_catalogue(site, client, lang):
    button, home, heading = INTERFACE[lang]
    page = await get_page(client, f"/{lang}/documents/")
    assert text_of(page.find(".//form[@class='search-box']//button")) == button
    assert text_of(page.find(".//nav[@class='main-nav']//li/a")) == home
    assert page.h1 == heading


async def test_the_three_interfaces_differ(site, client):
    texts = set()
    for lang in INTERFACE:
        page = await get_page(client, f"/{lang}/services/")
        texts.add(text_of(page.find(".//footer")))
    assert len(texts) == 3


@pytest.mark.parametrize(
    "lang, shown",
    [
        ("vi", "Thứ Sáu, 20/11/2026"),
        ("en", "Friday, 20 November 2026"),
    ],
)
async def test_dates_are_written_for_the_language(site, client, lang, shown):
    page = await get_page(client, site.urls[f"story-{lang}"])
    meta = page.find(".//p[@class='article-meta']")
    assert shown in text_of(meta)
    assert "08:30" in text_of(meta)  # shown in Asia/Ho_Chi_Minh
    assert meta.find("time").get("datetime") == "2026-11-20T01:30:00Z"


async def test_khmer_dates_use_khmer_month_names(site, client):
    from urllib.parse import quote

    page = await get_page(client, quote(site.urls["story-km"]))
    date = text_of(page.find(".//p[@class='article-meta']/time"))
    assert re.search(r"[\u1780-\u17ff]", date), date


def test_khmer_gets_its_font_line_height_and_no_justify():
    css = (
        resources.files("web").joinpath("static", "css", "site.css").read_text("utf-8")
    )
    rule = re.search(r":lang\(km\)\s*{([^}]*)}", css).group(1)
    assert '"Noto Sans Khmer"' in rule
    height = float(re.search(r"line-height:\s*([\d.]+)", rule).group(1))
    assert 1.6 <= height <= 1.8
    assert not re.search(r"text-align:\s*justify", css)
    assert "word-break: break-all" not in css
