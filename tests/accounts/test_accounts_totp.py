"""The second factor: setting it up, signing in with it, codes that cannot
be replayed, recovery codes, the roles that must use it, and the pending
second step that signs nobody in."""

from __future__ import annotations

import pytest
from accounts_support import (
    current_code,
    enrol,
    next_code,
    post_code,
    recovery_codes_in,
    secret_in,
    wrong_code,
)
from staff_support import ADMIN_PASSWORD, ADMIN_USER, STAFF_PASSWORD, csrf_in, sign_in_with

from appliance import config as config_mod
from newsroom import auth


async def test_setting_up_and_signing_in_with_a_code(sign_in, add_staff, new_client,
                                                     conn):
    add_staff("editor", "tam")
    tam = await sign_in("tam")
    secret, codes = await enrol(tam)

    browser = await new_client()
    first = await sign_in_with(browser, "tam", STAFF_PASSWORD, "/admin/items")
    assert first.status == 303
    assert first.headers["Location"] == "/admin/login/code"
    # The password alone signs nobody in.
    assert (await browser.get("/admin/", allow_redirects=False)).status == 302

    second = await post_code(browser, next_code(secret))
    assert second.status == 303
    assert second.headers["Location"] == "/admin/items"
    assert (await browser.get("/admin/", allow_redirects=False)).status == 200

    stored = conn.execute("SELECT secret FROM user_totp").fetchone()[0]
    assert secret not in stored  # encrypted at rest
    actions = [r[0] for r in conn.execute("SELECT action FROM audit WHERE target = ?",
                                          (f"user:{tam_id(conn)}",))]
    assert "totp.enable" in actions


def tam_id(conn) -> int:
    return conn.execute("SELECT id FROM user WHERE username = 'tam'").fetchone()[0]


async def test_enrolling_needs_the_right_code(sign_in, add_staff, conn):
    add_staff("reporter", "lan")
    lan = await sign_in("lan")
    page = await lan.get("/admin/profile/2fa")
    secret = secret_in(await page.text())
    # Reloading shows the same key: the phone may already have scanned it.
    assert secret_in(await (await lan.get("/admin/profile/2fa")).text()) == secret
    assert 'src="data:image/svg+xml' in await page.text()

    refused = await lan.post("/admin/profile/2fa", {"code": wrong_code(secret)})
    assert refused.status == 400
    assert 'role="alert"' in await refused.text()
    assert conn.execute("SELECT confirmed_at FROM user_totp").fetchone()[0] is None


async def test_a_wrong_code_is_refused_and_a_used_code_cannot_be_replayed(
        sign_in, add_staff, new_client):
    add_staff("editor", "tam")
    secret, _codes = await enrol(await sign_in("tam"))

    browser = await new_client()
    await sign_in_with(browser, "tam", STAFF_PASSWORD)
    wrong = await post_code(browser, wrong_code(secret))
    assert wrong.status == 401
    assert (await browser.get("/admin/", allow_redirects=False)).status == 302

    code = next_code(secret)
    assert (await post_code(browser, code)).status == 303

    thief = await new_client()
    await sign_in_with(thief, "tam", STAFF_PASSWORD)
    replay = await post_code(thief, code)
    assert replay.status == 401
    assert (await thief.get("/admin/", allow_redirects=False)).status == 302


async def test_a_recovery_code_works_once(sign_in, add_staff, new_client, conn):
    add_staff("editor", "tam")
    _secret, codes = await enrol(await sign_in("tam"))

    browser = await new_client()
    await sign_in_with(browser, "tam", STAFF_PASSWORD)
    assert (await post_code(browser, codes[0].upper())).status == 303

    again = await new_client()
    await sign_in_with(again, "tam", STAFF_PASSWORD)
    assert (await post_code(again, codes[0])).status == 401
    assert (await post_code(again, codes[1])).status == 303

    used = conn.execute("SELECT count(*) FROM audit WHERE action = 'totp.recovery'")
    assert used.fetchone()[0] == 2
    assert "".join(codes) not in str(conn.execute("SELECT * FROM audit").fetchall())


async def test_new_recovery_codes_replace_the_old(sign_in, add_staff, new_client):
    add_staff("editor", "tam")
    tam = await sign_in("tam")
    _secret, old = await enrol(tam)
    page = await tam.post("/admin/profile/2fa/recovery")
    assert page.status == 200
    new = recovery_codes_in(await page.text())
    assert len(new) == 10 and not set(new) & set(old)

    browser = await new_client()
    await sign_in_with(browser, "tam", STAFF_PASSWORD)
    assert (await post_code(browser, old[2])).status == 401
    assert (await post_code(browser, new[2])).status == 303


