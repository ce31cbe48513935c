"""The newsroom's front page: how much is where, what changed, who did what.

GET /admin/
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from aiohttp import web

from appliance import audit, content
from appliance.app import CONFIG
from appliance.i18n import current_language
from appliance.users import User, list_users

from .pages import read, render, signed_in
from .permissions import require

RECENT_ITEMS = 8
RECENT_ENTRIES = 12


@dataclass(frozen=True)
class Entry:
    """One audit line, ready to show."""

    at: str
    who: str | None
    action: str
    target: str | None
    kind: str  # what the target is: item, section, user, ...
    item: content.Item | None  # the item, when the target is one that still exists


def dashboard_data(conn: sqlite3.Connection, languages: list[str]) -> dict:
    items, total = content.staff_listing(
        conn, content.StaffFilter(), limit=RECENT_ITEMS, offset=0
    )
    sections = content.list_sections(conn)
    users = {user.id: user for user in list_users(conn)}
    rows = audit.recent(conn, RECENT_ENTRIES)
    named = content.items_by_id(conn, [int(ref) for ref in map(_item_ref, rows) if ref])
    return {
        "counts": content.status_counts(conn, languages),
        "recent": items,
        "total": total,
        "entries": [_entry(row, sections, users, named) for row in rows],
        "authors": {user_id: user.label for user_id, user in users.items()},
    }


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
    require(signed_in(request), "dashboard.view")
    languages = list(
        dict.fromkeys(request.config_dict[CONFIG].languages + ["vi", "en", "km"])
    )
    data = await read(request, dashboard_data, languages)
    return await render(request, "dashboard.html", data | {"languages": languages})
