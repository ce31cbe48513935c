"""Redirects from the old portal: 301 with the query kept apart, exact
address before path alone, loops and the site's own addresses refused, hits
counted, CSV import with rejects by line, and only senior staff manage them."""

from __future__ import annotations

import io
import re

from aiohttp import FormData

from appliance import navigation
from appliance.app import DB
from web.redirects import OLD_ADDRESSES


async def _add(staff, old, new):
    return await staff.post("/admin/redirects", {"old": old, "new": new})


async def test_old_addresses_answer_301_exact_query_first(admin, client, stories):
    bridge = stories["bridge"].url
    assert (await _add(admin, "/Pages/tin-tuc.aspx?ItemID=5", bridge)).status == 303
    assert (await _add(admin, "/Pages/tin-tuc.aspx", "/vi/tin-tuc/")).status == 303
    assert (await _add(admin, "/wps/portal/!ut/p/xyz?id=123",
                       "https://dichvucong.angiang.gov.vn/")).status == 303

    exact = await client.get("/Pages/tin-tuc.aspx?ItemID=5", allow_redirects=False)
    assert exact.status == 301
    assert exact.headers["Location"] == bridge
    other_query = await client.get("/Pages/tin-tuc.aspx?ItemID=6", allow_redirects=False)
    assert (other_query.status, other_query.headers["Location"]) == (301, "/vi/tin-tuc/")
    outside = await client.get("/wps/portal/!ut/p/xyz?id=123", allow_redirects=False)
    assert outside.headers["Location"] == "https://dichvucong.angiang.gov.vn/"
    followed = await client.get("/Pages/tin-tuc.aspx?ItemID=5")
    assert followed.status == 200 and stories["bridge"].title in await followed.text()

    unknown = await client.get("/wps/portal/other", allow_redirects=False)
    assert unknown.status == 404
    page = await client.get("/vi/", allow_redirects=False)
    assert page.status == 200


async def test_hits_are_counted_and_written(admin, client, conn, stories):
    response = await _add(admin, "/Pages/tin-tuc.aspx?ItemID=5", stories["bridge"].url)
    assert response.status == 303
    for _ in range(3):
        hit = await client.get("/Pages/tin-tuc.aspx?ItemID=5", allow_redirects=False)
        assert hit.status == 301
    listing = await (await admin.get("/admin/redirects")).text()
    assert "Hits: 3" in listing

    await client.server.app[OLD_ADDRESSES].save_hits()
    hits, last = conn.execute("SELECT hits, last_hit_at FROM redirect").fetchone()
    assert hits == 3 and last
    listing = await (await admin.get("/admin/redirects")).text()
    assert "Hits: 3" in listing


async def test_loops_and_own_addresses_are_refused(admin, conn):
    assert (await _add(admin, "/old/a.aspx", "/old/b.aspx")).status == 303
    loop = await _add(admin, "/old/b.aspx", "/old/a.aspx")
    assert loop.status == 400
    assert "loop" in await loop.text()
    itself = await _add(admin, "/old/c.aspx?id=1", "/old/c.aspx?id=1")
    assert itself.status == 400
    for own in ("/vi/tin-tuc/cu", "/admin/items", "/api/v1/search", "/media/x.jpg",
                "/static/css/site.css", "/"):
        refused = await _add(admin, own, "/vi/")
        assert refused.status == 400, own
        assert "address of this site itself" in await refused.text()
    for target in ("javascript:alert(1)", "http://example.org/", "//evil.example/",
                   "/vi/ with space"):
        assert (await _add(admin, "/old/d.aspx", target)).status == 400, target
    assert conn.execute("SELECT count(*) FROM redirect").fetchone()[0] == 1
    duplicate = await _add(admin, "/old/a.aspx", "/vi/")
    assert duplicate.status == 409


