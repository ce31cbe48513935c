"""Who may do what in the newsroom.

This is the one place permission decisions are made: handlers and data
functions ask `can(user, action, item)` or call `require(...)`, and never look
at roles themselves. The editorial-workflow release adds review actions and
section-limited editors here, without touching the handlers.
"""

from __future__ import annotations

from collections.abc import Callable

from appliance.content import Item
from appliance.errors import ForbiddenError
from appliance.users import User

from .labels import N_

# Roles that edit: they may edit anything and decide what is public.
EDITING_ROLES = frozenset({"editor", "section-editor", "editor-in-chief", "admin"})
# Roles that shape the site itself: sections today, more settings later.
STRUCTURE_ROLES = frozenset({"editor-in-chief", "admin"})


class PermissionDenied(ForbiddenError):
    """The signed-in user's role does not allow the action."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action

    @property
    def reason(self) -> str:
        """An English message id saying what is refused and who can help."""
        return REASONS.get(self.action, N_("Your role does not allow this."))


Rule = Callable[[User, "Item | None"], bool]


def _any_staff(user: User, item: Item | None) -> bool:
    return True


def _editor(user: User, item: Item | None) -> bool:
    return user.role in EDITING_ROLES


def _structure(user: User, item: Item | None) -> bool:
    return user.role in STRUCTURE_ROLES


def _own_draft_or_editor(user: User, item: Item | None) -> bool:
    if user.role in EDITING_ROLES:
        return True
    # Writers keep control of their own work until it goes public; after that
    # every change is an editor's decision.
    return item is not None and item.author_id == user.id and item.status != "published"


RULES: dict[str, Rule] = {
    "dashboard.view": _any_staff,
    "item.create": _any_staff,
    "item.edit": _own_draft_or_editor,
    "item.link": _own_draft_or_editor,
    "item.publish": _editor,
    "item.unpublish": _editor,
    "media.upload": _any_staff,
    "section.manage": _structure,
}

REASONS = {
    "item.edit": N_(
        "Writers may change only their own drafts. Ask an editor to change this item."
    ),
    "item.link": N_(
        "Writers may link only their own drafts. Ask an editor to "
        "link these language versions."
    ),
    "item.publish": N_("Only editors may publish. Ask an editor to publish this item."),
    "item.unpublish": N_("Only editors may take an item off the site. Ask an editor."),
    "section.manage": N_(
        "Only the editor-in-chief and administrators may change sections."
    ),
}


def can(user: User | None, action: str, item: Item | None = None) -> bool:
    """True when the user may perform the action (on the item, when given)."""
    if user is None or user.disabled:
        return False
    try:
        rule = RULES[action]
    except KeyError:
        raise ValueError(f"unknown newsroom action {action!r}") from None
    return rule(user, item)


def require(user: User | None, action: str, item: Item | None = None) -> None:
    """Raise PermissionDenied unless `can(user, action, item)`."""
    if not can(user, action, item):
        raise PermissionDenied(action)
