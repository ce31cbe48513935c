"""Notifications: telling staff what happened to the items they care about.

The workflow calls `on_transition` after every change of state, and the lock
`on_takeover`, inside their own transactions, so a notification exists
exactly when what it reports happened. Each one is a row in `notification`
(the newsroom's page /admin/notifications lists them) and, when mail is
configured and the recipient has an address, a message in the outbox.

A row keeps only the event and its detail (a return's reason, a schedule's
time); the sentence is made when it is shown, in the reader's interface
language. Mail goes out in Vietnamese, as nothing says which language its
reader prefers.

    GET  /admin/notifications            mine, newest first
    POST /admin/notifications/read       mark them all read
    POST /admin/notifications/{id}/read  mark one read
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from appliance import content
from appliance.content import Item
from appliance.db import utcnow
from appliance.errors import NotFoundError
from appliance.i18n import current_language, format_date, lazy_gettext_for
from appliance.i18n import gettext as _
from appliance.security import check_csrf
from appliance.text import truncate
from appliance.users import User

from . import mailer
from .labels import N_
from .pages import USER, page_number, read, render, signed_in, write

log = logging.getLogger("portal.newsroom")

PAGE_SIZE = 50
MAIL_LANGUAGE = "vi"
MAIL_TITLE_LENGTH = 120  # in the subject line; the body has the whole title

# The event each workflow transition announces; the rest pass quietly.
# "release" is the scheduler publishing what was scheduled.
TRANSITION_EVENTS = {
    "submit": "submitted",
    "send_for_approval": "awaiting_approval",
    "return": "returned",
    "approve": "approved",
    "schedule": "scheduled",
    "publish": "published",
    "publish_now": "published",
    "release": "published",
    "receive": "received",
}

# What a reader is told, by event. %(actor)s is who did it, %(title)s the
# item; %(detail)s the reason or the time, for the events that have one.
MESSAGES = {
    "submitted": N_("%(actor)s submitted “%(title)s”. It waits for an editor."),
    "awaiting_approval": N_("%(actor)s sent “%(title)s” for approval."),
    "returned": N_("%(actor)s returned “%(title)s” to you. The reason: %(detail)s"),
    "approved": N_("%(actor)s approved “%(title)s”."),
    "scheduled": N_("%(actor)s scheduled “%(title)s” to be published at %(detail)s."),
    "published": N_("%(actor)s published “%(title)s”."),
    "takeover": N_("%(actor)s took over the editing of “%(title)s” from you."),
    "received": N_("“%(title)s” arrived from %(detail)s. It waits for an editor."),
}
SUBJECTS = {
    "submitted": N_("Submitted for editing: %(title)s"),
    "awaiting_approval": N_("Waiting for your approval: %(title)s"),
    "returned": N_("Returned to you: %(title)s"),
    "approved": N_("Approved: %(title)s"),
    "scheduled": N_("Scheduled: %(title)s"),
    "published": N_("Published: %(title)s"),
    "takeover": N_("Editing taken over: %(title)s"),
    "received": N_("Sent by a partner: %(title)s"),
}
SCHEDULER = N_("The scheduler")
SOMEONE = N_("Someone")
MAIL_LINK = N_("Open it in the newsroom: %(url)s")
MAIL_FOOTER = N_(
    "You receive this mail because you have an account in the newsroom of %(site)s."
)


# -- who hears about what -----------------------------------------------------


def on_transition(
    conn: sqlite3.Connection,
    item: Item,
    name: str,
    actor: User | None,
    reason: str | None = None,
) -> list[int]:
    """Notify those an item's new state concerns; `actor` None is the
    scheduler. Returns the ids of the users notified."""
    event = TRANSITION_EVENTS.get(name)
    if event is None:
        return []
    detail = reason or ""
    if event == "scheduled":
        detail = item.publish_at or ""
    elif event == "received":  # a partner's push: say who sent it
        detail = item.attribution or item.source
    return send(conn, _recipients(conn, event, item), event, item, actor, detail)


def on_takeover(
    conn: sqlite3.Connection, item: Item, previous_holder_id: int, actor: User
) -> list[int]:
    """Tell the editor whose lock was taken over, so they know why their
    page stopped saving."""
    return send(conn, [previous_holder_id], "takeover", item, actor, "")


def _recipients(conn: sqlite3.Connection, event: str, item: Item) -> list[int]:
    if event in ("submitted", "received"):
        return may_take(conn, "take", item)
    if event == "awaiting_approval":
        return may_take(conn, "approve", item)
    if event == "returned":
        return [item.author_id] if item.author_id else []
    # approved, scheduled, published: the writer and whoever vouched for it.
    return [uid for uid in (item.author_id, sent_for_approval_by(conn, item.id)) if uid]


def may_take(conn: sqlite3.Connection, transition: str, item: Item) -> list[int]:
    """Enabled staff whose role holds the transition and who act in the
    item's section (staff limited to no section act in all)."""
    rows = conn.execute(
        "SELECT user.id FROM user JOIN workflow_rule ON workflow_rule.role = user.role"
        " WHERE workflow_rule.transition = ? AND user.disabled = 0"
        " AND (NOT EXISTS (SELECT 1 FROM user_section WHERE user_id = user.id)"
        "      OR EXISTS (SELECT 1 FROM user_section WHERE user_id = user.id"
        "                 AND section_id = ?))"
        " ORDER BY user.id",
        (transition, item.section_id),
    )
    return [row[0] for row in rows]


