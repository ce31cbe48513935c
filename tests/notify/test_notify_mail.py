"""Mail: queued with the event, sent by the outbox to a real SMTP server on
loopback, tried again with growing waits after a refusal, given up after
five attempts, and never holding a secret in what it records."""

from __future__ import annotations

import pytest
from notify_support import make_item

from appliance.app import DB, create_app
from appliance.db import Database, transaction
from appliance.users import find_user
from newsroom import mailer, workflow


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def settings(port: int, **changes) -> mailer.MailSettings:
    values = dict(host="127.0.0.1", port=port, username="", password="s3cret-pass",
                  starttls=False, sender="toasoan@angiang.gov.vn",
                  site_name="Cổng thông tin điện tử tỉnh An Giang",
                  base_url="https://angiang.gov.vn")
    return mailer.MailSettings(**(values | changes))


@pytest.fixture
async def db(config):
    database = Database(config.database_path, readers=1)
    await database.open()
    yield database
    await database.close()


def outbox_rows(conn) -> list[dict]:
    return [dict(row) for row in conn.execute(
        "SELECT id, recipient, attempts, sent_at, last_error FROM mail_outbox ORDER BY id")]


async def test_a_refused_message_is_sent_on_a_later_attempt(db, conn, mailbox):
    mailbox.refuse = 1
    clock = Clock()
    outbox = mailer.Outbox(db, settings(mailbox.port), clock=clock, first_retry=60)
    transaction(conn, mailer.enqueue, "bientap@angiang.gov.vn",
                "Chờ duyệt: Cầu Vàm Cống", "Mở trong tòa soạn.\n")

    assert await outbox.send_due() == 0
    [row] = outbox_rows(conn)
    assert row["attempts"] == 1 and row["sent_at"] is None
    assert row["last_error"].startswith("SMTPDataError: 451")

    # Not again before its wait is over.
    clock.now += 30
    assert await outbox.send_due() == 0
    assert outbox_rows(conn)[0]["attempts"] == 1

    clock.now += 31
    assert await outbox.send_due() == 1
    [row] = outbox_rows(conn)
    assert row["attempts"] == 2 and row["sent_at"] and row["last_error"] is None
    [message] = await mailbox.wait_for(1)
    assert message["To"] == "bientap@angiang.gov.vn"
    assert message["Subject"] == "Chờ duyệt: Cầu Vàm Cống"
    assert "toasoan@angiang.gov.vn" in message["From"]
    assert message.get_content().splitlines() == ["Mở trong tòa soạn."]

    assert await outbox.send_due() == 0  # sent once only
    assert mailbox.refused == 1 and len(mailbox.messages) == 1


async def test_waits_double_and_mail_is_given_up_after_five_attempts(db, conn, mailbox):
    mailbox.refuse = 99
    clock = Clock()
    outbox = mailer.Outbox(db, settings(mailbox.port), clock=clock, first_retry=10)
    transaction(conn, mailer.enqueue, "bientap@angiang.gov.vn", "Tiêu đề", "Nội dung")
    waits = []
    for attempt in range(1, mailer.MAX_ATTEMPTS + 1):
        await outbox.send_due()
        assert outbox_rows(conn)[0]["attempts"] == attempt
        waits.append(outbox._next_wait())
        clock.now += 10_000
    assert waits[:4] == [10, 20, 40, 80]
    await outbox.send_due()
    [row] = outbox_rows(conn)
    assert row["attempts"] == mailer.MAX_ATTEMPTS and row["sent_at"] is None
    assert mailbox.refused == mailer.MAX_ATTEMPTS and not mailbox.messages


async def test_an_unreachable_server_is_recorded_without_secrets(db, conn, mailbox):
    from notify_support import free_port

    outbox = mailer.Outbox(db, settings(free_port(), username="toasoan"), clock=Clock())
    transaction(conn, mailer.enqueue, "bientap@angiang.gov.vn", "Tiêu đề", "Nội dung")
    assert await outbox.send_due() == 0
    error = outbox_rows(conn)[0]["last_error"]
    assert error.startswith("ConnectionRefusedError")
    assert "s3cret-pass" not in error
    assert "s3cret-pass" not in repr(outbox.settings)


async def test_no_mail_is_queued_when_no_server_is_configured(conn, sections, add_staff):
    writer = add_staff("contributor", "writer", email="writer@angiang.gov.vn")
    add_staff("editor", "editor", email="editor@angiang.gov.vn")
    item = transaction(conn, make_item, writer.id)
    transaction(conn, lambda c: workflow.transition(c, item.id, "submit",
                                                    find_user(c, "writer")))
    assert conn.execute("SELECT count(*) FROM notification").fetchone()[0] == 2
    assert outbox_rows(conn) == []


async def test_the_running_app_mails_the_event_in_vietnamese_with_a_link(
    mail_client, conn, sections, add_staff, mailbox
):
    writer = add_staff("contributor", "writer", email="writer@angiang.gov.vn")
    add_staff("editor", "editor", email="editor@angiang.gov.vn")
    add_staff("section-editor", "lead")  # no address: told in the newsroom only
    item = transaction(conn, make_item, writer.id)
    db = mail_client.server.app[DB]

    await db.write(lambda c: workflow.transition(c, item.id, "submit",
                                                 find_user(c, "writer")))

    [message] = await mailbox.wait_for(1)
    assert message["To"] == "editor@angiang.gov.vn"
    assert message["Subject"].startswith("[Cổng thông tin điện tử tỉnh An Giang] ")
    assert item.title in message["Subject"]
    body = message.get_content()
    assert f"https://angiang.gov.vn/admin/items/{item.id}" in body
    assert item.title in body
    # Everyone who may take it is told in the newsroom, with or without mail.
    told = conn.execute("SELECT count(*) FROM notification WHERE event = 'submitted'")
    assert told.fetchone()[0] == 3  # admin, editor, lead
    [row] = outbox_rows(conn)  # claimed before it was sent: one attempt
    assert row["recipient"] == "editor@angiang.gov.vn" and row["attempts"] == 1


async def test_a_rolled_back_step_sends_nothing(mail_client, conn, sections, add_staff,
                                                mailbox):
    writer = add_staff("contributor", "writer", email="writer@angiang.gov.vn")
    add_staff("editor", "editor", email="editor@angiang.gov.vn")
    item = transaction(conn, make_item, writer.id)
    db = mail_client.server.app[DB]

    def submit_then_fail(c):
        workflow.transition(c, item.id, "submit", find_user(c, "writer"))
        raise RuntimeError("a later step of the same action failed")

    with pytest.raises(RuntimeError):
        await db.write(submit_then_fail)
    assert outbox_rows(conn) == []
    assert conn.execute("SELECT count(*) FROM notification").fetchone()[0] == 0


async def test_mail_left_from_before_a_restart_is_sent_at_start(
    aiohttp_client, mail_config, conn, mailbox
):
    transaction(conn, mailer.enqueue, "bientap@angiang.gov.vn", "Còn trong hàng đợi",
                "Gửi sau khi khởi động lại.")
    await aiohttp_client(create_app(mail_config))
    [message] = await mailbox.wait_for(1)
    assert message["Subject"] == "Còn trong hàng đợi"
