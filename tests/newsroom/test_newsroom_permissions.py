"""Who may do what: the rules in newsroom.permissions, and the newsroom
enforcing them on every route."""

from __future__ import annotations

import io
from functools import partial

import pytest
from aiohttp import FormData
from newsroom_support import article_form, item_id_from
from PIL import Image

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction
from appliance.users import ROLES, User
from newsroom import workflow
from newsroom.permissions import RULES, can

WRITERS = ("contributor", "reporter")
EDITORS = ("editor", "section-editor", "editor-in-chief", "admin")


def user(role: str, user_id: int = 7, sections=frozenset(), transitions=None) -> User:
    if transitions is None:
        transitions = DEFAULT_RULES[role]
    return User(user_id, role, "", role, False, "2026-01-01T00:00:00Z", None,
                sections=frozenset(sections), transitions=frozenset(transitions))


def item(status: str = "draft", author_id: int | None = 7, section_id=None) -> content.Item:
    return content.Item(
        id=1,
        kind="article",
        lang="vi",
        status=status,
        revision=1,
        slug="tin",
        title="Tin",
        summary="",
        body="",
        published_at=None,
        created_at="",
        updated_at="",
        featured=False,
        section_id=section_id,
        section_key=None,
        translation_group=None,
        external_id=None,
        source="local",
        source_url=None,
        attribution=None,
        byline="",
        author_id=author_id,
        lead_image_id=None,
    )


# The rules a new site starts with (migration 0003), by role.
DEFAULT_RULES = {
    "contributor": {"submit"},
    "reporter": {"submit"},
    "editor": {"submit", "take", "send_for_approval", "return", "reopen"},
    "section-editor": {
        "submit", "take", "send_for_approval", "return", "approve", "schedule",
        "unschedule", "publish", "unpublish", "reopen",
    },
    "editor-in-chief": {
        "submit", "take", "send_for_approval", "return", "approve", "schedule",
        "unschedule", "publish", "publish_now", "unpublish", "archive", "reopen",
    },
}
DEFAULT_RULES["admin"] = DEFAULT_RULES["editor-in-chief"]


def test_a_new_site_starts_with_the_documented_rules(conn):
    by_role: dict[str, set[str]] = {role: set() for role in ROLES}
    for name, roles in workflow.rules(conn).items():
        for role in roles:
            by_role[role].add(name)
    assert by_role == DEFAULT_RULES


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_covered_by_the_roles_of_the_rules(role):
    assert role in WRITERS + EDITORS


@pytest.mark.parametrize(
    "role, action, target, allowed",
    [
        *[
            (role, "section.manage", None, role in ("editor-in-chief", "admin"))
            for role in ROLES
        ],
        *[(role, "workflow.manage", None, role == "admin") for role in ROLES],
        *[(role, "item.create", None, True) for role in ROLES],
        *[(role, "item.edit", item("draft", author_id=7), True) for role in ROLES],
        *[(role, "item.edit", item("returned", author_id=7), True) for role in ROLES],
        *[
            (role, "item.edit", item("submitted", author_id=7), role in EDITORS)
            for role in ROLES
        ],
        *[
            (role, "item.edit", item("draft", author_id=8), role in EDITORS)
            for role in ROLES
        ],
        # A live story is changed only by those who may publish it.
        *[
            (role, "item.edit", item("published", author_id=7),
             role in ("section-editor", "editor-in-chief", "admin"))
            for role in ROLES
        ],
        *[(role, "item.edit", item("archived"), False) for role in ROLES],
        *[(role, "item.view", item("published", author_id=8), role in EDITORS)
          for role in ROLES],
        *[(role, "item.view", item("published", author_id=7), True) for role in ROLES],
    ],
)
def test_the_rules(role, action, target, allowed):
    assert can(user(role), action, target) is allowed


