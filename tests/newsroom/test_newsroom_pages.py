"""Every newsroom page: valid HTML, unique ids, the language and a title, the
staff-only headers, and nothing loaded from another host."""

from __future__ import annotations

import re
from functools import partial

import html5lib
import pytest
from newsroom_support import article_form

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction


@pytest.fixture
def story(conn, sections):
    item = transaction(
        conn,
        partial(content.save_item, status="published"),
        ItemInput(
            kind="article",
            lang="km",
            title="ពិធីបុណ្យអុំទូក",
            section_key="van-hoa",
            extra={"review": "awaiting-khmer-review"},
        ),
    )
    law = transaction(
        conn,
        partial(content.save_item, status="published"),
        ItemInput(
            kind="legal_document",
            lang="vi",
            title="Luật Đất đai",
            document={"number": "31/2024/QH15"},
        ),
    )
    return item.id, law.id


def pages(ids) -> list[str]:
    item_id, law_id = ids
    return [
        "/admin/",
        "/admin/items",
        "/admin/items?lang=km&status=published&q=bon",
        f"/admin/items/{item_id}",
        f"/admin/items/{item_id}?link_lang=vi&link_q=luat",
        f"/admin/items/{law_id}",
        "/admin/items/new",
        "/admin/items/new?lang=km",
        f"/admin/items/new?lang=en&translation_of={item_id}",
        "/admin/sections",
    ]


def check_page(text: str) -> None:
    html5lib.HTMLParser(strict=True).parse(text)
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for target in re.findall(r'aria-(?:describedby|labelledby)="([^"]+)"', text):
        for ref in target.split():
            assert ref in ids, f"aria reference to a missing id: {ref}"
    assert re.search(r"<title>[^<]+</title>", text)
    # Nothing from another host: every address is local.
    for url in re.findall(r'(?:src|href|action)="([^"]*)"', text):
        assert url.startswith(("/", "#")), url


@pytest.mark.parametrize("lang", ["vi", "en", "km"])
async def test_every_page_is_valid_and_local(admin, story, lang):
    await admin.post("/admin/language", {"lang": lang, "next": "/admin/"})
    for path in pages(story):
        response = await admin.get(path)
        assert response.status == 200, path
        text = await response.text()
        assert f'<html lang="{lang}">' in text
        check_page(text)


async def test_pages_with_errors_are_valid_too(admin, sections):
    response = await admin.post(
        "/admin/items/new",
        article_form("vi", title="", published_at="hôm qua", section=""),
    )
    assert response.status == 400
    check_page(await response.text())
    response = await admin.post("/admin/sections", {"key": "Sai Mã", "name_vi": ""})
    assert response.status == 400
    check_page(await response.text())


async def test_the_login_page_is_valid(client):
    response = await client.get("/admin/login")
    check_page(await response.text())


async def test_staff_pages_are_never_cached_nor_framed(admin, client):
    for response in (await admin.get("/admin/"), await client.get("/admin/login")):
        headers = response.headers
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Frame-Options"] == "DENY"
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


async def test_static_files_are_served_and_cached_for_ever(client):
    page = await (await client.get("/admin/login")).text()
    css = re.search(r'href="(/admin/static/admin\.css\?v=[0-9a-f]+)"', page).group(1)
    response = await client.get(css)
    assert response.status == 200
    assert "immutable" in response.headers["Cache-Control"]
    for path in (
        "/admin/static/vendor/quill/quill.js",
        "/admin/static/vendor/quill/LICENSE",
        "/admin/static/fonts/noto-sans-khmer-khmer-400-normal.woff2",
    ):
        assert (await client.get(path)).status == 200, path


async def test_the_bare_prefix_leads_to_the_dashboard(client):
    response = await client.get("/admin", allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"] == "/admin/"
