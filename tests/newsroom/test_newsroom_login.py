"""Signing in and out: one generic failure message, disabled accounts, rate
limits, the session cookie, and the `next` address after signing in."""

from __future__ import annotations

import asyncio
import logging

import pytest
from argon2 import PasswordHasher
from staff_support import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    STAFF_PASSWORD,
    csrf_in,
    sign_in_with,
)

from appliance import users
from appliance.app import create_app
from appliance.db import transaction
from appliance.users import disable_user

GENERIC_VI = "Sai tên đăng nhập hoặc mật khẩu."


async def test_login_success_leads_to_the_dashboard(client):
    response = await sign_in_with(client, ADMIN_USER, ADMIN_PASSWORD)
    assert response.status == 303
    assert response.headers["Location"] == "/admin/"

    page = await client.get("/admin/")
    assert page.status == 200
    assert "Administrator" in await page.text()
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "username, password",
    [
        (ADMIN_USER, "not-the-password"),
        ("nobody-here", ADMIN_PASSWORD),
        ("", ""),
    ],
)
async def test_failed_login_says_the_same_thing_whatever_failed(
    client, username, password
):
    response = await sign_in_with(client, username, password)
    assert response.status == 401
    assert GENERIC_VI in await response.text()

    dashboard = await client.get("/admin/", allow_redirects=False)
    assert dashboard.status == 302


async def test_the_failure_is_logged_with_the_name_but_never_the_password(
    client, caplog
):
    caplog.set_level(logging.INFO, logger="portal.newsroom")
    await sign_in_with(client, ADMIN_USER, "secret-guess-42")
    await sign_in_with(client, "secret guess in the name field", "x")

    failures = [r for r in caplog.records if r.getMessage() == "login failed"]
    assert [r.username for r in failures] == [ADMIN_USER, "(not a user name)"]
    assert "secret" not in caplog.text


async def test_a_disabled_user_cannot_sign_in(client, add_staff, conn):
    add_staff("editor", "tam")
    transaction(conn, disable_user, "tam")

    response = await sign_in_with(client, "tam", STAFF_PASSWORD)
    assert response.status == 401
    assert GENERIC_VI in await response.text()


async def test_a_user_disabled_while_signed_in_is_signed_out(sign_in, add_staff, conn):
    add_staff("editor", "tam")
    tam = await sign_in("tam")
    assert (await tam.get("/admin/items")).status == 200

    transaction(conn, disable_user, "tam")
    response = await tam.get("/admin/items")
    assert response.status == 302
    assert response.headers["Location"].startswith("/admin/login")
    # The session is gone for good, not just refused once.
    assert (await tam.get("/admin/")).status == 302


async def test_login_attempts_are_limited_per_address(client, config):
    # A whole office may share one address: more failures than one account
    # is allowed still leave the others free to sign in...
    limit = config["security.login_attempts_per_address"]
    assert limit > config["security.login_attempts"]
    for attempt in range(limit - 1):
        response = await sign_in_with(client, f"guess{attempt}", "wrong-password")
        assert response.status == 401
    assert (await sign_in_with(client, ADMIN_USER, ADMIN_PASSWORD)).status == 303
    client.session.cookie_jar.clear()

    # ...but guessing at many accounts from one address is stopped.
    for attempt in range(2):
        await sign_in_with(client, f"more{attempt}", "wrong-password")
    blocked = await sign_in_with(client, ADMIN_USER, ADMIN_PASSWORD)
    assert blocked.status == 429
    assert blocked.headers["Retry-After"] == "900"
    assert "Quá nhiều lần đăng nhập sai" in await blocked.text()
    assert (await client.get("/admin/", allow_redirects=False)).status == 302


async def test_login_attempts_are_limited_per_account(aiohttp_client, config):
    # Behind a trusted proxy every request may come from another address; the
    # account's own counter still stops the guessing.
    config.values["server.trust_proxy"] = True
    client = await aiohttp_client(create_app(config))
    for attempt in range(5):
        page = await client.get("/admin/login")
        response = await client.post(
            "/admin/login",
            allow_redirects=False,
            headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
            data={
                "csrf_token": csrf_in(await page.text()),
                "username": ADMIN_USER,
                "password": "wrong-password",
            },
        )
        assert response.status == 401

    page = await client.get("/admin/login")
    response = await client.post(
        "/admin/login",
        allow_redirects=False,
        headers={"X-Forwarded-For": "198.51.100.7"},
        data={
            "csrf_token": csrf_in(await page.text()),
            "username": ADMIN_USER,
            "password": ADMIN_PASSWORD,
        },
    )
    assert response.status == 429