async def test_edit_and_delete(admin, client, conn):
    assert (await _add(admin, "/old/a.aspx", "/vi/")).status == 303
    redirect_id = conn.execute("SELECT id FROM redirect").fetchone()[0]
    changed = await admin.post(f"/admin/redirects/{redirect_id}",
                               {"old": "/old/a.aspx", "new": "/en/"})
    assert changed.status == 303
    moved = await client.get("/old/a.aspx", allow_redirects=False)
    assert moved.headers["Location"] == "/en/"
    assert (await admin.post(f"/admin/redirects/{redirect_id}/delete")).status == 303
    gone = await client.get("/old/a.aspx", allow_redirects=False)
    assert gone.status == 404
    actions = [row[0] for row in conn.execute(
        "SELECT action FROM audit WHERE action LIKE 'redirect.%' ORDER BY id")]
    assert actions == ["redirect.add", "redirect.update", "redirect.delete"]


async def test_csv_import_reports_rejects_by_line(admin, client, conn):
    csv_text = "\n".join([
        "old,new",
        "/Pages/a.aspx?ItemID=1,/vi/tin-tuc/",
        "/Pages/b.aspx,https://angiang.gov.vn/vi/",
        "",
        "/vi/tin-tuc/x,/vi/",
        "just one value",
        "/Pages/a.aspx?ItemID=1,/en/",
        '"/Pages/c.aspx?a=1,2",/vi/',
        "/Pages/d.aspx,/Pages/b.aspx",
        "/Pages/b.aspx?z=1,ftp://old.example/",
    ]).encode()
    response = await admin.post("/admin/redirects/import", data=_file_form(admin, csv_text))
    assert response.status == 200
    text = await response.text()
    assert "Redirects added: 4." in text and "Lines refused: 4." in text
    rows = [(number, reason) for number, _, reason in _rejects(text)]
    assert [number for number, _ in rows] == ["5", "6", "7", "10"]
    assert (await client.get("/Pages/c.aspx?a=1,2", allow_redirects=False)).status == 301
    assert conn.execute("SELECT count(*) FROM redirect").fetchone()[0] == 4

    not_utf8 = await admin.post("/admin/redirects/import",
                                data=_file_form(admin, "/café,/vi/".encode("latin-1")))
    assert not_utf8.status == 400
    assert "not UTF-8" in await not_utf8.text()


def _file_form(staff, raw: bytes) -> FormData:
    form = FormData()
    form.add_field("csrf_token", staff.csrf)
    form.add_field("file", io.BytesIO(raw), filename="redirects.csv",
                   content_type="text/csv")
    return form


def _rejects(html: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<tr class="reject"><td class="num">(\d+)</td><td><code>(.*?)'
                      r"</code></td><td>(.*?)</td></tr>", html)


async def test_only_the_editor_in_chief_and_administrators_manage_redirects(
        sign_in, add_staff, conn):
    add_staff("editor")
    add_staff("editor-in-chief")
    editor = await sign_in("editor")
    assert (await editor.get("/admin/redirects")).status == 403
    assert (await _add(editor, "/old/a.aspx", "/vi/")).status == 403
    chief = await sign_in("editorinchief")
    assert (await chief.get("/admin/redirects")).status == 200
    response = await _add(chief, "/old/a.aspx", "/vi/")
    assert response.status == 303
    assert navigation.find_redirect(conn, "/old/a.aspx", "") is not None


async def test_a_redirect_answer_is_cached_until_the_database_changes(
        admin, client, conn, stories):
    assert (await _add(admin, "/old/a.aspx", "/vi/")).status == 303
    known = client.server.app[OLD_ADDRESSES]
    assert await known.lookup("/old/a.aspx", "") is not None
    # Written behind the server's back: the cached answer stands until the
    # server notices a change in the database.
    conn.execute("UPDATE redirect SET target = '/en/'")
    assert (await known.lookup("/old/a.aspx", ""))[1] == "/vi/"
    await client.server.app[DB].check_outside_writes()
    assert (await known.lookup("/old/a.aspx", ""))[1] == "/en/"
