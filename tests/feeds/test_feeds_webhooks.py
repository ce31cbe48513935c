"""Webhooks against a real receiver on loopback: every delivery is signed as
Standard Webhooks says, a failure is retried with back-off while later events
wait, events arrive in the order they happened, filters hold, and nothing
scheduled is announced before its time."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from aiohttp import web
from staff_support import NO_SECOND_FACTOR, new_site
from standardwebhooks.webhooks import Webhook

from appliance import config as config_mod
from appliance.app import DB
from appliance.content import ItemInput, delete_item, save_item, save_section, set_status
from appliance.db import transaction
from feeds import webhooks
from feeds.webhooks import Secrets, add_subscriber


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A site whose webhook job looks every second and retries after one
    second, so retries happen within a test."""
    return new_site(tmp_path, NO_SECOND_FACTOR | {
        "webhooks.poll_seconds": 1, "webhooks.retry_base_seconds": 1,
        "webhooks.max_attempts": 3, "webhooks.timeout_seconds": 2})


class Receiver:
    """A subscriber's endpoint: keeps what arrives, and answers with the
    statuses it is told to give first."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.refusals: list[int] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append((dict(request.headers), body))
        if self.refusals:
            return web.Response(status=self.refusals.pop(0))
        return web.Response(status=204)

    def events(self) -> list[tuple[str, int]]:
        return [(json.loads(body)["type"], json.loads(body)["data"]["id"])
                for _headers, body in self.received]


@pytest.fixture
async def receiver(aiohttp_server):
    kept = Receiver()
    app = web.Application()
    app.router.add_post("/hook", kept.handle)
    server = await aiohttp_server(app)
    kept.url = str(server.make_url("/hook"))
    return kept


async def wait_for(condition, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("waited in vain")


def article(title: str, lang: str = "vi", **fields) -> ItemInput:
    return ItemInput(kind="article", lang=lang, title=title, section_key="tin-tuc",
                     summary="Tóm tắt.", body="<p>Nội dung.</p>", **fields)


@pytest.fixture
def subscribe(config, conn, receiver):
    transaction(conn, save_section, "tin-tuc", {"vi": "Tin tức", "en": "News"})

    def make(name: str = "mobile app", events=webhooks.EVENTS, **filters):
        return transaction(conn, add_subscriber, Secrets(config), name, receiver.url,
                           events, filters)

    return make


async def test_deliveries_are_signed_as_standard_webhooks_says(client, config, conn,
                                                              receiver, subscribe):
    subscriber, secret = subscribe()
    assert secret.startswith("whsec_")
    item = await client.app[DB].write(save_item, article("Khánh thành cầu mới"),
                                      status="published")
    await wait_for(lambda: receiver.received)

    headers, body = receiver.received[0]
    # The reference library accepts it ...
    event = Webhook(secret).verify(body, headers)
    # ... and so does the specification, computed by hand.
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert headers["webhook-id"].startswith("msg_")
    assert headers["Content-Type"] == "application/json"

    assert event["type"] == "content.published"
    assert event["data"]["id"] == item.id
    assert event["data"]["title"] == "Khánh thành cầu mới"
    assert event["data"]["url"] == config.base_url + item.url
    assert event["data"]["api_url"] == f"{config.base_url}/api/v1/articles/{item.id}"
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do
        Webhook(webhooks.new_secret()).verify(body, headers)


async def test_a_failure_is_retried_and_later_events_wait_their_turn(
        client, conn, receiver, subscribe):
    subscriber, _secret = subscribe()
    receiver.refusals = [503, 500]  # the first two attempts fail
    db = client.app[DB]
    item = await db.write(save_item, article("Tin một"), status="published")
    changed = article("Tin một, cập nhật")
    await db.write(save_item, changed, item_id=item.id)
    await db.write(set_status, item.id, "unpublished")
    other = await db.write(save_item, article("Tin hai"), status="published")
    await db.write(delete_item, other.id)
    await wait_for(lambda: len(receiver.received) >= 7)

    assert receiver.events() == [
        ("content.published", item.id), ("content.published", item.id),
        ("content.published", item.id), ("content.updated", item.id),
        ("content.unpublished", item.id), ("content.published", other.id),
        ("content.deleted", other.id)]
    ids = [headers["webhook-id"] for headers, _body in receiver.received]
    assert ids[0] == ids[1] == ids[2]  # one message, tried three times
    assert len(set(ids[2:])) == 5
    stamps = [int(headers["webhook-timestamp"]) for headers, _ in receiver.received]
    assert stamps[2] - stamps[0] >= 2  # waited 1 s, then 2 s

    log = transaction(conn, webhooks.delivery_log, subscriber.id)
    first = log[-1]
    assert first.state == "delivered" and first.attempts == 3
    assert [attempt.status for attempt in first.tried] == [503, 500, 204]


async def test_a_delivery_given_up_can_be_resent_with_the_same_id(
        client, conn, receiver, subscribe):
    subscriber, _secret = subscribe()
    receiver.refusals = [500, 500, 500]
    await client.app[DB].write(save_item, article("Tin hai"), status="published")
    await wait_for(lambda: len(receiver.received) == 3)
    await asyncio.sleep(1.2)
    (failed,) = transaction(conn, webhooks.delivery_log, subscriber.id)
    assert failed.state == "failed" and failed.attempts == 3

    await client.app[DB].write(webhooks.resend, failed.id)
    await wait_for(lambda: len(receiver.received) == 4)
    assert receiver.received[3][0]["webhook-id"] == failed.message_id
    await wait_for(lambda: transaction(conn, webhooks.delivery_log, subscriber.id)[0]
                   .state == "delivered")


async def test_filters_and_chosen_events_hold(client, receiver, subscribe):
    subscribe("english only", events=["content.published"], lang=["en"])
    db = client.app[DB]
    await db.write(save_item, article("Tin tiếng Việt"), status="published")
    english = await db.write(save_item, article("English news", lang="en"),
                             status="published")
    await db.write(set_status, english.id, "unpublished")
    await wait_for(lambda: receiver.received)
    await asyncio.sleep(1.5)
    assert receiver.events() == [("content.published", english.id)]


async def test_nothing_is_announced_before_its_time(client, conn, receiver, subscribe):
    subscribe()
    db = client.app[DB]
    embargoed = await db.write(save_item, article(
        "Tin giữ đến giờ", published_at="2999-01-01T08:00"), status="published")
    assert embargoed.status == "scheduled"
    draft = await db.write(save_item, article("Bản nháp"))
    await db.write(save_item, article("Bản nháp, sửa"), item_id=draft.id)
    await asyncio.sleep(1.5)
    assert receiver.received == []

    await db.write(set_status, embargoed.id, "published")
    await wait_for(lambda: receiver.received)
    assert receiver.events() == [("content.published", embargoed.id)]


async def test_saving_without_subscribers_writes_no_events(client, conn):
    await client.app[DB].write(save_section, "tin-tuc", {"vi": "Tin tức"})
    await client.app[DB].write(save_item, article("Tin"), status="published")
    assert conn.execute("SELECT count(*) FROM content_event").fetchone()[0] == 0


def test_a_sealed_secret_needs_the_site_key(tmp_path, config):
    other = config_mod.load(new_site(tmp_path / "other", NO_SECOND_FACTOR))
    sealed = Secrets(config).seal("whsec_abc")
    assert Secrets(config).open(sealed) == "whsec_abc"
    assert "whsec_abc" not in sealed
    with pytest.raises(Exception, match="webhook_key"):
        Secrets(other).open(sealed)


def test_every_writer_raises_events_but_a_takedown_time_alone_does_not(
        tmp_path, conn, subscribe):
    subscribe()
    records = tmp_path / "news.jsonl"
    records.write_text("\n".join(json.dumps({
        "external_id": f"n{number}", "kind": "article", "lang": "vi",
        "section": "tin-tuc", "title": f"Tin số {number}"}) for number in range(3)),
        encoding="utf-8")
    from appliance.importer import import_files

    import_files(conn, [records])  # the command line's importer
    events = conn.execute("SELECT type, item_id FROM content_event ORDER BY id").fetchall()
    assert [row[0] for row in events] == ["content.published"] * 3

    item_id = events[0][1]
    transaction(conn, lambda db: set_status(db, item_id, "published",
                                            unpublish_at="2999-01-01T00:00:00Z"))
    assert conn.execute("SELECT count(*) FROM content_event").fetchone()[0] == 3


async def test_a_section_filter_holds(client, conn, receiver, subscribe):
    transaction(conn, save_section, "kinh-te", {"vi": "Kinh tế"})
    subscribe("economy", section=["kinh-te"])
    db = client.app[DB]
    await db.write(save_item, article("Tin tức chung"), status="published")
    economy = await db.write(save_item, ItemInput(
        kind="article", lang="vi", title="Tin kinh tế", section_key="kinh-te"),
        status="published")
    await wait_for(lambda: receiver.received)
    await asyncio.sleep(1.5)
    assert receiver.events() == [("content.published", economy.id)]


def test_old_events_are_forgotten_once_delivered(conn, subscribe):
    subscriber, _secret = subscribe()
    transaction(conn, lambda db: db.execute(
        "INSERT INTO content_event (at, type, item_id, data, fanned) VALUES"
        " ('2020-01-01T00:00:00Z', 'content.published', 1, '{}', 1),"
        " ('2020-01-01T00:00:00Z', 'content.published', 2, '{}', 1)"))
    transaction(conn, lambda db: db.execute(
        "INSERT INTO webhook_delivery (webhook_id, event_id, message_id, state,"
        " next_attempt_at, created_at) VALUES (?, 2, 'msg_w', 'pending',"
        " '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')", (subscriber.id,)))
    limit = webhooks.prune_limit()
    assert transaction(conn, webhooks.has_old_events, limit)
    transaction(conn, webhooks.prune, limit)
    kept = [row[0] for row in conn.execute("SELECT item_id FROM content_event")]
    assert kept == [2]  # the one still waiting to be delivered stays
