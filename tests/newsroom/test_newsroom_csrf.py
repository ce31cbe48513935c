"""Every state-changing request needs the session's CSRF token: without it,
or with a wrong one, the answer is 403 and nothing changes."""

from __future__ import annotations

from functools import partial

import pytest
from newsroom_support import article_form
from staff_support import ADMIN_PASSWORD, ADMIN_USER

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction


@pytest.fixture
def stories(conn, sections):
    def add(lang, title, status):
        return transaction(
            conn,
            partial(content.save_item, status=status),
            ItemInput(kind="article", lang=lang, title=title, section_key="tin-tuc"),
        ).id

    vi = add("vi", "Tin tiếng Việt", "draft")
    en = add("en", "English story", "published")
    km = add("km", "រឿងខ្មែរ", "draft")
    transaction(conn, content.link_translations, vi, km)
    return {"vi": vi, "en": en, "km": km}


def routes(ids: dict) -> list[tuple[str, dict]]:
    """Every POST route of the newsroom, with a form that would change something."""
    return [
        ("/admin/login", {"username": ADMIN_USER, "password": ADMIN_PASSWORD}),
        ("/admin/logout", {}),
        ("/admin/language", {"lang": "en", "next": "/admin/"}),
        ("/admin/items/new", article_form("vi", title="Tin giả mạo")),
        (f"/admin/items/{ids['vi']}", article_form("vi", title="Sửa giả mạo")),
        (f"/admin/items/{ids['vi']}/transition", {"name": "publish_now"}),
        (f"/admin/items/{ids['en']}/transition", {"name": "unpublish"}),
        (f"/admin/items/{ids['vi']}/link", {"other_id": str(ids["en"])}),
        (f"/admin/items/{ids['km']}/unlink", {"back": str(ids["vi"])}),
        ("/admin/sections", {"key": "the-thao", "name_vi": "Thể thao"}),
        ("/admin/sections/tin-tuc", {"name_vi": "Tin giả mạo"}),
        ("/admin/sections/van-hoa/move", {"direction": "up"}),
    ]


def snapshot(conn) -> tuple:
    return (
        conn.execute(
            "SELECT id, status, title, translation_group FROM item ORDER BY id"
        ).fetchall(),
        conn.execute("SELECT key, names, position FROM section ORDER BY id").fetchall(),
        conn.execute("SELECT count(*) FROM audit").fetchone()[0],
        conn.execute("SELECT count(*) FROM media").fetchone()[0],
    )


ROUTE_NAMES = [
    "login",
    "logout",
    "language",
    "create",
    "edit",
    "publish",
    "unpublish",
    "link",
    "unlink",
    "add-section",
    "rename-section",
    "move-section",
]


@pytest.mark.parametrize(
    "token", [None, "", "forged-token-value"], ids=["missing", "empty", "wrong"]
)
@pytest.mark.parametrize("index", range(len(ROUTE_NAMES)), ids=ROUTE_NAMES)
async def test_a_post_without_the_right_token_is_refused(
    admin, conn, stories, index, token
):
    path, form = routes(stories)[index]
    before = snapshot(conn)
    data = dict(form)
    if token is not None:
        data["csrf_token"] = token
    response = await admin.client.post(path, data=data, allow_redirects=False)
    assert response.status == 403
    assert snapshot(conn) == before
    # Still signed in, still in Vietnamese.
    page = await admin.get("/admin/")
    assert page.status == 200
    assert '<html lang="vi">' in await page.text()


async def test_a_token_from_another_session_is_refused(admin, sign_in, conn, stories):
    other = await sign_in()
    before = snapshot(conn)
    response = await admin.client.post(
        f"/admin/items/{stories['vi']}/transition",
        allow_redirects=False,
        data={"csrf_token": other.csrf, "name": "publish_now"},
    )
    assert response.status == 403
    assert snapshot(conn) == before


async def test_the_token_also_works_as_a_header(admin, conn, stories):
    response = await admin.client.post(
        f"/admin/items/{stories['vi']}/transition",
        allow_redirects=False,
        data={"name": "publish_now"},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert response.status == 303
    assert content.get_item(conn, stories["vi"]).status == "published"


async def test_every_form_on_every_page_carries_the_token(admin, stories):
    for path in (
        "/admin/",
        "/admin/items",
        f"/admin/items/{stories['vi']}",
        "/admin/items/new",
        "/admin/sections",
    ):
        text = await (await admin.get(path)).text()
        forms = text.count('method="post"')
        assert forms > 0
        assert text.count(f'name="csrf_token" value="{admin.csrf}"') == forms, path


# Every table a newsroom form can change.
TABLES = ("item", "section", "audit", "media", "user", "item_note", "item_lock",
          "workflow_rule", "user_section", "notification", "review_link", "api_token",
          "redirect", "menu_link", "home_block", "item_revision")


def whole_state(conn) -> dict:
    return {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        for table in TABLES
    }


async def test_every_post_route_of_the_newsroom_refuses_a_missing_token(
    admin, conn, stories
):
    """Found from the router itself, so a new form cannot be forgotten."""
    from newsroom import newsroom_app

    values = {"id": str(stories["vi"]), "revision": "1", "link": "1",
              "key": "tin-tuc", "item": str(stories["en"]), "table": "base_salary",
              "line": "1"}
    paths = sorted({
        route.resource.canonical.format(**values)
        for route in newsroom_app().router.routes()
        if route.method == "POST"
    })
    assert len(paths) > 40
    before = whole_state(conn)
    refused = {}
    for path in paths:
        response = await admin.client.post(f"/admin{path}", data={"name": "x"},
                                           allow_redirects=False)
        refused[path] = response.status
    assert {path: status for path, status in refused.items() if status != 403} == {}
    assert whole_state(conn) == before


async def test_a_body_that_is_not_a_form_is_refused_on_every_post_route(
    admin, conn, stories
):
    from newsroom import newsroom_app

    values = {"id": str(stories["vi"]), "revision": "1", "link": "1",
              "key": "tin-tuc", "item": str(stories["en"]), "table": "base_salary",
              "line": "1"}
    paths = sorted({
        route.resource.canonical.format(**values)
        for route in newsroom_app().router.routes()
        if route.method == "POST"
    })
    before = whole_state(conn)
    answers = {}
    for path in paths:
        for content_type, body in (
                ("application/x-www-form-urlencoded", b"name=x&title=\xff"),
                ("multipart/form-data; boundary=zzz", b"name=x")):
            response = await admin.client.post(
                f"/admin{path}", data=body, headers={"Content-Type": content_type},
                allow_redirects=False)
            answers[path, content_type[:9]] = response.status
    assert {key: status for key, status in answers.items() if status != 400} == {}
    assert whole_state(conn) == before
