"""Helpers of the newsroom tests: the article form most tests start from, and
the item an article's save led to. Signing in is in tests/staff_support.py."""

from __future__ import annotations

import re

from aiohttp import ClientResponse

ARTICLE_TITLES = {
    "vi": "Tỉnh An Giang khởi công cầu Đình Phước mới",
    "en": "An Giang starts work on the new Dinh Phuoc bridge",
    "km": "ខេត្តអានយ៉ាងចាប់ផ្តើមសាងសង់ស្ពានថ្មី",
}


def item_id_from(response: ClientResponse) -> int:
    """The item number in the address a save redirected to."""
    assert response.status == 303, response.status
    match = re.match(r"^/admin/items/(\d+)\?done=", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def article_form(lang: str = "vi", **fields) -> dict:
    form = {
        "lang": lang,
        "title": ARTICLE_TITLES[lang],
        "section": "tin-tuc",
        "summary": "Tóm tắt ngắn.",
        "body": "<p>Nội dung <strong>chính</strong>.</p>",
        "tags": "giao thông, cầu",
        "byline": "Minh Châu",
    }
    form.update(fields)
    return form
