"""Account administration (administrators only) and each user's own
profile: adding accounts, roles, sections, disabling, passwords, resetting
the second factor, and the rules that keep the newsroom from locking itself
out."""

from __future__ import annotations

import pytest
from accounts_support import enrol, next_code, post_code, shown_secret
from staff_support import ADMIN_PASSWORD, ADMIN_USER, STAFF_PASSWORD, sign_in_with

from appliance.content import save_section
from appliance.db import transaction
from appliance.errors import ConflictError
from appliance.users import find_user, get_account, set_disabled, set_role


def user_id(conn, name: str) -> int:
    return conn.execute("SELECT id FROM user WHERE username = ?", (name,)).fetchone()[0]


@pytest.mark.parametrize("role", ["contributor", "editor", "section-editor"])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit", "/admin/users/1"])
async def test_only_administrators_reach_accounts_and_the_audit_log(
        sign_in, add_staff, role, path):
    add_staff(role, "someone")
    staff = await sign_in("someone")
    assert (await staff.get(path)).status == 403
    menu = await (await staff.get("/admin/profile")).text()
    assert 'href="/admin/users"' not in menu and 'href="/admin/audit"' not in menu


async def test_non_administrators_cannot_change_accounts(sign_in, add_staff, conn):
    add_staff("editor-in-chief", "chief")
    add_staff("editor", "tam")
    chief = await sign_in("chief", first_page="/admin/profile/2fa")
    await enrol(chief)  # the role requires it before anything else
    tam = user_id(conn, "tam")
    for path, form in ((f"/admin/users/{tam}/role", {"role": "admin"}),
                       (f"/admin/users/{tam}/disable", {}),
                       ("/admin/users", {"username": "mole", "role": "admin"})):
        assert (await chief.post(path, form)).status == 403, path
    assert find_user(conn, "tam").role == "editor"
    assert conn.execute("SELECT count(*) FROM user WHERE username = 'mole'"
                        ).fetchone()[0] == 0


async def test_adding_an_account_shows_a_password_that_works(admin, new_client, conn):
    page = await admin.post("/admin/users", {"username": "hoa", "role": "reporter",
                                             "display_name": "Nguyễn Thị Hoa",
                                             "email": "hoa@angiang.gov.vn"})
    assert page.status == 200
    password = shown_secret(await page.text())

    account = get_account(conn, user_id(conn, "hoa"))
    assert (account.user.role, account.email) == ("reporter", "hoa@angiang.gov.vn")
    entry = conn.execute("SELECT user_id, detail, address FROM audit"
                         " WHERE action = 'user.add' ORDER BY id DESC").fetchone()
    assert tuple(entry) == (user_id(conn, ADMIN_USER), "reporter", "127.0.0.1")
    assert password not in str(conn.execute("SELECT * FROM audit").fetchall())

    browser = await new_client()
    assert (await sign_in_with(browser, "hoa", password)).status == 303
    listing = await (await admin.get("/admin/users")).text()
    assert "hoa" in listing and "Nguyễn Thị Hoa" in listing


@pytest.mark.parametrize("form, status", [
    ({"username": "admin", "role": "editor"}, 409),
    ({"username": "a b", "role": "editor"}, 400),
    ({"username": "kim", "role": "overlord"}, 400),
    ({"username": "kim", "role": "editor", "email": "not-an-address"}, 400),
])
async def test_a_bad_new_account_is_refused_with_a_reason(admin, conn, form, status):
    page = await admin.post("/admin/users", form)
    assert page.status == status
    assert 'class="error-summary"' in await page.text()
    assert conn.execute("SELECT count(*) FROM user").fetchone()[0] == 1


async def test_role_sections_disable_and_enable(admin, add_staff, sign_in, conn):
    add_staff("editor", "tam")
    tam_id = user_id(conn, "tam")
    tam = await sign_in("tam")
    transaction(conn, save_section, "kinh-te", {"vi": "Kinh tế"})
    section = conn.execute("SELECT id FROM section WHERE key = 'kinh-te'").fetchone()[0]

    assert (await admin.post(f"/admin/users/{tam_id}/role",
                             {"role": "section-editor"})).status == 303
    assert (await admin.post(f"/admin/users/{tam_id}/sections",
                             {"section": str(section)})).status == 303
    account = get_account(conn, tam_id)
    assert account.user.role == "section-editor"
    assert account.section_ids == {section}
    assert find_user(conn, "tam").sections == {section}

    assert (await admin.post(f"/admin/users/{tam_id}/sections", {})).status == 303
    assert get_account(conn, tam_id).section_ids == frozenset()
    bad = await admin.post(f"/admin/users/{tam_id}/sections", {"section": "99999"})
    assert bad.status == 400

    assert (await admin.post(f"/admin/users/{tam_id}/disable")).status == 303
    assert (await tam.get("/admin/")).status == 302  # signed out at once
    assert (await admin.post(f"/admin/users/{tam_id}/enable")).status == 303
    assert not find_user(conn, "tam").disabled

    actions = [row[0] for row in conn.execute(
        "SELECT action FROM audit WHERE target = ? AND user_id = ? ORDER BY id",
        (f"user:{tam_id}", user_id(conn, ADMIN_USER)))]
    assert actions == ["user.role", "user.sections", "user.sections", "user.disable",
                       "user.enable"]


