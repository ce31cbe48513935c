"""Grading delegated to section editors (royalties.grading_roles with
section-editor, as the configuration guide describes): an editor limited to
some sections grades, and lists, only the works of those sections."""

from __future__ import annotations

import pytest
from staff_support import NO_SECOND_FACTOR, new_site

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction

BASE = "/admin/royalties"
GRADERS = ["editor-in-chief", "admin", "section-editor"]


@pytest.fixture
def data_dir(tmp_path):
    return new_site(tmp_path, NO_SECOND_FACTOR | {"royalties.grading_roles": GRADERS})


@pytest.fixture
def works(conn, sections):
    """A work published in November 2026 in Kinh tế, and one in Văn hóa."""

    def publish(title: str, section: str) -> content.Item:
        data = ItemInput(kind="article", lang="vi", title=title, body=f"<p>{title}</p>",
                         section_key=section, published_at="2026-11-10T09:00")
        return transaction(conn, lambda db: content.save_item(db, data,
                                                              status="published"))

    return publish("Giá lúa tăng", "kinh-te"), publish("Lễ hội Ok Om Bok", "van-hoa")


@pytest.fixture
async def section_editor(add_staff, sign_in, sections):
    add_staff("section-editor", "economy", sections=(sections["kinh-te"],))
    staff = await sign_in("economy")
    switched = await staff.post("/admin/language", {"lang": "en", "next": "/admin/"})
    assert switched.status == 303
    return staff


def _grade(person: int) -> dict:
    return {"kind": "news", "coefficient": "8", "author-0": str(person), "share-0": "100"}


def _graded(conn) -> set[int]:
    return {row[0] for row in conn.execute("SELECT item_id FROM work_grade")}


async def test_a_section_editor_grades_only_the_works_of_their_sections(
        client, conn, works, add_contributor, section_editor):
    economy, culture = works
    person = add_contributor("Nguyễn Văn An")

    refused = await section_editor.post(f"{BASE}/works/{culture.id}", _grade(person.id))

    assert refused.status == 403
    assert "Your account works in some sections only" in await refused.text()
    assert _graded(conn) == set()
    page = await section_editor.text(f"{BASE}/works/{culture.id}")
    assert "<fieldset disabled" in page  # read, not graded

    graded = await section_editor.post(f"{BASE}/works/{economy.id}", _grade(person.id))
    assert graded.status == 303
    assert _graded(conn) == {economy.id}
    assert "<fieldset disabled" not in await section_editor.text(
        f"{BASE}/works/{economy.id}")


async def test_a_section_editor_lists_only_the_works_of_their_sections(
        client, works, add_staff, sign_in, section_editor):
    economy, culture = works

    listed = await section_editor.text(f"{BASE}/works?month=2026-11")
    assert economy.title in listed and culture.title not in listed
    assert "Works to grade (1)" in await section_editor.text(BASE)

    add_staff("editor-in-chief", "chief")
    chief = await sign_in("chief")
    everything = await chief.text(f"{BASE}/works?month=2026-11")
    assert economy.title in everything and culture.title in everything
