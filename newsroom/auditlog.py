"""The audit trail, for administrators: who did what, when, to which thing,
from which address.

GET /admin/audit?user=&action=&target=&from=&to=&page=

Newest first. `action` matches a prefix ("user." finds every account change),
`target` matches exactly ("user:3", "item:42"), `from` and `to` are
YYYY-MM-DD days in Asia/Ho_Chi_Minh, both included. The trail itself is
append-only (the database refuses changes), so this page only reads.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from aiohttp import web

from appliance.errors import UserError
from appliance.i18n import LOCAL_TZ
from appliance.i18n import gettext as _
from appliance.users import list_users

from . import labels
from .pages import page_number, read, render, signed_in
from .permissions import require

PAGE_SIZE = 50
MAX_FILTER = 200

# Account actions, named for people (the dashboard's names are in labels).


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    action: str = ""
    target: str = ""
    since: date | None = None
    until: date | None = None

    def where(self) -> tuple[str, list]:
        clauses, params = [], []
        if self.user_id is not None:
            clauses.append("audit.user_id = ?")
            params.append(self.user_id)
        if self.action:
            clauses.append("substr(audit.action, 1, ?) = ?")
            params += [len(self.action), self.action]
        if self.target:
            clauses.append("audit.target = ?")
            params.append(self.target)
        if self.since:
            clauses.append("audit.at >= ?")
            params.append(_utc_start(self.since))
        if self.until:
            clauses.append("audit.at < ?")
            params.append(_utc_start(self.until + timedelta(days=1)))
        return " AND ".join(clauses) or "1", params


def _utc_start(day: date) -> str:
    """The first second of a local day, as stored (UTC)."""
    start = datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def audit_entries(conn: sqlite3.Connection, wanted: AuditFilter, limit: int,
                  offset: int) -> tuple[list[sqlite3.Row], int]:
    where, params = wanted.where()
    total = conn.execute(f"SELECT count(*) FROM audit WHERE {where}", params).fetchone()[0]
    rows = conn.execute(
        "SELECT audit.*, user.username, user.display_name FROM audit"
        f" LEFT JOIN user ON user.id = audit.user_id WHERE {where}"
        " ORDER BY audit.id DESC LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
    return rows, total


def _page_data(conn: sqlite3.Connection, wanted: AuditFilter, page: int) -> dict:
    rows, total = audit_entries(conn, wanted, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return {"entries": rows, "total": total, "people": list_users(conn)}


async def audit_page(request: web.Request) -> web.Response:
    require(signed_in(request), "audit.view")
    wanted = audit_filter(request.query)
    page = page_number(request)
    data = await read(request, _page_data, wanted, page)
    query = {k: v for k, v in request.query.items()
             if k in ("user", "action", "target", "from", "to") and v}
    context = data | {
        "filters": wanted,
        "query": query,
        "page": page,
        "pages": max(1, -(-data["total"] // PAGE_SIZE)),
        "action_name": action_name,
    }
    return await render(request, "audit.html", context)


def audit_filter(query) -> AuditFilter:
    """The filter the address asks for; a clear 400 for a value that is not one."""
    user = query.get("user", "")
    user_id = None
    if user:
        if not (user.isascii() and user.isdigit() and len(user) <= 15):
            raise UserError(_("Choose the user from the list."))
        user_id = int(user)
    wanted = AuditFilter(user_id, _text(query, "action"), _text(query, "target"),
                         _day(query, "from"), _day(query, "to"))
    if wanted.since and wanted.until and wanted.since > wanted.until:
        raise UserError(_("The first day comes after the last day. Swap them."))
    return wanted


def _text(query, name: str) -> str:
    value = query.get(name, "").strip()
    if len(value) > MAX_FILTER:
        raise UserError(_("The filter is too long: use at most %(n)s characters.",
                          n=MAX_FILTER))
    return value


def _day(query, name: str) -> date | None:
    value = query.get(name, "").strip()
    if not value:
        return None
    try:
        if len(value) != 10 or not value.isascii():
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(_("“%(value)s” is not a date: write it as YYYY-MM-DD, for "
                          "example 2025-03-31.", value=value[:20])) from None


def action_name(code: str) -> str:
    """What an action code means, in the reader's language (the code itself
    when it has no name yet)."""
    known = labels.AUDIT_ACTIONS.get(code)
    return _(known) if known else code
