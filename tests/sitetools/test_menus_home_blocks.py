"""Menus and home-page blocks: editors set them per language, the public
pages show them (and fall back to the sections and newest news when they
are empty), every change is audited, and writers may not change them."""

from __future__ import annotations

import html5lib
import pytest

from sitetools_support import image_bytes, location_id

from appliance import content
from appliance.app import DB
from appliance.db import transaction


async def _page(client, path: str) -> str:
    response = await client.get(path)
    assert response.status == 200, path
    text = await response.text()
    html5lib.HTMLParser(strict=True).parse(text)
    return text


def _main_menu(text: str) -> str:
    return text.split('id="main-menu"', 1)[1].split("</ul>", 1)[0]


def _footer(text: str) -> str:
    return text.split('<footer class="site-footer">', 1)[1]


async def test_menus_replace_the_section_links_per_language(admin, client, conn, stories):
    before = await _page(client, "/vi/")
    assert "/vi/tin-tuc/" in _main_menu(before) and "Tin tức" in _footer(before)

    for menu, label, url in (("main", "Giới thiệu", "/vi/gioi-thieu/"),
                             ("main", "Dịch vụ công", "https://dichvucong.angiang.gov.vn/"),
                             ("footer", "Liên hệ", "/vi/lien-he/")):
        response = await admin.post("/admin/menus", {"lang": "vi", "menu": menu,
                                                     "label": label, "url": url})
        assert response.status == 303, await response.text()
    after = await _page(client, "/vi/")
    menu = _main_menu(after)
    assert menu.index("Giới thiệu") < menu.index("Dịch vụ công")
    assert "/vi/tin-tuc/" not in menu and "/vi/documents/" not in menu
    assert "Liên hệ" in _footer(after) and ">Tin tức<" not in _footer(after)
    english = await _page(client, "/en/")
    assert "Giới thiệu" not in english and "/en/tin-tuc/" in _main_menu(english)

    first = conn.execute("SELECT id FROM menu_link WHERE label = 'Dịch vụ công'").fetchone()[0]
    moved = await admin.post(f"/admin/menus/{first}/move", {"direction": "up"})
    assert moved.status == 303
    menu = _main_menu(await _page(client, "/vi/"))
    assert menu.index("Dịch vụ công") < menu.index("Giới thiệu")

    renamed = await admin.post(f"/admin/menus/{first}", {
        "lang": "vi", "menu": "main", "label": "Cổng dịch vụ công",
        "url": "https://dichvucong.angiang.gov.vn/"})
    assert renamed.status == 303
    assert "Cổng dịch vụ công" in _main_menu(await _page(client, "/vi/"))
    assert (await admin.post(f"/admin/menus/{first}/delete")).status == 303
    actions = [row[0] for row in conn.execute(
        "SELECT action FROM audit WHERE action LIKE 'menu.%' ORDER BY id")]
    assert actions == ["menu.add", "menu.add", "menu.add", "menu.reorder",
                       "menu.update", "menu.delete"]


@pytest.mark.parametrize(("label", "url", "message"), [
    ("", "/vi/", "Give the link"),
    ("Xấu", "javascript:alert(1)", "must be a path"),
    ("Xấu", "//evil.example/", "must be a path"),
    ("Xấu", "/vi/<script>", "characters an address cannot hold"),
])
async def test_bad_menu_links_are_refused_with_a_reason(admin, conn, label, url, message):
    response = await admin.post("/admin/menus", {"lang": "vi", "menu": "main",
                                                 "label": label, "url": url})
    assert response.status == 400
    assert message in await response.text()
    assert conn.execute("SELECT count(*) FROM menu_link").fetchone()[0] == 0