def test_section_limits_keep_editors_to_their_sections():
    economy, politics = 2, 3
    editor = user("section-editor", sections={economy})
    assert can(editor, "transition:approve", item("awaiting_approval", 8, economy))
    assert not can(editor, "transition:approve", item("awaiting_approval", 8, politics))
    assert not can(editor, "transition:approve", item("awaiting_approval", 8, None))
    assert can(editor, "item.edit", item("editing", 8, economy))
    assert not can(editor, "item.edit", item("editing", 8, politics))
    assert not can(editor, "item.lock.takeover", item("editing", 8, politics))
    # Without limits, every section.
    assert can(user("section-editor"), "transition:approve",
               item("awaiting_approval", 8, politics))


def test_writers_take_steps_only_on_their_own_items():
    writer = user("reporter", transitions={"submit", "approve"})
    assert can(writer, "transition:submit", item("draft", author_id=7))
    assert not can(writer, "transition:submit", item("draft", author_id=8))
    assert can(writer, "transition:approve", item("awaiting_approval", author_id=7))


def test_nobody_and_disabled_users_may_do_nothing():
    disabled = User(7, "x", "", "admin", True, "", None,
                    transitions=frozenset(DEFAULT_RULES["admin"]))
    for action in [*RULES, *(f"transition:{name}" for name in workflow.TRANSITIONS)]:
        assert not can(None, action, item())
        assert not can(disabled, action, item())


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError):
        can(user("admin"), "item.teleport")


def test_the_moves_offered_follow_the_status_and_the_role():
    def names(someone: User, target: content.Item) -> list[str]:
        return [move.name for move in workflow.available(someone, target)]

    assert names(user("contributor"), item("draft")) == ["submit"]
    assert names(user("contributor"), item("submitted")) == []
    assert names(user("editor"), item("submitted", 8)) == ["take", "return"]
    assert names(user("editor"), item("editing", 8)) == ["send_for_approval", "return"]
    assert names(user("editor"), item("awaiting_approval", 8)) == ["return"]
    assert names(user("section-editor"), item("awaiting_approval", 8)) == [
        "approve", "return"]
    assert names(user("section-editor"), item("approved", 8)) == [
        "schedule", "publish", "return"]
    assert names(user("editor-in-chief"), item("published", 8)) == [
        "unpublish", "archive"]
    assert names(user("editor-in-chief"), item("scheduled", 8)) == [
        "unschedule", "return"]
    # The scheduler's own steps are never offered to a person.
    assert "release" not in names(user("admin"), item("scheduled", 8))


# -- enforced over HTTP ---------------------------------------------------------


@pytest.fixture
def editors_article(conn, sections):
    return transaction(
        conn,
        partial(content.save_item, status="draft", user_id=1),
        ItemInput(
            kind="article",
            lang="vi",
            title="Bài của biên tập viên",
            section_key="tin-tuc",
        ),
    )


@pytest.mark.parametrize("role", WRITERS)
async def test_writers_draft_and_submit_but_do_not_publish(
    sign_in, add_staff, conn, sections, client, role
):
    add_staff(role, "writer")
    writer = await sign_in("writer")
    item_id = item_id_from(await writer.post("/admin/items/new", article_form("vi")))
    page = await (await writer.get(f"/admin/items/{item_id}")).text()
    assert 'name="then" value="submit"' in page
    assert 'value="publish' not in page

    edited = await writer.post(
        f"/admin/items/{item_id}",
        article_form(
            "vi",
            title="Bản nháp đã sửa",
            revision=str(content.get_item(conn, item_id).revision),
        ),
    )
    assert edited.status == 303

    for step in ("publish", "publish_now", "approve", "take"):
        refused = await writer.post(
            f"/admin/items/{item_id}/transition", {"name": step}
        )
        assert refused.status == 403, step
        assert "Vai trò của bạn không được thực hiện bước này" in await refused.text()
    assert content.get_item(conn, item_id).status == "draft"

    submitted = await writer.post(f"/admin/items/{item_id}/transition", {"name": "submit"})
    assert submitted.status == 303
    assert content.get_item(conn, item_id).status == "submitted"
    # Once submitted, the text is the editors'.
    late = await writer.post(
        f"/admin/items/{item_id}",
        article_form("vi", title="Sửa sau khi gửi",
                     revision=str(content.get_item(conn, item_id).revision)),
    )
    assert late.status == 403
    assert content.get_item(conn, item_id).title == "Bản nháp đã sửa"


