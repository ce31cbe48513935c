"""Review links: made by editors, the secret shown once and only its hash
stored, each view counted and the first audited; expired, revoked and
unknown links refused with the public error page."""

from __future__ import annotations

import hashlib
import html
import re

import pytest

from appliance import config as config_mod
from appliance.app import create_app

_LINK = re.compile(r'value="(https?://[^"]+/review/([A-Za-z0-9_-]{43}))"')


async def make_link(staff, item_id: int, hours: str = "72") -> str:
    response = await staff.post(
        f"/admin/items/{item_id}/review-links", {"hours": hours}
    )
    page = await response.text()
    assert response.status == 200, page
    match = _LINK.search(page)
    assert match, "the new link is not shown"
    return "/review/" + match.group(2)


async def test_a_link_opens_the_preview_for_anyone(conn, client, sign_in, save, editor):
    item = save(title="Dự thảo chờ góp ý", body="<p>Nội dung dự thảo.</p>")
    staff = await sign_in("editor")
    path = await make_link(staff, item.id)

    first = await client.get(path)
    second = await client.get(path)

    page = await first.text()
    assert first.status == 200, page
    assert second.status == 200
    assert "Dự thảo chờ góp ý" in page and "Nội dung dự thảo." in page
    assert 'class="preview-banner"' in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert first.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert first.headers["Cache-Control"] == "no-store"
    assert first.headers["Referrer-Policy"] == "no-referrer"
    link = conn.execute("SELECT * FROM review_link").fetchone()
    assert link["views"] == 2
    assert (
        link["token_hash"]
        == hashlib.sha256(path.rsplit("/", 1)[1].encode()).hexdigest()
    )
    views = conn.execute(
        "SELECT * FROM audit WHERE action = 'review_link.view'"
    ).fetchall()
    assert len(views) == 1 and views[0]["target"] == f"item:{item.id}"
    assert views[0]["address"] == "127.0.0.1"


async def test_the_secret_is_shown_once(conn, sign_in, save, editor):
    item = save()
    staff = await sign_in("editor")
    path = await make_link(staff, item.id)

    listing = await (await staff.get(f"/admin/items/{item.id}/review-links")).text()

    secret = path.rsplit("/", 1)[1]
    assert secret not in listing
    assert secret not in str(list(conn.execute("SELECT * FROM review_link").fetchone()))
    assert "Editor" in listing  # who made it
    assert not conn.execute(
        "SELECT 1 FROM audit WHERE detail LIKE ?", (f"%{secret}%",)
    ).fetchone()


async def test_a_revoked_link_is_gone(conn, client, sign_in, save, editor):
    item = save(title="Sẽ thu hồi")
    staff = await sign_in("editor")
    path = await make_link(staff, item.id)
    link_id = conn.execute("SELECT id FROM review_link").fetchone()[0]

    revoked = await staff.post(f"/admin/items/{item.id}/review-links/{link_id}/revoke")
    response = await client.get(path)

    assert revoked.status == 303
    page = await response.text()
    assert response.status == 410
    assert "Sẽ thu hồi" not in page
    assert '<html lang="vi"' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert conn.execute("SELECT views FROM review_link").fetchone()[0] == 0
    assert conn.execute(
        "SELECT 1 FROM audit WHERE action = 'review_link.revoke'"
    ).fetchone()


async def test_an_expired_link_is_gone(conn, client, sign_in, save, editor):
    item = save(title="Đã hết hạn")
    staff = await sign_in("editor")
    path = await make_link(staff, item.id, hours="1")
    conn.execute("UPDATE review_link SET expires_at = '2020-01-01T00:00:00Z'")

    response = await client.get(path)
    listing = await (await staff.get(f"/admin/items/{item.id}/review-links")).text()

    assert response.status == 410
    assert "Đã hết hạn" not in await response.text()
    assert "badge-link-expired" in listing


@pytest.mark.parametrize("token", ["A" * 43, "short", "A" * 42 + "!"])
async def test_unknown_links_are_not_found(client, token):
    response = await client.get(f"/review/{token}")

    assert response.status == 404
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert '<html lang="vi"' in await response.text()


@pytest.mark.parametrize("hours", ["0", "721", "abc", ""])
async def test_the_expiry_must_be_from_an_hour_to_thirty_days(
    conn, sign_in, save, editor, hours
):
    item = save()
    staff = await sign_in("editor")

    response = await staff.post(
        f"/admin/items/{item.id}/review-links", {"hours": hours}
    )

    assert response.status == 400
    assert "30" in html.unescape(await response.text())
    assert conn.execute("SELECT count(*) FROM review_link").fetchone()[0] == 0


async def test_writers_cannot_share_items(sign_in, save, add_staff):
    writer = add_staff("contributor")
    item = save(user=writer)
    staff = await sign_in("contributor")

    assert (await staff.get(f"/admin/items/{item.id}/review-links")).status == 403
    refused = await staff.post(f"/admin/items/{item.id}/review-links", {"hours": "24"})
    assert refused.status == 403


async def test_review_lookups_are_rate_limited(aiohttp_client, data_dir):
    text = config_mod.render_config(
        {"security.review_lookups": 3, "security.review_window": 600}
    )
    (data_dir / config_mod.CONFIG_FILE).write_text(text, encoding="utf-8")
    client = await aiohttp_client(create_app(config_mod.load(data_dir)))

    answers = [(await client.get(f"/review/{'B' * 43}")).status for _ in range(4)]

    assert answers == [404, 404, 404, 429]