async def test_an_administrator_cannot_lock_themselves_out(admin, conn):
    me = user_id(conn, ADMIN_USER)
    demoted = await admin.post(f"/admin/users/{me}/role", {"role": "editor"})
    assert demoted.status == 409
    assert 'role="alert"' in await demoted.text()
    assert (await admin.post(f"/admin/users/{me}/disable")).status == 409
    admin_row = find_user(conn, ADMIN_USER)
    assert (admin_row.role, admin_row.disabled) == ("admin", False)


def test_the_last_enabled_administrator_stays(conn, add_staff):
    me = user_id(conn, ADMIN_USER)
    with pytest.raises(ConflictError):
        transaction(conn, set_role, None, me, "editor")
    with pytest.raises(ConflictError):
        transaction(conn, set_disabled, None, me, True)

    add_staff("admin", "second")
    transaction(conn, set_disabled, None, me, True)  # another admin remains
    with pytest.raises(ConflictError):
        transaction(conn, set_role, None, user_id(conn, "second"), "editor")


async def test_a_password_reset_ends_sessions_and_shows_the_new_one(
        admin, add_staff, sign_in, new_client, conn):
    add_staff("editor", "tam")
    tam = await sign_in("tam")
    page = await admin.post(f"/admin/users/{user_id(conn, 'tam')}/password")
    assert page.status == 200
    password = shown_secret(await page.text())

    assert (await tam.get("/admin/")).status == 302
    browser = await new_client()
    assert (await sign_in_with(browser, "tam", STAFF_PASSWORD)).status == 401
    assert (await sign_in_with(browser, "tam", password)).status == 303


async def test_resetting_the_second_factor_lets_the_password_sign_in(
        admin, add_staff, sign_in, new_client, conn):
    add_staff("editor", "tam")
    await enrol(await sign_in("tam"))
    tam_id = user_id(conn, "tam")
    assert get_account(conn, tam_id).second_factor

    assert (await admin.post(f"/admin/users/{tam_id}/2fa-reset")).status == 303
    assert not get_account(conn, tam_id).second_factor
    browser = await new_client()
    signed = await sign_in_with(browser, "tam", STAFF_PASSWORD)
    assert signed.headers["Location"] == "/admin/"
    entry = conn.execute("SELECT user_id FROM audit WHERE action = 'totp.reset'")
    assert entry.fetchone()[0] == user_id(conn, ADMIN_USER)


async def test_changing_your_own_password(add_staff, sign_in, new_client, conn):
    add_staff("editor", "tam")
    here = await sign_in("tam")
    elsewhere = await sign_in("tam")
    new = "a-new-long-password"

    wrong = await here.post("/admin/profile/password", {
        "current_password": "not-my-password", "new_password": new,
        "repeat_password": new})
    assert wrong.status == 400
    differ = await here.post("/admin/profile/password", {
        "current_password": STAFF_PASSWORD, "new_password": new,
        "repeat_password": new + "x"})
    assert differ.status == 400
    short = await here.post("/admin/profile/password", {
        "current_password": STAFF_PASSWORD, "new_password": "short",
        "repeat_password": "short"})
    assert short.status == 400

    done = await here.post("/admin/profile/password", {
        "current_password": STAFF_PASSWORD, "new_password": new,
        "repeat_password": new})
    assert done.status == 303
    assert (await here.get("/admin/")).status == 200  # this session stays
    assert (await elsewhere.get("/admin/")).status == 302  # the others end
    browser = await new_client()
    assert (await sign_in_with(browser, "tam", new)).status == 303


async def test_your_own_details(add_staff, sign_in, conn):
    add_staff("reporter", "lan")
    lan = await sign_in("lan")
    saved = await lan.post("/admin/profile", {"display_name": "  Trần   Lan ",
                                              "email": "lan@angiang.gov.vn"})
    assert saved.status == 303
    account = get_account(conn, user_id(conn, "lan"))
    assert (account.user.display_name, account.email) == ("Trần Lan",
                                                          "lan@angiang.gov.vn")
    bad = await lan.post("/admin/profile", {"display_name": "Lan", "email": "lan@"})
    assert bad.status == 400
    assert get_account(conn, user_id(conn, "lan")).email == "lan@angiang.gov.vn"


async def test_the_administrator_signs_in_with_a_code_after_enrolling(
        admin, new_client):
    browser = await new_client()
    first = await sign_in_with(browser, ADMIN_USER, ADMIN_PASSWORD)
    assert first.headers["Location"] == "/admin/login/code"
    assert (await post_code(browser, next_code(admin.secret))).status == 303
    assert (await browser.get("/admin/users", allow_redirects=False)).status == 200
