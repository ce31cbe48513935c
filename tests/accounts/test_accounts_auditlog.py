"""The audit log viewer: newest first, filters by user, action prefix,
target and local days, paging, and the address each action came from."""

from __future__ import annotations

import re
import sqlite3

import pytest

from appliance.audit import audit
from appliance.db import transaction

ENTRIES = [
    # (at, user, action, target, detail, address)
    ("2025-03-30T16:59:59Z", "admin", "user.add", "user:7", "editor", "10.0.0.1"),
    ("2025-03-30T17:00:00Z", "admin", "user.role", "user:7", "editor → admin", None),
    ("2025-03-31T09:00:00Z", "tam", "item.update", "item:42", None, "10.0.0.2"),
    ("2025-03-31T16:59:59Z", "tam", "item.published", "item:42", None, "10.0.0.2"),
    ("2025-03-31T17:00:00Z", "tam", "users.odd", "item:43", None, "10.0.0.2"),
]


@pytest.fixture
def trail(conn, add_staff):
    add_staff("editor", "tam")
    ids = dict(conn.execute("SELECT username, id FROM user"))
    conn.execute("BEGIN")
    for at, who, action, target, detail, address in ENTRIES:
        conn.execute("INSERT INTO audit (at, user_id, action, target, detail, address)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     (at, ids[who], action, target, detail, address))
    conn.execute("COMMIT")
    return ids


def rows(page: str) -> list[str]:
    """The action codes of the listed entries, in order."""
    body = page.split("<tbody>", 1)[1] if "<tbody>" in page else ""
    return re.findall(r"<code>([a-z_.]+)</code>", body)


# Entries made while setting up the test (accounts, the administrator's
# second factor) are dated today; every filter below ends in April 2025.
@pytest.mark.parametrize("query, expected", [
    ("to=2025-04-30", ["users.odd", "item.published", "item.update", "user.role",
                       "user.add"]),
    ("action=user.&to=2025-04-30", ["user.role", "user.add"]),
    ("action=item&to=2025-04-30", ["item.published", "item.update"]),
    ("target=item:42", ["item.published", "item.update"]),
    # Days are local (UTC+7): 17:00 UTC on the 30th is 00:00 on the 31st.
    ("from=2025-03-31&to=2025-03-31", ["item.published", "item.update", "user.role"]),
    ("to=2025-03-30", ["user.add"]),
    ("from=2025-04-01&to=2025-04-30", ["users.odd"]),
    ("action=user.&target=user:7&from=2025-03-31", ["user.role"]),
])
async def test_filters(admin, trail, query, expected):
    response = await admin.get(f"/admin/audit?{query}")
    assert response.status == 200
    assert rows(await response.text()) == expected


async def test_filter_by_user_and_the_details_shown(admin, trail):
    page = await (await admin.get(f"/admin/audit?user={trail['tam']}&to=2025-04-30")).text()
    assert rows(page) == ["users.odd", "item.published", "item.update"]
    assert "10.0.0.2" in page
    # Local time: 09:00 UTC is 16:00 in Asia/Ho_Chi_Minh.
    assert "16:00" in page


@pytest.mark.parametrize("query", ["from=31/03/2025", "to=2025-02-30", "user=abc",
                                   "from=2025-04-02&to=2025-04-01", "page=0",
                                   "action=" + "x" * 300])
async def test_bad_filters_get_a_clear_400(admin, query):
    response = await admin.get(f"/admin/audit?{query}")
    assert response.status == 400
    assert "Traceback" not in await response.text()


async def test_paging(admin, conn):
    conn.execute("BEGIN")
    for n in range(120):
        audit(conn, None, "test.entry", f"thing:{n}")
    conn.execute("COMMIT")
    first = await (await admin.get("/admin/audit?action=test.")).text()
    assert "thing:119" in first and "thing:70" in first and "thing:69" not in first
    assert 'rel="next" href="/admin/audit?action=test.&amp;page=2"' in first
    third = await (await admin.get("/admin/audit?action=test.&page=3")).text()
    assert "thing:19" in third and "thing:0<" in third and "thing:20<" not in third


def test_the_trail_cannot_be_rewritten(conn):
    transaction(conn, audit, None, "test.entry", "thing:1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        transaction(conn, lambda c: c.execute("DELETE FROM audit"))
