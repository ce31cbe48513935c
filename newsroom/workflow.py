"""Editorial states and the transitions between them.

The map of states is fixed here: which transition leads from which states to
which. Who may take each transition is data (table workflow_rule, one row per
transition and role), which administrators change on the workflow page; the
check itself is made in newsroom.permissions for the web admin and the API
alike. Every change of state goes through `transition`, so no form, API call
or script can reach a state along a path the map does not have.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from appliance import content
from appliance.app import DB
from appliance.audit import audit
from appliance.content import Item
from appliance.db import utcnow
from appliance.errors import ConflictError, UserError
from appliance.i18n import gettext as _
from appliance.text import clean
from appliance.users import ROLES, User

from . import locks, notify
from .labels import N_
from .permissions import can, require

log = logging.getLogger("portal.newsroom.workflow")

MAX_REASON_LENGTH = 4000
# How often the scheduler looks for work: items go out within this many
# seconds of their minute.
SCHEDULE_SECONDS = 10


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]  # states it starts from
    target: str  # the state it leads to
    label: str  # button text (a message id)
    needs_reason: bool = False  # returning says why
    needs_time: bool = False  # scheduling says when
    system: bool = False  # taken only by the scheduler, never by a person

    @property
    def action(self) -> str:
        """The permission it needs (see newsroom.permissions)."""
        return f"transition:{self.name}"


def _t(name: str, sources: str, target: str, label: str, **flags: bool) -> Transition:
    return Transition(name, frozenset(sources.split()), target, label, **flags)


# In the order buttons are offered.
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("submit", "draft returned", "submitted", N_("Submit for editing")),
        _t("take", "submitted", "editing", N_("Start editing")),
        _t("send_for_approval", "editing draft", "awaiting_approval",
           N_("Send for approval")),
        _t("approve", "awaiting_approval", "approved", N_("Approve")),
        _t("schedule", "approved", "scheduled", N_("Schedule"), needs_time=True),
        _t("unschedule", "scheduled", "approved", N_("Cancel the schedule")),
        _t("publish", "approved unpublished", "published", N_("Publish now")),
        _t("publish_now", "draft", "published", N_("Publish without review")),
        _t("return", "submitted editing awaiting_approval approved scheduled",
           "returned", N_("Return to the writer"), needs_reason=True),
        _t("unpublish", "published", "unpublished", N_("Unpublish")),
        _t("archive", "published unpublished", "archived", N_("Archive")),
        _t("reopen", "unpublished archived", "draft", N_("Reopen as a draft")),
        _t("release", "scheduled", "published", N_("Published on schedule"),
           system=True),
        _t("expire", "published", "unpublished", N_("Taken down on schedule"),
           system=True),
        # Both times passed while the appliance was stopped: the story's
        # time on the site is over before it began, so it is not put out.
        _t("lapse", "scheduled", "unpublished",
           N_("Not published: its time on the site passed while the portal was stopped"),
           system=True),
        _t("receive", "draft returned", "submitted", N_("Received from a partner"),
           system=True),
    )
}

REFUSALS = {
    "draft": N_("This item is a draft."),
    "submitted": N_("This item has been submitted and waits for an editor."),
    "editing": N_("An editor is working on this item."),
    "awaiting_approval": N_("This item is waiting for approval."),
    "approved": N_("This item is approved and waits to be published."),
    "scheduled": N_("This item is scheduled for publication."),
    "published": N_("This item is published."),
    "returned": N_("This item was returned to its writer."),
    "unpublished": N_("This item has been taken off the site."),
    "archived": N_("This item is archived."),
}


def available(user: User, item: Item) -> list[Transition]:
    """The transitions the user may take from the item's current state."""
    return [
        t
        for t in TRANSITIONS.values()
        if not t.system and item.status in t.sources and can(user, t.action, item)
    ]


def transition(
    conn: sqlite3.Connection,
    item_id: int,
    name: str,
    user: User | None,
    *,
    reason: str = "",
    publish_at: str | None = None,
    unpublish_at: str | None = None,
    expected_revision: int | None = None,
) -> Item:
    """Take one transition, checking the rule, the start state and, when
    given, that the item has not changed since the user saw it. `user` None
    is the scheduler, which only publishes and unpublishes what people
    scheduled."""
    try:
        move = TRANSITIONS[name]
    except KeyError:
        raise UserError(_("Unknown action “%(name)s”.", name=name)) from None
    item = content.get_item(conn, item_id)
    if user is not None:
        require(user, move.action, item)
    if move.system != (user is None):
        raise UserError(_("Unknown action “%(name)s”.", name=name))
    if item.status not in move.sources:
        refusal = REFUSALS.get(item.status, N_("This step is not possible now."))
        raise ConflictError(
            _(refusal) + " " + _("The step “%(step)s” is not possible from here.",
                                 step=_(move.label))
        )
    if user is not None and move.target == "published" and item.published_at \
            and item.published_at > utcnow():
        raise ConflictError(_(
            "This item's publication time is in the future, so it cannot be "
            "published now. Approve it and schedule it for that time, or clear "
            "the publication time and save before publishing."))
    if expected_revision is not None and expected_revision != item.revision:
        raise ConflictError(
            _(
                "Someone changed this item after you opened it. Reload it to see "
                "its current state, then decide again."
            )
        )
    schedule = _schedule(move, item, publish_at, unpublish_at)
    reason = _reason(move, reason)
    user_id = user.id if user else None
    item = content.set_status(conn, item_id, move.target, user_id, **schedule)
    # The step hands the item on: whoever was editing it is done with it, and
    # the new revision number refuses any save from a page opened before.
    conn.execute("DELETE FROM item_lock WHERE item_id = ?", (item_id,))
    if reason:
        add_note(conn, item_id, user_id, reason, kind="return")
    notify.on_transition(conn, item, name, user, reason)
    return item


