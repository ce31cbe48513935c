"""Personal API tokens: made once and never shown again, stored as hashes,
revoked by their owner, refused for disabled accounts; and the command line
that prints one."""

from __future__ import annotations

import hashlib
import re

import pytest
from accounts_support import shown_secret

from appliance import tokens
from appliance.cli import main
from appliance.db import transaction
from appliance.errors import NotFoundError, UserError
from appliance.users import disable_user, enable_user, find_user

TOKEN = re.compile(r"^pat_[A-Za-z0-9_-]{32}$")


def test_a_token_acts_for_its_owner_until_revoked(conn, add_staff):
    tam = add_staff("editor", "tam")
    secret = transaction(conn, tokens.create_token, tam.id, "mobile app")
    assert TOKEN.match(secret)
    stored = conn.execute("SELECT token_hash FROM api_token").fetchone()[0]
    assert stored == hashlib.sha256(secret.encode()).hexdigest()

    assert tokens.token_user(conn, secret).username == "tam"
    assert tokens.token_user(conn, secret + "x") is None
    assert tokens.token_user(conn, "pat_" + "a" * 32) is None
    assert tokens.token_user(conn, "") is None

    (listed,) = tokens.list_tokens(conn, tam.id)
    transaction(conn, tokens.revoke_token, tam.id, listed.id)
    assert tokens.token_user(conn, secret) is None
    assert not tokens.list_tokens(conn, tam.id)[0].active


def test_a_disabled_owner_makes_the_token_useless(conn, add_staff):
    tam = add_staff("editor", "tam")
    secret = transaction(conn, tokens.create_token, tam.id, "import")
    transaction(conn, disable_user, "tam")
    assert tokens.token_user(conn, secret) is None
    transaction(conn, enable_user, "tam")
    assert tokens.token_user(conn, secret).id == tam.id


def test_only_the_owner_revokes_and_names_are_required(conn, add_staff):
    tam = add_staff("editor", "tam")
    lan = add_staff("reporter", "lan")
    transaction(conn, tokens.create_token, tam.id, "import")
    (token,) = tokens.list_tokens(conn, tam.id)
    with pytest.raises(NotFoundError):
        transaction(conn, tokens.revoke_token, lan.id, token.id)
    assert tokens.list_tokens(conn, tam.id)[0].active
    with pytest.raises(UserError):
        transaction(conn, tokens.create_token, tam.id, "   ")


def test_use_is_recorded(conn, add_staff):
    tam = add_staff("editor", "tam")
    secret = transaction(conn, tokens.create_token, tam.id, "import")
    transaction(conn, tokens.record_use, secret)
    assert tokens.list_tokens(conn, tam.id)[0].last_used_at is not None


async def test_tokens_in_the_profile(sign_in, add_staff, conn):
    add_staff("editor", "tam")
    tam = await sign_in("tam")
    page = await tam.post("/admin/profile/tokens", {"name": "Đồng bộ ứng dụng"})
    assert page.status == 200
    secret = shown_secret(await page.text())
    assert tokens.token_user(conn, secret).username == "tam"

    profile = await (await tam.get("/admin/profile")).text()
    assert "Đồng bộ ứng dụng" in profile
    assert secret not in profile  # shown once only

    (token,) = tokens.list_tokens(conn, find_user(conn, "tam").id)
    revoked = await tam.post(f"/admin/profile/tokens/{token.id}/revoke")
    assert revoked.status == 303
    assert tokens.token_user(conn, secret) is None
    empty = await tam.post("/admin/profile/tokens", {"name": ""})
    assert empty.status == 400


async def test_another_users_token_cannot_be_revoked(sign_in, add_staff, conn):
    tam = add_staff("editor", "tam")
    add_staff("reporter", "lan")
    transaction(conn, tokens.create_token, tam.id, "import")
    (token,) = tokens.list_tokens(conn, tam.id)
    lan = await sign_in("lan")
    assert (await lan.post(f"/admin/profile/tokens/{token.id}/revoke")).status == 404
    assert tokens.list_tokens(conn, tam.id)[0].active


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_prints_a_working_token(data_dir, conn, add_staff, capsys):
    add_staff("editor", "tam")
    code, out, err = run(capsys, "user", "token", "tam", "--data", str(data_dir),
                         "--name", "nightly export")
    assert code == 0, err
    (secret,) = out.splitlines()
    assert TOKEN.match(secret)
    assert tokens.token_user(conn, secret).username == "tam"
    assert tokens.list_tokens(conn, find_user(conn, "tam").id)[0].name == "nightly export"


def test_the_command_line_refuses_unknown_and_disabled_users(data_dir, conn, add_staff,
                                                              capsys):
    code, out, err = run(capsys, "user", "token", "nobody", "--data", str(data_dir))
    assert code == 1 and not out and len(err.strip().splitlines()) == 1
    add_staff("editor", "tam")
    transaction(conn, disable_user, "tam")
    code, out, err = run(capsys, "user", "token", "tam", "--data", str(data_dir))
    assert code == 1 and not out and "disabled" in err


def test_the_command_line_enables_and_changes_roles(data_dir, conn, add_staff, capsys):
    add_staff("editor", "tam")
    transaction(conn, disable_user, "tam")
    assert run(capsys, "user", "enable", "tam", "--data", str(data_dir))[0] == 0
    assert not find_user(conn, "tam").disabled
    assert run(capsys, "user", "role", "tam", "section-editor",
               "--data", str(data_dir))[0] == 0
    assert find_user(conn, "tam").role == "section-editor"

    code, _out, err = run(capsys, "user", "role", "tam", "boss", "--data", str(data_dir))
    assert code == 1 and "boss" in err
    code, _out, err = run(capsys, "user", "role", "admin", "editor", "--data",
                          str(data_dir))
    assert code == 1 and "“admin”" in err
    code, _out, err = run(capsys, "user", "disable", "admin", "--data", str(data_dir))
    assert code == 1 and "“admin”" in err
