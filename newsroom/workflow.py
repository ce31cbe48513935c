"""Editorial states and the moves between them.

Today an item is a draft, published or unpublished, and editors move it
between those. The review workflow (submitted, approved, scheduled) grows
here: a new state is a new Transition, the rule for who may take it lives in
newsroom.permissions, and handlers only name the transition they want.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from appliance import content
from appliance.content import Item
from appliance.errors import ConflictError, UserError
from appliance.i18n import gettext as _
from appliance.users import User

from .labels import N_
from .permissions import can, require


@dataclass(frozen=True)
class Transition:
    name: str
    action: str  # the permission it needs (newsroom.permissions)
    sources: frozenset[str]  # statuses it starts from
    target: str  # the status it leads to
    label: str  # button text (a message id)
    refusal: str  # why it cannot be taken from another status


TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "publish",
            "item.publish",
            frozenset({"draft", "unpublished"}),
            "published",
            N_("Publish"),
            N_("This item is already published."),
        ),
        Transition(
            "unpublish",
            "item.unpublish",
            frozenset({"published"}),
            "unpublished",
            N_("Unpublish"),
            N_("This item is not published."),
        ),
    )
}


def available(user: User, item: Item) -> list[Transition]:
    """The moves the user may make from the item's current status."""
    return [
        t
        for t in TRANSITIONS.values()
        if item.status in t.sources and can(user, t.action, item)
    ]


def transition(conn: sqlite3.Connection, item_id: int, name: str, user: User) -> Item:
    """Move an item to another status, checking the rule and the start status."""
    try:
        move = TRANSITIONS[name]
    except KeyError:
        raise UserError(_("Unknown action “%(name)s”.", name=name)) from None
    item = content.get_item(conn, item_id)
    require(user, move.action, item)
    if item.status not in move.sources:
        raise ConflictError(_(move.refusal))
    return content.set_status(conn, item_id, move.target, user.id)
