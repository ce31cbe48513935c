"""Each role can take exactly the workflow steps the rules give it, through
the API, and no other: for every role and every step a person may take, from
every state the step starts in, on someone else's item (and, for writers,
on their own). A refusal is 403 problem details and leaves the item as it
was; a step the role holds but the state does not allow is 409."""

from __future__ import annotations

import pytest
from adminapi_support import problem_of

from appliance import content
from appliance.content import ItemInput
from appliance.db import transaction
from appliance.users import ROLES, find_user, set_sections
from newsroom import workflow
from newsroom.permissions import EDITING_ROLES

STEPS = [t for t in workflow.TRANSITIONS.values() if not t.system]
WRITERS = [role for role in ROLES if role not in EDITING_ROLES]
FUTURE = "2099-03-04T09:30"


def make_item(conn, author_id: int, status: str, section: str = "tin-tuc") -> int:
    """An item of the author's in the given state, put there directly: this
    sets the stage, it is not what is tested."""
    item = transaction(conn, lambda c: content.save_item(c, ItemInput(
        kind="article", lang="vi", title=f"Tin {status}", section_key=section,
        body="<p>Nội dung.</p>"), user_id=author_id))
    publish_at = "2099-01-01T00:00:00Z" if status == "scheduled" else None
    transaction(conn, lambda c: content.set_status(c, item.id, status, author_id,
                                                   publish_at=publish_at))
    return item.id


def request_for(step: workflow.Transition) -> dict:
    body = {"name": step.name}
    if step.needs_reason:
        body["reason"] = "Thiếu nguồn trích dẫn."
    if step.needs_time:
        body["publish_at"] = FUTURE
    return body


async def check(conn, caller, item_id: int, step: workflow.Transition,
                allowed: bool) -> None:
    before = content.get_item(conn, item_id)
    response = await caller.post(f"/items/{item_id}/transitions", request_for(step))
    after = content.get_item(conn, item_id)
    if allowed:
        assert response.status == 200, await response.text()
        assert (await response.json())["status"] == step.target == after.status
    else:
        problem = await problem_of(response, 403)
        assert problem["action"] == step.action
        assert (after.status, after.revision) == (before.status, before.revision)


async def check_wrong_state(conn, caller, author_id: int,
                            step: workflow.Transition) -> None:
    wrong = next(s for s in content.STATUSES if s not in step.sources)
    item_id = make_item(conn, author_id, wrong)
    response = await caller.post(f"/items/{item_id}/transitions", request_for(step))
    await problem_of(response, 409)
    assert content.get_item(conn, item_id).status == wrong


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
@pytest.mark.parametrize("role", ROLES)
async def test_each_role_takes_exactly_its_steps_on_others_items(
        conn, client, sections, add_staff, caller, role, step):
    author = add_staff("contributor", "author")
    actor = caller(add_staff(role, "actor"))
    allowed = role in workflow.rules(conn)[step.name] and role in EDITING_ROLES
    for source in sorted(step.sources):
        await check(conn, actor, make_item(conn, author.id, source), step, allowed)
    if allowed:
        await check_wrong_state(conn, actor, author.id, step)


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
@pytest.mark.parametrize("role", WRITERS)
async def test_writers_take_their_steps_on_their_own_items_only(
        conn, client, sections, add_staff, caller, role, step):
    writer = add_staff(role, "writer")
    actor = caller(writer)
    allowed = role in workflow.rules(conn)[step.name]
    for source in sorted(step.sources):
        await check(conn, actor, make_item(conn, writer.id, source), step, allowed)
    if allowed:
        await check_wrong_state(conn, actor, writer.id, step)


def test_the_matrix_is_not_empty_of_either_answer(conn):
    """Guard: under the default rules every role holds some step and most
    lack some, so the matrix proves both directions."""
    rules = workflow.rules(conn)
    held = {role: {name for name, roles in rules.items() if role in roles}
            for role in ROLES}
    assert all(held.values())
    assert sum(held[role] != set(rules) for role in ROLES) >= 4


async def test_a_section_editor_limited_to_a_section_acts_only_there(
        conn, client, sections, add_staff, caller):
    author = add_staff("contributor", "author")
    lan = add_staff("section-editor", "lan")
    economy = content.get_section(conn, "kinh-te")
    transaction(conn, set_sections, None, lan.id, [economy.id])
    actor = caller(lan)
    approve = workflow.TRANSITIONS["approve"]

    outside = make_item(conn, author.id, "awaiting_approval", "tin-tuc")
    await check(conn, actor, outside, approve, allowed=False)
    await problem_of(await actor.post(f"/items/{outside}/lock"), 403)
    inside = make_item(conn, author.id, "awaiting_approval", "kinh-te")
    await check(conn, actor, inside, approve, allowed=True)
    item = await (await actor.get(f"/items/{inside}")).json()
    assert "publish" in item["transitions"]


async def test_the_rules_are_data_the_api_follows(conn, client, sections, add_staff,
                                                  caller):
    author = add_staff("contributor", "author")
    actor = caller(add_staff("editor", "tam"))
    publish_now = workflow.TRANSITIONS["publish_now"]
    await check(conn, actor, make_item(conn, author.id, "draft"), publish_now, False)

    rules = {name: set(roles) for name, roles in workflow.rules(conn).items()}
    rules["publish_now"].add("editor")
    transaction(conn, workflow.set_rules, rules, find_user(conn, "admin"))
    await check(conn, actor, make_item(conn, author.id, "draft"), publish_now, True)
