"""Who may do what in the newsroom.

This is the one place permission decisions are made: handlers and data
functions ask `can(user, action, item)` or call `require(...)`, and never look
at roles themselves. Workflow steps are asked for as
"transition:<name>"; their rules are data (see newsroom.workflow).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from appliance.content import Item
from appliance.errors import ForbiddenError
from appliance.users import User

from .labels import N_

# Roles that edit: they may change items in their sections and move them
# through review. Which review transitions each role may take is data
# (workflow_rule, loaded into User.transitions), changed by administrators.
EDITING_ROLES = frozenset({"editor", "section-editor", "editor-in-chief", "admin"})
# Roles that shape the site itself: sections today, more settings later.
STRUCTURE_ROLES = frozenset({"editor-in-chief", "admin"})
# States in which the writer of an item still holds it: once submitted, the
# text is the editors' until they return it.
WRITER_STATES = frozenset({"draft", "returned"})
# States the public sees, or was promised: changing an item in one of them
# needs a step that leads there, so an editor who may not publish cannot
# rewrite a live story either.
GUARDED_STATES = {
    "published": frozenset({"publish", "publish_now"}),
    "scheduled": frozenset({"schedule"}),
    "approved": frozenset({"approve"}),
}


class PermissionDenied(ForbiddenError):
    """The signed-in user's role does not allow the action."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action

    @property
    def reason(self) -> str:
        """An English message id saying what is refused and who can help."""
        if self.action.startswith("transition:"):
            return N_(
                "Your role may not take this step here: it may be kept for another "
                "role, or for the editors of another section."
            )
        return REASONS.get(self.action, N_("Your role does not allow this."))


Rule = Callable[[User, "Item | None"], bool]


def in_scope(user: User, item: Item | None) -> bool:
    """Staff limited to some sections act only on items in those sections."""
    if not user.sections:
        return True
    return item is not None and item.section_id in user.sections


def in_sections_sql(sections: Iterable[int]) -> tuple[str, list[int]]:
    """SQL narrowing item rows to some sections, and its parameters; nothing
    when there are none to narrow to. A listing narrows for speed; `can`
    still decides."""
    ids = sorted(sections)
    if not ids:
        return "", []
    return f" AND section_id IN ({','.join('?' * len(ids))})", ids


def _own(user: User, item: Item | None) -> bool:
    return item is not None and item.author_id == user.id


def _any_staff(user: User, item: Item | None) -> bool:
    return True


def _editor(user: User, item: Item | None) -> bool:
    return user.role in EDITING_ROLES and (item is None or in_scope(user, item))


def _site_editor(user: User, item: Item | None) -> bool:
    """Menus and the home page belong to the whole site, not to a section."""
    return user.role in EDITING_ROLES and not user.sections


def _structure(user: User, item: Item | None) -> bool:
    return user.role in STRUCTURE_ROLES


def _admin(user: User, item: Item | None) -> bool:
    return user.role == "admin"


def _newsroom_staff(user: User, item: Item | None) -> bool:
    """Contributors are outside writers: they see their own work only, not
    what the newsroom is preparing (embargoed titles among it)."""
    return user.role != "contributor"


def _grades(user: User, item: Item | None) -> bool:
    """Graders limited to some sections grade only the works in them."""
    return "grade" in user.duties and (item is None or in_scope(user, item))


def _pays(user: User, item: Item | None) -> bool:
    return "pay" in user.duties


def _royalty_staff(user: User, item: Item | None) -> bool:
    return bool(user.duties & {"grade", "pay"})


def _reports(user: User, item: Item | None) -> bool:
    return user.role in EDITING_ROLES or _royalty_staff(user, item)


def with_duties(user: User, config) -> User:
    """The user with the royalty duties the config gives their role."""
    duties = {duty for duty, setting in (("grade", "royalties.grading_roles"),
                                         ("pay", "royalties.paying_roles"))
              if user.role in config[setting]}
    return replace(user, duties=frozenset(duties))


def _view(user: User, item: Item | None) -> bool:
    return user.role in EDITING_ROLES or _own(user, item)


def _note(user: User, item: Item | None) -> bool:
    """Notes are part of the editing: editors write them in their sections,
    writers on their own items."""
    return (user.role in EDITING_ROLES and in_scope(user, item)) or _own(user, item)


def _edit(user: User, item: Item | None) -> bool:
    if item is not None and item.status == "archived":
        return False
    if user.role in EDITING_ROLES:
        guard = GUARDED_STATES.get(item.status) if item is not None else None
        return in_scope(user, item) and (not guard or bool(guard & user.transitions))
    # Writers keep control of their own work until they submit it.
    return _own(user, item) and item is not None and item.status in WRITER_STATES


def transition_allowed(user: User, name: str, item: Item | None) -> bool:
    """A workflow step: the role must hold it (workflow_rule), editors act in
    their sections, and writers only on their own items."""
    if name not in user.transitions:
        return False
    if user.role in EDITING_ROLES:
        return in_scope(user, item)
    return _own(user, item)