async def test_the_session_cookie_is_http_only_and_same_site_lax(client):
    response = await sign_in_with(client, ADMIN_USER, ADMIN_PASSWORD)
    cookie = response.cookies["portal_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"


async def test_signing_in_starts_a_new_session(client):
    page = await client.get("/admin/login")
    token_before = csrf_in(await page.text())
    cookie_before = client.session.cookie_jar.filter_cookies(
        client.make_url("/admin/")
    )["portal_session"].value

    await client.post(
        "/admin/login",
        data={
            "csrf_token": token_before,
            "username": ADMIN_USER,
            "password": ADMIN_PASSWORD,
        },
    )
    dashboard = await client.get("/admin/")
    assert csrf_in(await dashboard.text()) != token_before
    cookie_after = client.session.cookie_jar.filter_cookies(client.make_url("/admin/"))[
        "portal_session"
    ].value
    assert cookie_after != cookie_before

    # A token known before signing in is worthless afterwards.
    response = await client.post(
        "/admin/logout", allow_redirects=False, data={"csrf_token": token_before}
    )
    assert response.status == 403


async def test_sign_out_ends_the_session(admin):
    response = await admin.post("/admin/logout")
    assert response.status == 303
    assert response.headers["Location"] == "/admin/login"
    assert (await admin.get("/admin/")).status == 302


async def test_signed_in_visit_to_the_login_page_goes_to_the_dashboard(admin):
    response = await admin.get("/admin/login")
    assert response.status == 302
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/items",
        "/admin/items/new",
        "/admin/items/1",
        "/admin/sections",
        "/admin/items?lang=vi&status=draft",
    ],
)
async def test_pages_send_strangers_to_the_login(client, path):
    response = await client.get(path, allow_redirects=False)
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith("/admin/login?next=")

    login = await client.get(location)
    assert login.status == 200
    assert "Đăng nhập" in await login.text()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/items/new",
        "/admin/items/1",
        "/admin/items/1/publish",
        "/admin/sections",
        "/admin/logout",
    ],
)
async def test_posts_from_strangers_go_to_the_login(client, path):
    response = await client.post(path, data={}, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/admin/login"


@pytest.mark.parametrize(
    "next_value, expected",
    [
        ("/admin/items?status=draft", "/admin/items?status=draft"),
        ("/admin/sections", "/admin/sections"),
        ("//evil.example/admin/", "/admin/"),
        ("https://evil.example/admin/", "/admin/"),
        ("/\\evil.example", "/admin/"),
        ("/admin\\@evil.example", "/admin/"),
        ("/administrator", "/admin/"),
        ("/vi/", "/admin/"),
        ("javascript:alert(1)", "/admin/"),
        ("/admin/login", "/admin/"),
        ("", "/admin/"),
    ],
)
async def test_next_only_leads_to_newsroom_pages(client, next_value, expected):
    page = await client.get("/admin/login")
    response = await client.post(
        "/admin/login",
        allow_redirects=False,
        data={
            "csrf_token": csrf_in(await page.text()),
            "username": ADMIN_USER,
            "password": ADMIN_PASSWORD,
            "next": next_value,
        },
    )
    assert response.status == 303
    assert response.headers["Location"] == expected


async def test_the_login_form_carries_next_from_the_address(client):
    page = await client.get("/admin/login?next=//evil.example")
    assert 'name="next" value="/admin/"' in await page.text()
    page = await client.get("/admin/login?next=/admin/items")
    assert 'name="next" value="/admin/items"' in await page.text()


@pytest.mark.parametrize(
    "lang, message",
    [
        ("en", "Wrong user name or password."),
        ("km", "ឈ្មោះអ្នកប្រើ ឬពាក្យសម្ងាត់មិនត្រឹមត្រូវ។"),
        ("vi", GENERIC_VI),
    ],
    ids=["en", "km", "vi"],
)
async def test_the_interface_language_follows_the_choice(client, lang, message):
    page = await client.get("/admin/login")
    switched = await client.post(
        "/admin/language",
        allow_redirects=False,
        data={
            "csrf_token": csrf_in(await page.text()),
            "lang": lang,
            "next": "/admin/login",
        },
    )
    assert switched.status == 303
    assert switched.headers["Location"] == "/admin/login"

    page = await client.get("/admin/login")
    text = await page.text()
    assert f'<html lang="{lang}">' in text
    response = await client.post(
        "/admin/login",
        data={
            "csrf_token": csrf_in(text),
            "username": "x1",
            "password": "wrong-password",
        },
    )
    assert message in await response.text()


async def test_the_language_survives_signing_in(client):
    page = await client.get("/admin/login")
    await client.post(
        "/admin/language",
        data={
            "csrf_token": csrf_in(await page.text()),
            "lang": "en",
            "next": "/admin/login",
        },
    )
    await sign_in_with(client, ADMIN_USER, ADMIN_PASSWORD)
    dashboard = await client.get("/admin/")
    assert '<html lang="en">' in await dashboard.text()


async def test_a_copied_session_cookie_stops_working_after_sign_out(admin):
    # Keep the signed-in cookie, as someone who copied it would.
    jar = admin.client.session.cookie_jar
    stolen = {cookie.key: cookie.value for cookie in jar}
    assert (await admin.get("/admin/")).status == 200

    assert (await admin.post("/admin/logout")).status == 303
    jar.update_cookies(stolen)
    response = await admin.get("/admin/")
    assert response.status == 302
    assert response.headers["Location"].startswith("/admin/login")


# -- concurrent attempts --------------------------------------------------------


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """The passwords that reached the (slow) argon2 check, in order."""
    checked: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash, password):
            checked.append(password)
            return super().verify(hash, password)

    monkeypatch.setattr(
        users, "_hasher", CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    return checked


async def _post_login(client, token, username, password, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    response = await client.post(
        "/admin/login",
        allow_redirects=False,
        headers=headers,
        data={"csrf_token": token, "username": username, "password": password},
    )
    return response.status


async def test_concurrent_guesses_from_one_address_are_limited(
    client, config, password_checks
):
    token = csrf_in(await (await client.get("/admin/login")).text())
    limit = config["security.login_attempts_per_address"]
    statuses = await asyncio.gather(
        *(_post_login(client, token, f"guess{n}", "wrong-password")
          for n in range(limit + 15))
    )
    assert len(password_checks) <= limit
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == len(password_checks)


async def test_concurrent_guesses_at_one_account_are_limited(
    aiohttp_client, config, password_checks
):
    config.values["server.trust_proxy"] = True
    client = await aiohttp_client(create_app(config))
    token = csrf_in(await (await client.get("/admin/login")).text())
    statuses = await asyncio.gather(
        *(
            _post_login(client, token, ADMIN_USER, "wrong", f"203.0.113.{n}")
            for n in range(20)
        )
    )
    assert len(password_checks) <= config["security.login_attempts"]
    assert statuses.count(401) == len(password_checks)
    assert statuses.count(429) == 20 - len(password_checks)


async def test_successful_logins_do_not_use_up_the_address_allowance(client, config):
    # A whole office signs in from behind one address every morning.
    for _ in range(config["security.login_attempts"] + 3):
        response = await sign_in_with(client, ADMIN_USER, ADMIN_PASSWORD)
        assert response.status == 303
        await client.post(
            "/admin/logout",
            data={"csrf_token": csrf_in(await (await client.get("/admin/")).text())},
        )
    assert (await sign_in_with(client, "guess", "wrong-password")).status == 401


async def test_a_success_clears_the_accounts_failures(client, config):
    for _ in range(config["security.login_attempts"] - 1):
        assert (await sign_in_with(client, ADMIN_USER, "wrong-password")).status == 401
    assert (await sign_in_with(client, ADMIN_USER, ADMIN_PASSWORD)).status == 303
    client.session.cookie_jar.clear()


async def test_passwords_over_the_accounts_limit_are_refused_unchecked(
    client, monkeypatch, password_checks
):
    # The newsroom follows the limit accounts are made with, whatever it is.
    monkeypatch.setattr(users, "MAX_PASSWORD_LENGTH", 30)
    response = await sign_in_with(client, ADMIN_USER, "x" * 31)
    assert response.status == 401
    assert password_checks == []
    response = await sign_in_with(client, ADMIN_USER, "x" * 30)
    assert response.status == 401
    assert password_checks == ["x" * 30]


@pytest.mark.parametrize(
    "method, status", [("HEAD", 200), ("OPTIONS", 405), ("PUT", 405), ("DELETE", 405)]
)
async def test_other_methods_on_the_login_page(client, method, status):
    response = await client.request(method, "/admin/login", allow_redirects=False)
    assert response.status == status
    if status == 405:
        assert set(response.headers["Allow"].split(",")) == {"GET", "HEAD", "POST"}
        assert "Phương thức" in await response.text() or "newsroom" in (
            await response.text()
        )
