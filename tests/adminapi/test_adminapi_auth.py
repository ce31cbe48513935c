"""Who may call /api/v1/admin/: the holder of a valid personal token, and
nobody else; not a session cookie, not a revoked token, not a disabled
account. Refusals are problem details in the caller's language."""

from __future__ import annotations

from adminapi_support import API, TOKEN_ATTEMPTS, Caller, problem_of
from staff_support import STAFF_PASSWORD, csrf_in

from appliance import tokens
from appliance.db import transaction
from appliance.i18n import lazy_gettext_for
from appliance.users import disable_user


async def test_me_answers_for_the_token_owner(conn, client, sections, add_staff,
                                              caller):
    from appliance.content import get_section
    from appliance.users import set_sections

    lan = add_staff("section-editor", "lan")
    section = get_section(conn, "kinh-te")
    transaction(conn, set_sections, None, lan.id, [section.id])
    response = await caller(lan).get("/me")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    me = await response.json()
    assert me["username"] == "lan" and me["role"] == "section-editor"
    assert me["sections"] == ["kinh-te"]
    assert "approve" in me["transitions"] and "publish_now" not in me["transitions"]


async def test_no_token_is_401_with_a_bearer_challenge(client):
    response = await client.get(f"{API}/me")
    problem = await problem_of(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "invalid_token" not in response.headers["WWW-Authenticate"]
    assert "Authorization" in problem["detail"]
    assert response.headers["Cache-Control"] == "no-store"


async def test_a_wrong_scheme_or_unknown_token_is_401(client):
    for header in ("Basic YWRtaW46eA==", "Bearer", "Bearer pat_" + "x" * 32,
                   "Bearer not-a-token"):
        response = await client.get(f"{API}/me", headers={"Authorization": header})
        await problem_of(response, 401)


async def test_a_revoked_token_is_401(conn, client, add_staff, token_for):
    tam = add_staff("editor", "tam")
    secret = token_for(tam)
    assert (await Caller(client, secret).get("/me")).status == 200
    (token,) = tokens.list_tokens(conn, tam.id)
    transaction(conn, tokens.revoke_token, tam.id, token.id)
    response = await Caller(client, secret).get("/me")
    await problem_of(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


async def test_a_disabled_account_is_401(conn, client, add_staff, token_for):
    tam = add_staff("editor", "tam")
    secret = token_for(tam)
    transaction(conn, disable_user, "tam")
    await problem_of(await Caller(client, secret).get("/me"), 401)


async def test_a_session_cookie_alone_is_not_accepted(client, add_staff):
    add_staff("editor", "tam")
    page = await client.get("/admin/login")
    csrf = csrf_in(await page.text())
    signed = await client.post("/admin/login", allow_redirects=False, data={
        "csrf_token": csrf, "username": "tam", "password": STAFF_PASSWORD})
    assert signed.status == 303
    assert (await client.get("/admin/", allow_redirects=False)).status == 200
    await problem_of(await client.get(f"{API}/me"), 401)
    response = await client.post(f"{API}/items", json={"title": "x"},
                                 headers={"X-CSRF-Token": csrf})
    await problem_of(response, 401)


async def test_wrong_tokens_are_limited_per_address(client, add_staff, token_for):
    good = Caller(client, token_for(add_staff("editor", "tam")))
    for _ in range(TOKEN_ATTEMPTS):
        await problem_of(await Caller(client, "pat_wrong").get("/me"), 401)
    response = await Caller(client, "pat_wrong").get("/me")
    await problem_of(response, 429)
    assert int(response.headers["Retry-After"]) > 0
    # A valid token from the same address still works: one broken script
    # does not shut out everyone behind an office's shared address.
    assert (await good.get("/me")).status == 200
    await problem_of(await Caller(client, "pat_wrong").get("/me"), 429)


async def test_a_request_without_a_token_is_not_counted(client, add_staff, token_for):
    good = Caller(client, token_for(add_staff("editor", "tam")))
    for _ in range(TOKEN_ATTEMPTS + 2):
        await problem_of(await client.get(f"{API}/me"), 401)
    assert (await good.get("/me")).status == 200


async def test_problems_speak_the_callers_language(client, add_staff, token_for):
    secret = token_for(add_staff("editor", "tam"))
    message = "No item with id %(id)s."
    for header, lang in ((None, "vi"), ("en-GB,en;q=0.9", "en"), ("km", "km"),
                         ("fr, de", "vi")):
        response = await Caller(client, secret, header).get("/items/999999")
        problem = await problem_of(response, 404)
        assert problem["detail"] == lazy_gettext_for(lang, message, id=999999), header