@pytest.mark.parametrize("role", WRITERS)
async def test_save_and_publish_by_a_writer_saves_nothing(
    sign_in, add_staff, conn, sections, role
):
    add_staff(role, "writer")
    writer = await sign_in("writer")
    before = conn.execute("SELECT count(*) FROM item").fetchone()[0]
    response = await writer.post(
        "/admin/items/new", article_form("vi", then="publish_now")
    )
    assert response.status == 403
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == before


@pytest.mark.parametrize("role", ("section-editor", "editor-in-chief", "admin"))
async def test_senior_editors_publish_and_unpublish(
    sign_in, add_staff, conn, editors_article, role
):
    add_staff(role, "chief")
    editor = await sign_in("chief")
    transaction(conn, content.set_status, editors_article.id, "approved")
    assert (
        await editor.post(f"/admin/items/{editors_article.id}/transition",
                          {"name": "publish"})
    ).status == 303
    assert content.get_item(conn, editors_article.id).status == "published"
    assert (
        await editor.post(f"/admin/items/{editors_article.id}/transition",
                          {"name": "unpublish"})
    ).status == 303
    assert content.get_item(conn, editors_article.id).status == "unpublished"


async def test_writers_do_not_touch_other_peoples_items(
    sign_in, add_staff, conn, editors_article
):
    add_staff("contributor", "writer")
    writer = await sign_in("writer")
    assert (await writer.get(f"/admin/items/{editors_article.id}")).status == 403
    response = await writer.post(
        f"/admin/items/{editors_article.id}",
        article_form("vi", title="Sửa trộm", revision=str(editors_article.revision)),
    )
    assert response.status == 403
    assert (
        await writer.post(f"/admin/items/{editors_article.id}/unlink")
    ).status == 403
    assert content.get_item(conn, editors_article.id).title == "Bài của biên tập viên"

    # A contributor's list holds their own work only: not even the titles of
    # what the newsroom prepares.
    listing = await (await writer.get("/admin/items")).text()
    assert "Bài của biên tập viên" not in listing
    assert f'href="/admin/items/{editors_article.id}"' not in listing


async def test_a_writer_reads_but_no_longer_edits_their_published_item(
    sign_in, add_staff, conn, sections
):
    add_staff("reporter", "writer")
    writer = await sign_in("writer")
    item_id = item_id_from(await writer.post("/admin/items/new", article_form("vi")))
    transaction(conn, content.set_status, item_id, "published")
    page = await writer.get(f"/admin/items/{item_id}")
    assert page.status == 200
    assert "<fieldset class=\"plain\" disabled>" in await page.text()
    response = await writer.post(
        f"/admin/items/{item_id}",
        article_form("vi", title="Sửa trộm",
                     revision=str(content.get_item(conn, item_id).revision)),
    )
    assert response.status == 403


@pytest.mark.parametrize("role", WRITERS + ("editor", "section-editor"))
async def test_only_the_chief_and_administrators_change_sections(
    sign_in, add_staff, conn, sections, role
):
    add_staff(role, "someone")
    someone = await sign_in("someone")
    assert (await someone.get("/admin/sections")).status == 403
    response = await someone.post(
        "/admin/sections", {"key": "the-thao", "name_vi": "Thể thao"}
    )
    assert response.status == 403
    assert (
        await someone.post("/admin/sections/van-hoa/move", {"direction": "up"})
    ).status == 403
    assert content.get_section(conn, "the-thao") is None
    assert [s.key for s in content.list_sections(conn)] == list(sections)
    dashboard = await (await someone.get("/admin/")).text()
    assert 'href="/admin/sections"' not in dashboard


# -- language versions need the right on both sides -------------------------------


def story_of(conn, item_id: int) -> dict[str, int]:
    item = content.get_item(conn, item_id)
    found = content.translations_of(conn, item, published_only=False)
    return {lang: other.id for lang, other in found.items()}