def _schedule(
    move: Transition, item: Item, publish_at: str | None, unpublish_at: str | None
) -> dict[str, str | None]:
    """The publish and take-down times a transition sets (stored UTC)."""
    changes: dict[str, str | None] = {}
    now = utcnow()
    if move.needs_time:
        publish_at = content.parse_time(publish_at, _("Publication time"))
        if not publish_at:
            raise UserError(_("Give the date and time to publish at."))
        if publish_at <= now:
            raise UserError(
                _("The publication time has passed. Publish now, or choose a later time.")
            )
        changes["publish_at"] = publish_at
    elif move.name in ("unschedule", "return", "lapse"):
        changes["publish_at"] = None
    if unpublish_at is not None:
        unpublish_at = content.parse_time(unpublish_at, _("Take-down time")) or None
        start = changes.get("publish_at") or now
        if unpublish_at and unpublish_at <= start:
            raise UserError(_("The take-down time must come after publication."))
        changes["unpublish_at"] = unpublish_at
    return changes


def _reason(move: Transition, reason: str) -> str:
    # Kept as written, line breaks included, the way notes are.
    reason = clean(reason or "").strip() if move.needs_reason else ""
    if move.needs_reason and not reason:
        raise UserError(_("Say why the item is returned, so its writer can fix it."))
    if len(reason) > MAX_REASON_LENGTH:
        raise UserError(
            _("The reason is too long: use at most %(n)s characters.",
              n=MAX_REASON_LENGTH)
        )
    return reason


def set_takedown(
    conn: sqlite3.Connection, item_id: int, when: str | None, user: User
) -> Item:
    """Set or clear the time a published item comes off the site on its own."""
    item = content.get_item(conn, item_id)
    require(user, "transition:unpublish", item)
    locks.clear_for_step(conn, item, user)
    if item.status not in ("published", "scheduled", "approved"):
        raise ConflictError(_(REFUSALS.get(item.status, "")))
    moment = content.parse_time(when, _("Take-down time")) if when else None
    if moment and moment <= max(utcnow(), item.publish_at or ""):
        raise UserError(_("The take-down time must come after publication."))
    return content.set_status(conn, item_id, item.status, user.id, unpublish_at=moment)


def add_note(
    conn: sqlite3.Connection, item_id: int, user_id: int | None, body: str,
    kind: str = "note",
) -> int:
    cur = conn.execute(
        "INSERT INTO item_note (item_id, user_id, at, kind, body) VALUES (?, ?, ?, ?, ?)",
        (item_id, user_id, utcnow(), kind, body),
    )
    return cur.lastrowid


# -- the rules, as data -----------------------------------------------------------


def rules(conn: sqlite3.Connection) -> dict[str, frozenset[str]]:
    """For every transition, the roles that may take it."""
    granted: dict[str, set[str]] = {
        t.name: set() for t in TRANSITIONS.values() if not t.system
    }
    for row in conn.execute("SELECT transition, role FROM workflow_rule"):
        granted.setdefault(row[0], set()).add(row[1])
    return {name: frozenset(roles) for name, roles in granted.items()}


def set_rules(
    conn: sqlite3.Connection, wanted: dict[str, set[str]], user: User
) -> None:
    """Replace the rules; every change is recorded in the audit trail."""
    require(user, "workflow.manage")
    unknown = set(wanted) - {t.name for t in TRANSITIONS.values() if not t.system}
    bad_roles = set().union(*wanted.values()) - set(ROLES) if wanted else set()
    if unknown or bad_roles:
        raise UserError(_("The workflow rules name an unknown step or role."))
    if not wanted.get("publish") and not wanted.get("publish_now"):
        raise UserError(_("At least one role must be able to publish."))
    current = rules(conn)
    for name in current:
        before, after = current.get(name, frozenset()), frozenset(wanted.get(name, ()))
        for role in sorted(after - before):
            conn.execute(
                "INSERT INTO workflow_rule (transition, role) VALUES (?, ?)", (name, role)
            )
            audit(conn, user.id, "workflow.grant", f"transition:{name}", role)
        for role in sorted(before - after):
            conn.execute(
                "DELETE FROM workflow_rule WHERE transition = ? AND role = ?",
                (name, role),
            )
            audit(conn, user.id, "workflow.revoke", f"transition:{name}", role)


# -- the scheduler's work ---------------------------------------------------------


def run_schedule(conn: sqlite3.Connection, now: datetime | None = None) -> list[int]:
    """Publish and take down everything whose time has come, including what
    fell due while the appliance was stopped; returns the items changed."""
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    changed = []
    for item_id, due in content.due_for_schedule(conn, moment):
        if due == "unpublish":
            name = "expire"
        else:
            until = content.get_item(conn, item_id).unpublish_at
            name = "lapse" if until and until <= moment else "release"
        transition(conn, item_id, name, None)
        changed.append(item_id)
    return changed


async def publish_due(app: web.Application) -> None:
    """The scheduler's job. It writes only when something is due, so the
    page cache is not emptied every few seconds for nothing."""
    db = app[DB]
    if not await db.read(content.due_for_schedule, utcnow()):
        return
    changed = await db.write(run_schedule)
    log.info("schedule run", extra={"items": changed})


def overdue(conn: sqlite3.Connection, grace_seconds: int = 120) -> list[Item]:
    """Scheduled work more than `grace_seconds` late: a sign the scheduler is
    not running."""
    limit = datetime.fromtimestamp(
        datetime.now(UTC).timestamp() - grace_seconds, UTC
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    ids = [item_id for item_id, _move in content.due_for_schedule(conn, limit)]
    found = content.items_by_id(conn, ids)
    return [found[i] for i in ids if i in found]
