"""Interface names for the newsroom's stored codes: statuses, kinds, roles,
audit actions, and the fixed notices shown after an action succeeds.

The strings are marked with N_ so catalogue extraction finds them; they are
translated where they are shown (`_()` in templates), in the reader's language.
"""

from __future__ import annotations


from appliance.i18n import N_


STATUSES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "editing": N_("In editing"),
    "awaiting_approval": N_("Awaiting approval"),
    "approved": N_("Approved"),
    "scheduled": N_("Scheduled"),
    "published": N_("Published"),
    "returned": N_("Returned"),
    "unpublished": N_("Unpublished"),
    "archived": N_("Archived"),
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
    "item.submitted": N_("submitted"),
    "item.editing": N_("started editing"),
    "item.awaiting_approval": N_("sent for approval"),
    "item.approved": N_("approved"),
    "item.scheduled": N_("scheduled"),
    "item.returned": N_("returned to its writer"),
    "item.archived": N_("archived"),
    "item.translated": N_("brought the translation up to date:"),
    "item.lock.takeover": N_("took over editing of"),
    "item.note": N_("added a note to"),
    "user.enable": N_("enabled the user"),
    "user.role": N_("changed the role of"),
    "user.sections": N_("changed the sections of"),
    "user.profile": N_("changed their details"),
    "totp.enable": N_("turned on the second factor"),
    "totp.disable": N_("turned off the second factor"),
    "totp.reset": N_("reset the second factor of"),
    "totp.recovery": N_("signed in with a recovery code"),
    "totp.recovery_codes": N_("made new recovery codes"),
    "token.create": N_("created an API token"),
    "token.revoke": N_("revoked an API token"),
    "item.restore": N_("restored an earlier revision of"),
    "review_link.create": N_("made a review link for"),
    "review_link.revoke": N_("revoked a review link for"),
    "review_link.view": N_("a review link was first opened for"),
    "media.upload": N_("uploaded the file"),
    "media.update": N_("described the file"),
    "media.delete": N_("deleted the file"),
    "menu.add": N_("added a menu link"),
    "menu.update": N_("changed a menu link"),
    "menu.delete": N_("removed a menu link"),
    "menu.reorder": N_("reordered the menu"),
    "home.add": N_("put on the home page"),
    "home.remove": N_("took off the home page"),
    "home.reorder": N_("reordered the home page"),
    "redirect.add": N_("added a redirect"),
    "redirect.update": N_("changed a redirect"),
    "redirect.delete": N_("deleted a redirect"),
    "redirect.import": N_("imported redirects"),
    "workflow.grant": N_("allowed a workflow step:"),
    "workflow.revoke": N_("withdrew a workflow step:"),
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
    "contributor.add": N_("added to the register of contributors"),
    "contributor.update": N_("changed the register entry of"),
    "contributor.reveal": N_("was shown personal numbers in full:"),
    "royalty.grade": N_("graded the royalty of"),
    "royalty.rule": N_("changed a royalty rule:"),
    "royalty.rule.delete": N_("removed a royalty rule version:"),
    "period.open": N_("opened the payment period"),
    "period.collect": N_("collected works into the payment period"),
    "period.review": N_("sent to review the payment period"),
    "period.reopen": N_("reopened the payment period"),
    "period.lock": N_("locked the payment period"),
    "period.delete": N_("deleted the payment period"),
    "period.remuneration": N_("added remuneration to the payment period"),
    "period.correction": N_("added a correction to the payment period"),
    "period.correct": N_("corrected a paid work in the payment period"),
    "period.remove_line": N_("removed a line from the payment period"),
    "period.remove_work": N_("took a work out of the payment period"),
    "source.add": N_("added the outside source"),
    "source.update": N_("changed the outside source"),
    "source.delete": N_("removed the outside source"),
    "synonym.save": N_("changed the synonym table:"),
    "synonym.delete": N_("removed a synonym"),
    "pin.add": N_("pinned a search result for"),
    "pin.delete": N_("removed a pinned search result"),
}

# Shown after a redirect (?done=...): a fixed vocabulary, so no text from the
# address ever reaches the page.
NOTICES = {
    "created": N_("The article was created as a draft."),
    "saved": N_("Your changes were saved."),
    "published": N_("The item is published and visible on the site."),
    "unpublished": N_("The item was taken off the site."),
    "submit": N_("The item was submitted to the editors."),
    "take": N_("You are now editing this item."),
    "send_for_approval": N_("The item was sent for approval."),
    "approve": N_("The item is approved."),
    "schedule": N_("The item is scheduled and will be published at its time."),
    "unschedule": N_("The schedule was cancelled; the item is approved again."),
    "publish": N_("The item is published and visible on the site."),
    "publish_now": N_("The item is published and visible on the site."),
    "return": N_("The item was returned to its writer with your reason."),
    "unpublish": N_("The item was taken off the site."),
    "archive": N_("The item was archived."),
    "reopen": N_("The item is a draft again."),
    "takedown": N_("The take-down time was saved."),
    "takeover": N_("You took over editing this item."),
    "workflow": N_("The workflow rules were saved."),
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
