"""Defences found wanting by trying to break the appliance, kept fixed."""

import io
import json
import logging
import os
import stat

import pytest

from appliance import content, logs
from appliance.cli import main
from appliance.content import ItemInput
from appliance.db import transaction
from appliance.errors import ConflictError, UserError
from appliance.importer import import_files
from appliance.users import MAX_PASSWORD_LENGTH, add_user


def test_control_characters_cannot_forge_log_lines():
    record = logging.makeLogRecord({
        "name": "portal.access", "levelno": logging.INFO, "levelname": "INFO",
        "msg": "request", "path": "/vi/x\n2026-12-03 WARNING portal: forged\x1b[31m"})
    line = logs.TextFormatter().format(record)
    assert "\n" not in line and "\x1b" not in line
    assert "\\n2026-12-03 WARNING" in line


@pytest.fixture
def server_log():
    stream = io.StringIO()
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level,
                    logging.getLogger(name).propagate)
             for name in ("portal", "aiohttp")}
    logs.setup("INFO", "text", stream)
    yield stream
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
    logging.getLogger("aiohttp.server").filters.clear()


async def test_a_malformed_request_is_one_line_without_the_client_address(
        client, server_log):
    response = await client.get("/vi/search?q=" + "a" * 10_000)
    assert response.status == 400
    text = server_log.getvalue()
    assert "malformed request rejected" in text
    assert "Traceback" not in text and "127.0.0.1" not in text and "aaaa" not in text


async def test_redirects_carry_the_security_headers_and_no_versions(client):
    response = await client.get("/", allow_redirects=False)
    assert response.status == 302
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Server"] == "portal"


@pytest.mark.parametrize("path", ["/media/%2e%2e/portal.toml", "/media/..%2fsecrets.toml",
                                  "/media/nothing-here.jpg"])
async def test_only_files_inside_the_media_folder_are_served(client, path):
    response = await client.get(path)
    assert response.status == 404
    assert "text/html" in response.content_type  # the site's own 404 page


async def test_an_uploaded_file_is_served(client, config):
    (config.media_dir / "2026").mkdir()
    (config.media_dir / "2026" / "a.txt").write_text("xin chào", encoding="utf-8")
    response = await client.get("/media/2026/a.txt")
    assert response.status == 200 and await response.text() == "xin chào"


def test_a_byte_order_mark_does_not_cost_the_first_record(tmp_path, conn):
    path = tmp_path / "bom.jsonl"
    record = {"external_id": "b1", "kind": "article", "lang": "vi", "title": "Tin có BOM"}
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(record, ensure_ascii=False).encode() + b"\n")
    summary = import_files(conn, [path])
    assert (summary.created, summary.rejected) == (1, 0)


def test_control_characters_are_dropped_from_imported_text(tmp_path, conn):
    path = tmp_path / "nul.jsonl"
    path.write_text(json.dumps({"external_id": "n1", "kind": "article", "lang": "vi",
                                "title": "Tin\x00 số\x1b một", "body": "a\x00b"}) + "\n")
    import_files(conn, [path])
    item = content.find_by_external_id(conn, "import", "n1")
    assert item.title == "Tin số một" and item.body == "<p>ab</p>"


@pytest.mark.parametrize("argv, words", [
    (["serve", "--data", "{site}", "--port", "99999"], "between 1 and 65535"),
    (["init", "--data", "/proc/no-such-place/site"], "No such file"),
    (["import", "jsonl", "{tmp}", "--data", "{site}"], "folder"),
])
def test_system_refusals_are_one_line_errors(tmp_path, data_dir, capsys, argv, words):
    argv = [a.format(site=data_dir, tmp=tmp_path) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code != 0 and len(err.strip().splitlines()) == 1
    assert words in err and "internal error" not in err


def test_a_new_site_is_private_to_its_owner(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert main(["init", "--data", str(tmp_path / "s"),
                     "--admin-password", "long-enough-pw"]) == 0
    finally:
        os.umask(old)
    for name in ("", "portal.db", "portal.toml", "media"):
        mode = stat.S_IMODE(os.stat(tmp_path / "s" / name).st_mode)
        assert mode & 0o077 == 0, (name, oct(mode))


def test_passwords_longer_than_the_login_accepts_are_refused(conn):
    with pytest.raises(UserError, match="too long"):
        transaction(conn, add_user, "dai", "editor", "x" * (MAX_PASSWORD_LENGTH + 1))


def test_a_stale_edit_is_refused_and_loses_nothing(conn):
    data = ItemInput(kind="article", lang="vi", title="Bản đầu")
    item = transaction(conn, content.save_item, data)
    first = ItemInput(kind="article", lang="vi", title="Sửa từ thẻ A")
    transaction(conn, lambda c: content.save_item(c, first, item_id=item.id,
                                                  expected_revision=item.revision))
    second = ItemInput(kind="article", lang="vi", title="Sửa từ thẻ B")
    with pytest.raises(ConflictError):
        transaction(conn, lambda c: content.save_item(c, second, item_id=item.id,
                                                      expected_revision=item.revision))
    assert content.get_item(conn, item.id).title == "Sửa từ thẻ A"


def test_a_draft_address_follows_its_title_until_published(conn):
    item = transaction(conn, content.save_item,
                       ItemInput(kind="article", lang="vi", title="Tên tạm"))
    renamed = transaction(conn, lambda c: content.save_item(
        c, ItemInput(kind="article", lang="vi", title="Tên chính thức"), item_id=item.id,
        status="published"))
    assert renamed.slug == "ten-chinh-thuc"
    kept = transaction(conn, lambda c: content.save_item(
        c, ItemInput(kind="article", lang="vi", title="Tên đổi sau"), item_id=item.id))
    assert kept.slug == "ten-chinh-thuc"


def test_a_section_name_can_be_removed(conn):
    transaction(conn, content.save_section, "kinh-te", {"vi": "Kinh tế", "en": "Economy"})
    section = transaction(conn, content.save_section, "kinh-te", {"vi": "Kinh tế", "en": ""})
    assert section.names == {"vi": "Kinh tế"}


def test_review_link_secrets_stay_out_of_the_access_log(caplog):
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    access = logs.AccessLogger(logging.getLogger("portal.access"), "")
    with caplog.at_level(logging.INFO, logger="portal.access"):
        for path in ("/review/pSQE_abcdefghijklmnop", "/vi/tin-tuc/bai-mot"):
            access.log(make_mocked_request("GET", path), web.Response(), 0.01)
    paths = [record.path for record in caplog.records if record.name == "portal.access"]
    assert paths == ["/review/…", "/vi/tin-tuc/bai-mot"]
