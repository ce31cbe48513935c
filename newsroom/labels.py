"""Interface names for the newsroom's stored codes: statuses, kinds, roles,
audit actions, and the fixed notices shown after an action succeeds.

The strings are marked with N_ so catalogue extraction finds them; they are
translated where they are shown (`_()` in templates), in the reader's language.
"""

from __future__ import annotations


from appliance.i18n import N_


STATUSES = {
    "draft": N_("Draft"),
    "published": N_("Published"),
    "unpublished": N_("Unpublished"),
}

KINDS = {
    "article": N_("Article"),
    "disclosure": N_("Public disclosure"),
    "directive": N_("Directive document"),
    "legal_document": N_("Legal document"),
    "procedure": N_("Administrative procedure"),
    "public_service": N_("Online public service"),
}

ROLES = {
    "contributor": N_("Contributor"),
    "reporter": N_("Reporter"),
    "editor": N_("Editor"),
    "section-editor": N_("Section editor"),
    "editor-in-chief": N_("Editor-in-chief"),
    "admin": N_("Administrator"),
}

# What the audit trail's action codes mean, for the dashboard.
AUDIT_ACTIONS = {
    "item.create": N_("created"),
    "item.update": N_("edited"),
    "item.published": N_("published"),
    "item.unpublished": N_("unpublished"),
    "item.draft": N_("returned to draft"),
    "item.link": N_("linked a translation of"),
    "item.unlink": N_("unlinked the translation"),
    "item.image": N_("changed the image of"),
    "item.delete": N_("deleted"),
    "section.add": N_("added the section"),
    "section.update": N_("renamed the section"),
    "section.reorder": N_("reordered the sections"),
    "user.add": N_("added the user"),
    "user.disable": N_("disabled the user"),
    "user.password": N_("changed the password of"),
}

# Shown after a redirect (?done=...): a fixed vocabulary, so no text from the
# address ever reaches the page.
NOTICES = {
    "created": N_("The article was created as a draft."),
    "saved": N_("Your changes were saved."),
    "published": N_("The item is published and visible on the site."),
    "unpublished": N_("The item was taken off the site."),
    "linked": N_("The language versions are linked."),
    "unlinked": N_("The language version was unlinked."),
    "section-added": N_("The section was added."),
    "section-renamed": N_("The section was renamed."),
    "section-moved": N_("The section order was changed."),
    "language": N_("The interface language was changed."),
}


def status(code: str) -> str:
    return STATUSES.get(code, code)


def kind(code: str) -> str:
    return KINDS.get(code, code)


def role(code: str) -> str:
    return ROLES.get(code, code)


def audit_action(code: str) -> str:
    return AUDIT_ACTIONS.get(code, code)