async def test_chosen_stories_lead_the_home_page_in_their_order(
        admin, client, conn, stories):
    default = await _page(client, "/vi/")
    lead_area = default.split('id="lead-title"', 1)[1].split("</section>", 1)[0]
    assert stories["school"].title in lead_area  # newest first without a choice

    found = await (await admin.get("/admin/home?lang=vi&q=lua")).text()
    assert stories["rice"].title in found and stories["school"].title not in found
    for name, slot in (("rice", "featured"), ("bridge", "featured"),
                       ("school", "highlighted")):
        response = await admin.post("/admin/home", {"lang": "vi", "slot": slot,
                                                    "item": str(stories[name].id)})
        assert response.status == 303, await response.text()
    home = await _page(client, "/vi/")
    lead_area = home.split('id="lead-title"', 1)[1].split("</section>", 1)[0]
    assert lead_area.index(stories["rice"].title) < lead_area.index(stories["bridge"].title)
    strip = home.split('id="highlight-title"', 1)[1].split("</section>", 1)[0]
    assert stories["school"].title in strip
    assert stories["school"].title not in lead_area

    moved = await admin.post(f"/admin/home/{stories['bridge'].id}/move",
                             {"lang": "vi", "direction": "up"})
    assert moved.status == 303
    lead_area = (await _page(client, "/vi/")).split('id="lead-title"', 1)[1]
    assert lead_area.index(stories["bridge"].title) < lead_area.index(stories["rice"].title)

    transaction(conn, content.set_status, stories["bridge"].id, "unpublished")
    await client.server.app[DB].check_outside_writes()
    hidden = await _page(client, "/vi/")
    assert stories["bridge"].title not in hidden
    removed = await admin.post(f"/admin/home/{stories['rice'].id}/remove", {"lang": "vi"})
    assert removed.status == 303
    actions = [row[0] for row in conn.execute(
        "SELECT action FROM audit WHERE action LIKE 'home.%' ORDER BY id")]
    assert actions == ["home.add", "home.add", "home.add", "home.reorder", "home.remove"]


async def test_only_published_stories_of_the_language_can_be_chosen(
        admin, conn, stories):
    english = await admin.post("/admin/home", {"lang": "vi", "slot": "featured",
                                               "item": str(stories["bridge-en"].id)})
    assert english.status == 400
    transaction(conn, content.set_status, stories["rice"].id, "unpublished")
    draft = await admin.post("/admin/home", {"lang": "vi", "slot": "featured",
                                             "item": str(stories["rice"].id)})
    assert draft.status == 400
    assert "Only published stories" in await draft.text()
    assert (await admin.post("/admin/home", {"lang": "vi", "slot": "sidebar",
                                             "item": str(stories["bridge"].id)})).status == 400
    assert conn.execute("SELECT count(*) FROM home_block").fetchone()[0] == 0


async def test_library_pictures_come_with_webp_copies_on_public_pages(
        admin, client, conn, stories):
    response = await admin.upload("/admin/media", "cau.jpg", image_bytes("JPEG"),
                                  alt="Cầu Đình Phước")
    media_id = location_id(response, "/admin/media/")
    transaction(conn, content.set_lead_image, stories["bridge"].id, media_id, None)
    await client.server.app[DB].check_outside_writes()
    for path in ("/vi/", stories["bridge"].url):
        text = await _page(client, path)
        assert '<source type="image/webp" srcset="/media/' in text, path
        assert ".w480.webp 480w" in text and ".w1600.webp 1600w" in text
        assert 'alt="Cầu Đình Phước"' in text


async def test_writers_may_not_change_menus_or_the_home_page(
        sign_in, add_staff, conn, stories):
    add_staff("reporter")
    reporter = await sign_in("reporter")
    assert (await reporter.get("/admin/menus")).status == 403
    assert (await reporter.get("/admin/home")).status == 403
    refused = await reporter.post("/admin/menus", {"lang": "vi", "menu": "main",
                                                   "label": "X", "url": "/vi/"})
    assert refused.status == 403
    refused = await reporter.post("/admin/home", {"lang": "vi", "slot": "featured",
                                                  "item": str(stories["rice"].id)})
    assert refused.status == 403
    assert conn.execute("SELECT count(*) FROM menu_link").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM home_block").fetchone()[0] == 0
    nav = await (await reporter.get("/admin/")).text()
    assert "/admin/menus" not in nav and "/admin/redirects" not in nav
    assert "/admin/media" in nav