def sent_for_approval_by(conn: sqlite3.Connection, item_id: int) -> int | None:
    """Who last sent the item for approval, from the audit trail."""
    row = conn.execute(
        "SELECT user_id FROM audit WHERE action = 'item.awaiting_approval'"
        " AND target = ? ORDER BY id DESC LIMIT 1",
        (f"item:{item_id}",),
    ).fetchone()
    return row[0] if row else None


def send(
    conn: sqlite3.Connection,
    user_ids: Iterable[int],
    event: str,
    item: Item,
    actor: User | None,
    detail: str,
) -> list[int]:
    """Record the notification for each enabled recipient but the actor,
    and queue its mail when mail is configured."""
    actor_id = actor.id if actor else None
    wanted = sorted({uid for uid in user_ids if uid and uid != actor_id})
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    rows = conn.execute(
        f"SELECT id, email FROM user WHERE disabled = 0 AND id IN ({marks}) ORDER BY id",
        wanted,
    ).fetchall()
    now = utcnow()
    conn.executemany(
        "INSERT INTO notification (user_id, at, event, item_id, actor_id, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(row["id"], now, event, item.id, actor_id, detail) for row in rows],
    )
    _queue_mail(conn, [row["email"] for row in rows], event, item, actor, detail)
    log.debug("notified", extra={"event": event, "item": item.id, "recipients": len(rows)})
    return [row["id"] for row in rows]


# -- what they are told -------------------------------------------------------


def sentence(event: str, actor: str, title: str, detail: str, lang: str) -> str:
    """The notification in one language."""
    message = MESSAGES.get(event)
    if message is None:  # an event this version does not know: say little
        return lazy_gettext_for(lang, "“%(title)s” changed.", title=title)
    if event == "scheduled":
        detail = _moment(detail, lang)
    return lazy_gettext_for(lang, message, actor=actor, title=title, detail=detail)


def _moment(value: str, lang: str) -> str:
    try:
        return f"{format_date(value, 'time', lang)} {format_date(value, 'short', lang)}"
    except ValueError:
        return value


def _actor_name(actor: User | None, lang: str) -> str:
    return actor.label if actor else lazy_gettext_for(lang, SCHEDULER)