async def test_a_required_role_must_enrol_before_anything_else(new_client):
    browser = await new_client()
    first = await sign_in_with(browser, ADMIN_USER, ADMIN_PASSWORD)
    assert first.status == 303  # no second step: there is no second factor yet

    for path in ("/admin/", "/admin/items", "/admin/users", "/admin/profile"):
        response = await browser.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"] == "/admin/profile/2fa"
    page = await browser.get("/admin/profile/2fa")
    assert page.status == 200
    token = csrf_in(await page.text())
    posted = await browser.post("/admin/users", allow_redirects=False,
                                data={"csrf_token": token, "username": "x",
                                      "role": "admin"})
    assert posted.status == 303
    assert posted.headers["Location"] == "/admin/profile/2fa"

    secret = secret_in(await page.text())
    done = await browser.post("/admin/profile/2fa", allow_redirects=False,
                              data={"csrf_token": token, "code": current_code(secret)})
    assert done.status == 200
    assert (await browser.get("/admin/users", allow_redirects=False)).status == 200


async def test_signing_out_is_allowed_before_enrolling(new_client):
    browser = await new_client()
    await sign_in_with(browser, ADMIN_USER, ADMIN_PASSWORD)
    page = await browser.get("/admin/profile/2fa")
    out = await browser.post("/admin/logout", allow_redirects=False,
                             data={"csrf_token": csrf_in(await page.text())})
    assert out.status == 303
    assert out.headers["Location"] == "/admin/login"


async def test_other_roles_may_go_without(sign_in, add_staff):
    add_staff("section-editor", "minh")
    minh = await sign_in("minh")
    assert (await minh.get("/admin/")).status == 200


async def test_the_pending_step_reaches_no_page(sign_in, add_staff, new_client):
    add_staff("editor", "tam")
    await enrol(await sign_in("tam"))
    browser = await new_client()
    await sign_in_with(browser, "tam", STAFF_PASSWORD)
    for path in ("/admin/", "/admin/profile", "/admin/profile/2fa"):
        response = await browser.get(path, allow_redirects=False)
        assert response.status == 302, path
        assert response.headers["Location"].startswith("/admin/login?")


async def test_the_pending_step_expires(sign_in, add_staff, new_client, monkeypatch):
    add_staff("editor", "tam")
    secret, _codes = await enrol(await sign_in("tam"))
    browser = await new_client()
    await sign_in_with(browser, "tam", STAFF_PASSWORD)
    page = await browser.get("/admin/login/code")
    token = csrf_in(await page.text())

    monkeypatch.setattr(auth, "PENDING_SECONDS", -1)  # five minutes have passed
    late = await browser.post("/admin/login/code", allow_redirects=False,
                              data={"csrf_token": token, "code": next_code(secret)})
    assert late.status == 401
    assert 'action="/admin/login"' in await late.text()
    assert (await browser.get("/admin/", allow_redirects=False)).status == 302
    # The session forgot the pending login: the code page sends back to the start.
    again = await browser.get("/admin/login/code", allow_redirects=False)
    assert again.headers["Location"] == "/admin/login"


async def test_codes_are_rate_limited(sign_in, add_staff, new_client, config):
    add_staff("editor", "tam")
    secret, _codes = await enrol(await sign_in("tam"))
    browser = await new_client()
    await sign_in_with(browser, "tam", STAFF_PASSWORD)
    for _ in range(config["security.login_attempts"]):
        assert (await post_code(browser, wrong_code(secret))).status == 401
    blocked = await post_code(browser, next_code(secret))
    assert blocked.status == 429
    assert "Retry-After" in blocked.headers

    # Counted for that account alone: a colleague at the same address signs in.
    add_staff("reporter", "lan")
    colleague = await new_client()
    assert (await sign_in_with(colleague, "lan", STAFF_PASSWORD)).status == 303


async def test_turning_it_off_needs_a_code_or_the_password(sign_in, add_staff, conn):
    add_staff("editor", "tam")
    tam = await sign_in("tam")
    secret, _codes = await enrol(tam)

    refused = await tam.post("/admin/profile/2fa/disable", {"code": wrong_code(secret)})
    assert refused.status == 400
    refused = await tam.post("/admin/profile/2fa/disable", {"password": "wrong-guess-1"})
    assert refused.status == 400
    assert conn.execute("SELECT count(*) FROM user_totp").fetchone()[0] == 1

    done = await tam.post("/admin/profile/2fa/disable", {"password": STAFF_PASSWORD})
    assert done.status == 303
    assert conn.execute("SELECT count(*) FROM user_totp").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM recovery_code").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM audit WHERE action = 'totp.disable'"
                        ).fetchone()[0] == 1


async def test_a_site_without_the_key_gets_one_on_start(data_dir):
    path = data_dir / config_mod.SECRETS_FILE
    kept = [line for line in path.read_text().splitlines()
            if not line.startswith("totp_key")]
    path.write_text("\n".join(kept) + "\n")
    before = config_mod.load(data_dir).secrets
    assert before["totp_key"]
    assert config_mod.load(data_dir).secrets == before  # written back, not remade
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_misspelt_required_role_is_refused(data_dir):
    path = data_dir / config_mod.CONFIG_FILE
    text = path.read_text().replace('totp_required_roles = ["editor-in-chief", "admin"]',
                                    'totp_required_roles = ["editor_in_chief"]')
    path.write_text(text)
    with pytest.raises(config_mod.UserError, match="editor_in_chief"):
        config_mod.load(data_dir)