@pytest.fixture
def editors_story(conn, sections):
    """A published Vietnamese article of the editor-in-chief's (user 1)."""
    return transaction(
        conn,
        partial(content.save_item, status="published", user_id=1),
        ItemInput(
            kind="article", lang="vi", title="Tin đã đăng", section_key="tin-tuc"
        ),
    ).id


@pytest.fixture
async def writer(sign_in, add_staff):
    add_staff("contributor", "writer")
    return await sign_in("writer")


async def test_a_writer_cannot_attach_a_translation_to_someone_elses_item(
    writer, conn, editors_story
):
    page = await writer.get(f"/admin/items/new?lang=en&translation_of={editors_story}")
    assert page.status == 403

    before = conn.execute("SELECT count(*) FROM item").fetchone()[0]
    response = await writer.post(
        "/admin/items/new",
        article_form("en", translation_of=str(editors_story)),
    )
    assert response.status == 403
    assert "chỉ được liên kết bản nháp của mình" in await response.text()
    assert conn.execute("SELECT count(*) FROM item").fetchone()[0] == before
    assert story_of(conn, editors_story) == {}


async def test_a_refused_translation_stores_no_upload(writer, conn, editors_story):
    form = FormData()
    for name, value in article_form("en", translation_of=str(editors_story)).items():
        form.add_field(name, value)
    form.add_field("image_alt", "A bridge")
    form.add_field("csrf_token", writer.csrf)
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 160, 90)).save(picture, "PNG")
    picture.seek(0)
    form.add_field("image", picture, filename="bridge.png", content_type="image/png")
    response = await writer.post("/admin/items/new", form)
    assert response.status == 403
    assert conn.execute("SELECT count(*) FROM media").fetchone()[0] == 0


async def test_a_writer_cannot_link_their_draft_to_someone_elses_item(
    writer, conn, editors_story
):
    own = item_id_from(await writer.post("/admin/items/new", article_form("en")))
    response = await writer.post(
        f"/admin/items/{own}/link", {"other_id": str(editors_story)}
    )
    assert response.status == 403
    assert story_of(conn, own) == {} and story_of(conn, editors_story) == {}


async def test_a_writer_cannot_unlink_their_draft_from_someone_elses_story(
    writer, conn, editors_story
):
    own = item_id_from(await writer.post("/admin/items/new", article_form("en")))
    transaction(conn, content.link_translations, editors_story, own)

    page = await (await writer.get(f"/admin/items/{own}")).text()
    assert "/unlink" not in page
    for path, back in ((own, editors_story), (editors_story, own)):
        response = await writer.post(f"/admin/items/{path}/unlink", {"back": str(back)})
        assert response.status == 403
    assert story_of(conn, own) == {"vi": editors_story}


async def test_a_writer_cannot_join_their_drafts_to_someone_elses_story(
    writer, conn, editors_story
):
    english = item_id_from(await writer.post("/admin/items/new", article_form("en")))
    khmer = item_id_from(await writer.post("/admin/items/new", article_form("km")))
    transaction(conn, content.link_translations, editors_story, english)
    response = await writer.post(
        f"/admin/items/{khmer}/link", {"other_id": str(english)}
    )
    assert response.status == 403
    assert story_of(conn, editors_story) == {"en": english}


async def test_a_writer_links_their_own_drafts(writer, conn, sections):
    vietnamese = item_id_from(await writer.post("/admin/items/new", article_form("vi")))
    english = item_id_from(
        await writer.post(
            "/admin/items/new", article_form("en", translation_of=str(vietnamese))
        )
    )
    khmer = item_id_from(await writer.post("/admin/items/new", article_form("km")))
    response = await writer.post(
        f"/admin/items/{vietnamese}/link", {"other_id": str(khmer)}
    )
    assert response.status == 303
    assert story_of(conn, vietnamese) == {"en": english, "km": khmer}
    response = await writer.post(f"/admin/items/{khmer}/unlink", {"back": "1"})
    assert response.status == 303
    assert story_of(conn, vietnamese) == {"en": english}