def _queue_mail(
    conn: sqlite3.Connection,
    addresses: list[str | None],
    event: str,
    item: Item,
    actor: User | None,
    detail: str,
) -> None:
    settings = mailer.settings_for(conn)
    addresses = [a for a in addresses if mailer.plausible_address(a)]
    if settings is None or not addresses:
        return
    lang = MAIL_LANGUAGE
    title = truncate(item.title, MAIL_TITLE_LENGTH)
    subject = lazy_gettext_for(lang, SUBJECTS.get(event, "%(title)s"), title=title)
    text = sentence(event, _actor_name(actor, lang), item.title, detail, lang)
    link = f"{settings.base_url}/admin/items/{item.id}"
    body = "\n\n".join([
        text,
        lazy_gettext_for(lang, MAIL_LINK, url=link),
        "-- \n" + lazy_gettext_for(lang, MAIL_FOOTER, site=settings.site_name),
    ]) + "\n"
    for address in addresses:
        mailer.enqueue(conn, address, f"[{settings.site_name}] {subject}", body)


# -- the reader's list --------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One notification, ready to show."""

    id: int
    at: str
    event: str
    item: Item | None
    text: str
    read: bool


def unread_count(conn: sqlite3.Connection, user_id: int) -> int:
    return conn.execute(
        "SELECT count(*) FROM notification WHERE user_id = ? AND read_at IS NULL",
        (user_id,),
    ).fetchone()[0]


def notices_for(
    conn: sqlite3.Connection, user_id: int, lang: str, *, limit: int, offset: int
) -> tuple[list[Notice], int]:
    """A page of the user's notifications, newest first, and how many in all."""
    total = conn.execute("SELECT count(*) FROM notification WHERE user_id = ?",
                         (user_id,)).fetchone()[0]
    rows = conn.execute(
        "SELECT notification.*, user.display_name, user.username FROM notification"
        " LEFT JOIN user ON user.id = notification.actor_id"
        " WHERE notification.user_id = ? ORDER BY notification.id DESC LIMIT ? OFFSET ?",
        (user_id, limit, offset),
    ).fetchall()
    items = content.items_by_id(conn, [row["item_id"] for row in rows if row["item_id"]])
    return [_notice(row, items.get(row["item_id"]), lang) for row in rows], total


def _notice(row: sqlite3.Row, item: Item | None, lang: str) -> Notice:
    if row["actor_id"] is None:
        actor = lazy_gettext_for(lang, SCHEDULER)
    else:
        actor = row["display_name"] or row["username"] or lazy_gettext_for(lang, SOMEONE)
    title = item.title if item else "—"
    text = sentence(row["event"], actor, title, row["detail"], lang)
    return Notice(row["id"], row["at"], row["event"], item, text, row["read_at"] is not None)


def mark_read(conn: sqlite3.Connection, user_id: int, notification_id: int | None) -> int:
    """Mark one of the user's notifications read, or all of them (None)."""
    sql = "UPDATE notification SET read_at = ? WHERE user_id = ? AND read_at IS NULL"
    params: list[Any] = [utcnow(), user_id]
    if notification_id is not None:
        exists = conn.execute("SELECT 1 FROM notification WHERE id = ? AND user_id = ?",
                              (notification_id, user_id)).fetchone()
        if exists is None:
            raise NotFoundError(_("No notification with number %(id)s.",
                                  id=notification_id))
        sql += " AND id = ?"
        params.append(notification_id)
    return conn.execute(sql, params).rowcount


# -- pages --------------------------------------------------------------------


async def notifications_page(request: web.Request) -> web.Response:
    user = signed_in(request)
    page = page_number(request)
    lang = current_language()
    notices, total = await read(request, notices_for, user.id, lang,
                                limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return await render(request, "notifications.html", {
        "notices": notices,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
    })


async def read_all(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    await check_csrf(request)
    await write(request, mark_read, user.id, None)
    raise web.HTTPSeeOther("/admin/notifications")


async def read_one(request: web.Request) -> web.StreamResponse:
    user = signed_in(request)
    notification_id = int(request.match_info["id"])
    await check_csrf(request)
    await write(request, mark_read, user.id, notification_id)
    raise web.HTTPSeeOther(f"/admin/notifications#n-{notification_id}")


async def unread_context(request: web.Request) -> dict[str, Any]:
    """The nav's unread count, for every newsroom page a signed-in user sees
    (a template context processor)."""
    user = request.get(USER)
    if user is None or request.method not in ("GET", "HEAD"):
        return {}
    return {"unread": await read(request, unread_count, user.id)}

