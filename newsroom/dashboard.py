"""The newsroom's front page: what needs me, what is coming, what went wrong.

An alarm at the top when scheduled work is late (the scheduler may not be
running) and, for administrators, when the last backup failed or is old;
then my drafts, the items waiting for a step I may take, what is
scheduled, what was published lately, counts by state and language, and
who did what.

GET /admin/
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from appliance import audit, content
from appliance.app import CONFIG
from appliance.content import Item
from appliance.i18n import LOCAL_TZ, current_language
from appliance.tls import CertificateInfo, certificate_status
from appliance.users import User, list_users
from backup import backup_status
from search import sources

from . import workflow
from .royalties import periods as royalty_periods
from .pages import read, render, signed_in
from .permissions import can, in_sections_sql, require

RECENT_ENTRIES = 12
MY_DRAFTS = 10
WAITING = 20
SCHEDULED = 20
PUBLISHED = 8
# Scheduled work this late means the scheduler is not doing its job; the
# scheduler itself runs every minute, so a little lateness is normal.
OVERDUE_GRACE_SECONDS = 120
# How far the "waiting for me" query looks before the permission check
# narrows it; more than this many items in review is a backlog anyway.
WAITING_CANDIDATES = 200

# The states in which an item waits for someone, and the steps that end
# the wait.
WAITING_STEPS = {
    "submitted": ("take",),
    "editing": ("send_for_approval",),
    "awaiting_approval": ("approve",),
    "approved": ("schedule", "publish"),
}


@dataclass(frozen=True)
class Entry:
    """One audit line, ready to show."""

    at: str
    who: str | None
    action: str
    target: str | None
    kind: str  # what the target is: item, section, user, ...
    item: content.Item | None  # the item, when the target is one that still exists


def dashboard_data(conn: sqlite3.Connection, user: User, languages: list[str]) -> dict:
    sections = content.list_sections(conn)
    users = {u.id: u for u in list_users(conn)}
    rows = audit.recent(conn, RECENT_ENTRIES)
    named = content.items_by_id(conn, [int(ref) for ref in map(_item_ref, rows) if ref])
    counts = content.status_counts(conn, languages)
    return {
        "overdue": workflow.overdue(conn, OVERDUE_GRACE_SECONDS),
        "source_alarms": sources.alarms(conn) if can(user, "source.manage") else [],
        "my_drafts": my_drafts(conn, user),
        "waiting": waiting_for(conn, user),
        "scheduled": scheduled(conn),
        "published": recently_published(conn),
        "counts": counts,
        "total": sum(sum(row.values()) for row in counts.values()),
        "entries": [_entry(row, sections, users, named) for row in rows],
        "authors": {user_id: u.label for user_id, u in users.items()},
    }


# -- the lists ----------------------------------------------------------------


def _items(conn: sqlite3.Connection, sql: str, params: list) -> list[Item]:
    """Items by an id query, in the query's order."""
    ids = [row[0] for row in conn.execute(sql, params)]
    found = content.items_by_id(conn, ids)
    return [found[i] for i in ids if i in found]


def my_drafts(conn: sqlite3.Connection, user: User) -> list[Item]:
    """The user's own items that are theirs to work on."""
    return _items(
        conn,
        "SELECT id FROM item WHERE author_id = ? AND status IN ('draft', 'returned')"
        " ORDER BY updated_at DESC, id DESC LIMIT ?",
        [user.id, MY_DRAFTS],
    )


def waiting_for(conn: sqlite3.Connection, user: User) -> list[Item]:
    """Items in a state the user may move on, longest waiting first."""
    states = [state for state, steps in WAITING_STEPS.items()
              if any(step in user.transitions for step in steps)]
    if not states:
        return []
    sql = (f"SELECT id FROM item WHERE status IN ({','.join('?' * len(states))})")
    params: list = list(states)
    narrow, narrow_params = in_sections_sql(user.sections)
    sql += narrow
    params += narrow_params
    sql += " ORDER BY updated_at, id LIMIT ?"
    candidates = _items(conn, sql, params + [WAITING_CANDIDATES])
    mine = [item for item in candidates
            if any(can(user, f"transition:{step}", item)
                   for step in WAITING_STEPS[item.status])]
    return mine[:WAITING]


def scheduled(conn: sqlite3.Connection) -> list[Item]:
    """What the scheduler will publish, soonest first."""
    return _items(
        conn,
        "SELECT id FROM item WHERE status = 'scheduled' AND publish_at IS NOT NULL"
        " ORDER BY publish_at, id LIMIT ?",
        [SCHEDULED],
    )


def recently_published(conn: sqlite3.Connection) -> list[Item]:
    return _items(
        conn,
        "SELECT id FROM item WHERE status = 'published'"
        " ORDER BY published_at DESC, id DESC LIMIT ?",
        [PUBLISHED],
    )


# -- the audit lines ----------------------------------------------------------


def _item_ref(row: sqlite3.Row) -> str | None:
    """The item id an audit row names, if it names one."""
    kind, _sep, ref = (row["target"] or "").partition(":")
    return ref if kind == "item" and ref.isascii() and ref.isdigit() else None


def _entry(
    row: sqlite3.Row,
    sections: list[content.Section],
    users: dict[int, User],
    items: dict[int, content.Item],
) -> Entry:
    """An audit row with its target named: the item's title, the section's
    name in the reader's language, or the user's name."""
    kind, _sep, ref = (row["target"] or "").partition(":")
    number = int(ref) if ref.isascii() and ref.isdigit() else None
    target, item = (f"#{ref}" if ref else None), None
    if kind == "item" and number in items:
        item = items[number]
        target = item.title
    elif kind == "section":
        # The trail names new sections by key and changed ones by id.
        found = [s for s in sections if ref in (s.key, str(s.id))]
        target = found[0].name(current_language()) if found else ref
    elif kind == "user" and number in users:
        target = _user_name(users[number])
    return Entry(row["at"], row["username"], row["action"], target, kind, item)


def _user_name(user: User) -> str:
    if user.display_name and user.display_name != user.username:
        return f"{user.display_name} ({user.username})"
    return user.username


async def dashboard(request: web.Request) -> web.Response:
    user = signed_in(request)
    require(user, "dashboard.view")
    languages = list(
        dict.fromkeys(request.config_dict[CONFIG].languages + ["vi", "en", "km"])
    )
    data = await read(request, dashboard_data, user, languages)
    data["royalty_due"], data["royalty_due_total"] = [], 0
    if can(user, "royalty.view"):
        data["royalty_due"], data["royalty_due_total"] = await read(
            request, _royalty_due, request.config_dict[CONFIG])
    # Backups are the IT Center's: administrators see how they stand.
    backup = (await asyncio.to_thread(backup_status, request.config_dict[CONFIG])
              if can(user, "backup.view") else None)
    return await render(request, "dashboard.html", data | {
        "languages": languages, "backup": backup,
        "certificate": certificate_notice(request, user)})


def _royalty_due(conn: sqlite3.Connection, config) -> tuple[list, int]:
    """Works whose 60 days to be paid run out soon (or did)."""
    today = datetime.now(LOCAL_TZ).date().isoformat()
    return royalty_periods.due_works(conn, today, config["royalties.payment_days"],
                                     config["royalties.warn_days"], limit=8)


def certificate_notice(request: web.Request, user: User) -> CertificateInfo | None:
    """The HTTPS certificate, for administrators, while it needs their
    attention: self-signed, or expiring within tls.WARN_DAYS."""
    if user.role != "admin":
        return None
    info = certificate_status(request.config_dict[CONFIG])
    return info if info and (info.self_signed or info.expires_soon) else None
