"""The newsroom's pages for widgets, webhooks and partners: secrets shown
once, the delivery log with re-send, keys rotated and revoked; who may see
what; and the same for partners on the command line."""

from __future__ import annotations

import html
import re

import pytest

from appliance.cli import main
from appliance.db import transaction
from feeds import webhooks
from feeds.partners import key_partner, list_partners

_CODE = re.compile(r'<code class="secret" id="new-(?:secret|key)">([^<]+)</code>')


def secret_in(page: str) -> str:
    found = _CODE.search(page)
    assert found, "no secret on the page"
    return html.unescape(found.group(1))


async def test_editors_copy_a_widget_snippet(sign_in, add_staff, sections, config):
    add_staff("editor")
    editor = await sign_in("editor")
    page = await editor.text("/admin/widgets?lang=en&section=kinh-te&limit=4")
    snippet = html.unescape(page.split('id="f-snippet"', 1)[1].split(">", 1)[1]
                            .split("</textarea>", 1)[0])
    assert snippet.startswith(
        '<iframe src="http://localhost:8080/widgets/en/kinh-te?limit=4"')
    assert 'src="/widgets/en/kinh-te?limit=4"' in page  # the preview
    assert "widgets.origins" in page  # none is configured yet
    assert (await editor.get("/admin/webhooks")).status == 403
    assert (await editor.get("/admin/partners")).status == 403


async def test_an_administrator_adds_a_subscriber_and_sees_its_deliveries(
        admin, conn, config, sections):
    response = await admin.post("/admin/webhooks", {
        "name": "Ứng dụng di động", "url": "https://app.angiang.gov.vn/hooks",
        "events": ["content.published", "content.deleted"], "lang": ["vi"]})
    assert response.status == 200
    secret = secret_in(await response.text())
    assert secret.startswith("whsec_")
    (row,) = transaction(conn, webhooks.list_subscribers)
    subscriber = row.subscriber
    assert subscriber.events == ("content.published", "content.deleted")
    assert subscriber.filters == {"lang": ["vi"]}
    stored = conn.execute("SELECT secret FROM webhook").fetchone()[0]
    assert secret not in stored
    assert webhooks.Secrets(config).open(stored) == secret
    listing = await admin.text("/admin/webhooks")
    assert "Ứng dụng di động" in listing and secret not in listing

    bad = await admin.post("/admin/webhooks", {"name": "x", "url": "ftp://x",
                                               "events": ["content.published"]})
    assert bad.status == 400

    # A delivery, given up, is sent again from its page.
    transaction(conn, lambda db: db.execute(
        "INSERT INTO content_event (at, type, item_id, data, fanned) VALUES"
        " ('2025-01-01T00:00:00Z', 'content.published', 1, '{\"title\": \"Tin\"}', 1)"))
    transaction(conn, lambda db: db.execute(
        "INSERT INTO webhook_delivery (webhook_id, event_id, message_id, state,"
        " attempts, next_attempt_at, created_at) VALUES (?, 1, 'msg_x', 'failed', 10,"
        " '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')", (subscriber.id,)))
    page = await admin.text(f"/admin/webhooks/{subscriber.id}")
    assert "msg_x" in page and "Tin" in page
    (delivery,) = transaction(conn, webhooks.delivery_log, subscriber.id)
    again = await admin.post(f"/admin/webhooks/deliveries/{delivery.id}/resend",
                             {"webhook": str(subscriber.id)})
    assert again.status == 303
    (delivery,) = transaction(conn, webhooks.delivery_log, subscriber.id)
    assert delivery.state == "pending" and delivery.attempts == 0

    off = await admin.post(f"/admin/webhooks/{subscriber.id}/active", {"active": "0"})
    assert off.status == 303
    assert not transaction(conn, webhooks.get_subscriber, subscriber.id).active
    rotated = await admin.post(f"/admin/webhooks/{subscriber.id}/secret")
    assert secret_in(await rotated.text()) != secret
    gone = await admin.post(f"/admin/webhooks/{subscriber.id}/delete")
    assert gone.status == 303
    assert transaction(conn, webhooks.list_subscribers) == []


async def test_an_administrator_gives_a_partner_a_key_rotates_and_revokes_it(
        admin, conn, sections):
    response = await admin.post("/admin/partners", {
        "name": "Sở Tư pháp", "scopes": "article, directive, section:tin-tuc"})
    key = secret_in(await response.text())
    partner = transaction(conn, key_partner, key)
    assert partner.scopes == ("article", "directive", "section:tin-tuc")
    assert not partner.trusted
    assert key not in await admin.text("/admin/partners")

    refused = await admin.post("/admin/partners", {"name": "X", "scopes": "poems"})
    assert refused.status == 400
    assert "poems" in await refused.text()

    rotated = await admin.post(f"/admin/partners/{partner.id}/rotate")
    new_key = secret_in(await rotated.text())
    assert transaction(conn, key_partner, key) is None
    assert transaction(conn, key_partner, new_key).id == partner.id
    await admin.post(f"/admin/partners/{partner.id}/revoke")
    assert transaction(conn, key_partner, new_key) is None


def test_partners_on_the_command_line(data_dir, conn, sections, capsys):
    assert main(["partner", "add", "Sở Tư pháp", "--scopes", "article,section:tin-tuc",
                 "--data", str(data_dir)]) == 0
    key = capsys.readouterr().out.strip()
    assert re.fullmatch(r"pk_[A-Za-z0-9_-]{43}", key)
    assert transaction(conn, key_partner, key).name == "Sở Tư pháp"

    assert main(["partner", "add", "UBND xã", "--scopes", "directive", "--trusted",
                 "--data", str(data_dir)]) == 0
    capsys.readouterr()
    assert main(["partner", "list", "--data", str(data_dir)]) == 0
    listing = capsys.readouterr().out
    assert "Sở Tư pháp" in listing and "trusted" in listing and key not in listing

    assert main(["partner", "rotate", "Sở Tư pháp", "--data", str(data_dir)]) == 0
    new_key = capsys.readouterr().out.strip()
    assert transaction(conn, key_partner, key) is None
    assert main(["partner", "revoke", "Sở Tư pháp", "--data", str(data_dir)]) == 0
    assert transaction(conn, key_partner, new_key) is None
    assert [p.revoked_at is not None for p, _k in transaction(conn, list_partners)] == [
        False, True]


@pytest.mark.parametrize("argv", [
    ["partner", "add", "X", "--scopes", "poems"],
    ["partner", "add", "X", "--scopes", "section:nowhere,article"],
    ["partner", "add", "X", "--scopes", "section:tin-tuc"],
    ["partner", "rotate", "nobody"],
])
def test_bad_partner_commands_are_one_line_errors(data_dir, sections, capsys, argv):
    assert main([*argv, "--data", str(data_dir)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("portal: error: ") and error.count("\n") == 1