RULES: dict[str, Rule] = {
    "dashboard.view": _any_staff,
    "item.create": _any_staff,
    "item.view": _view,
    "item.edit": _edit,
    "item.link": _edit,
    "item.note": _note,
    "item.lock.takeover": _editor,
    "media.upload": _any_staff,
    "media.manage": _editor,
    "menu.manage": _site_editor,
    "home.manage": _site_editor,
    "redirect.manage": _structure,
    "section.manage": _structure,
    "workflow.manage": _admin,
    "users.manage": _admin,
    "audit.view": _admin,
    "backup.view": _admin,
    # Whoever may open an item may read its history, diffs and previews.
    "item.history": _view,
    "review_link.manage": _editor,
    "translation.view": _newsroom_staff,
    "item.list.all": _newsroom_staff,
    "rating.view": _editor,
    "feedback.manage": _editor,
    "about.manage": _site_editor,
    "downtime.manage": _admin,
    "slots.manage": _admin,
    # What the portal shares with other systems (newsroom.integrations).
    "widget.embed": _any_staff,
    "integrations.manage": _admin,
    # Royalties: graders and payers are roles named in the config.
    "royalty.own": _any_staff,
    "royalty.view": _royalty_staff,
    "royalty.grade": _grades,
    "royalty.pay": _pays,
    "royalty.rules": _admin,
    "report.view": _reports,
    "source.manage": _structure,
    "search.manage": _editor,
}

REASONS = {
    "item.view": N_("Writers may open only their own items."),
    "item.edit": N_(
        "This item is not yours to change now: writers change their own drafts "
        "until they submit them, editors change items in their sections, a "
        "published, scheduled or approved item is changed only by those who may "
        "publish, schedule or approve it, and archived items are not changed."
    ),
    "item.section": N_(
        "Your account works in some sections only: choose one of them for this item."
    ),
    "item.link": N_(
        "Writers may link only their own drafts. Ask an editor to "
        "link these language versions."
    ),
    "item.note": N_("Writers add notes only to their own items, and editors only to "
                    "items in their sections."),
    "item.lock.takeover": N_(
        "Only an editor of this item's section may take over its editing."
    ),
    "section.manage": N_(
        "Only the editor-in-chief and administrators may change sections."
    ),
    "workflow.manage": N_("Only administrators may change the workflow rules."),
    "users.manage": N_("Only administrators may manage staff accounts."),
    "audit.view": N_("Only administrators may read the audit log."),
    "media.manage": N_(
        "Only editors may change or delete files in the media library."
    ),
    "menu.manage": N_(
        "Only editors who work for the whole site, not for some sections, may "
        "change its menus."
    ),
    "home.manage": N_(
        "Only editors who work for the whole site, not for some sections, may "
        "choose the stories on the home page."
    ),
    "redirect.manage": N_(
        "Only the editor-in-chief and administrators may manage redirects."
    ),
    "item.history": N_("Writers may see the history only of their own items."),
    "translation.view": N_(
        "Contributors see their own items only; the translation status of the "
        "whole site is for the newsroom's staff."
    ),
    "rating.view": N_("Only editors may read the citizens' ratings."),
    "feedback.manage": N_("Only editors may answer the public's messages."),
    "about.manage": N_(
        "Only editors who work for the whole site, not for some sections, may "
        "change the portal's own pages."
    ),
    "downtime.manage": N_("Only administrators may announce planned downtime."),
    "slots.manage": N_("Only administrators may add outside snippets to the site."),
    "integrations.manage": N_(
        "Only administrators may manage webhooks and partners' API keys."
    ),
    "royalty.view": N_("Only the staff who grade works or pay royalties may open this."),
    "royalty.grade": N_("Only the roles that grade works may grade them."),
    "royalty.section": N_(
        "Your account works in some sections only: it grades the works of those "
        "sections alone."
    ),
    "royalty.pay": N_(
        "Only the roles that pay royalties may run payment periods, keep the "
        "register and see personal numbers."
    ),
    "royalty.rules": N_("Only administrators may change the royalty rules."),
    "report.view": N_("Only editors and the staff who pay royalties may read reports."),
    "review_link.manage": N_(
        "Only editors of this item's section may share it with outside reviewers."
    ),
    "source.manage": N_(
        "Only the editor-in-chief and administrators may manage outside sources."
    ),
    "search.manage": N_("Only editors may change how search answers."),
}


def can(user: User | None, action: str, item: Item | None = None) -> bool:
    """True when the user may perform the action (on the item, when given)."""
    if user is None or user.disabled:
        return False
    if action.startswith("transition:"):
        return transition_allowed(user, action.removeprefix("transition:"), item)
    try:
        rule = RULES[action]
    except KeyError:
        raise ValueError(f"unknown newsroom action {action!r}") from None
    return rule(user, item)


def may_place(user: User, section_id: int | None) -> bool:
    """Staff limited to some sections put items only in those sections."""
    return not user.sections or section_id in user.sections


def require_placement(user: User, section_id: int | None) -> None:
    if not may_place(user, section_id):
        raise PermissionDenied("item.section")


def require_grading(user: User, item: Item) -> None:
    """A grader may grade this work: one limited to some sections grades
    only the works in them."""
    require(user, "royalty.grade")
    if not can(user, "royalty.grade", item):
        raise PermissionDenied("royalty.section")


def require(user: User | None, action: str, item: Item | None = None) -> None:
    """Raise PermissionDenied unless `can(user, action, item)`."""
    if not can(user, action, item):
        raise PermissionDenied(action)
