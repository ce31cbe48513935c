import json

from appliance.db import latest_schema
from appliance.security import PUBLIC_CSP


async def test_healthz_reports_version_and_schema(client):
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert body["schema"] == latest_schema()
    assert body["version"]


async def test_healthz_is_degraded_when_the_schema_is_out_of_date(client, conn):
    conn.execute("PRAGMA user_version = 1")
    response = await client.get("/healthz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "degraded" and body["reason"]


async def test_api_errors_are_problem_details(client):
    response = await client.get("/api/v1/no-such-thing")
    assert response.status == 404
    assert response.content_type == "application/problem+json"
    problem = json.loads(await response.text())
    assert problem["status"] == 404 and problem["title"]


async def test_security_headers_on_every_response(client):
    response = await client.get("/healthz")
    assert response.headers["Content-Security-Policy"] == PUBLIC_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "http" not in PUBLIC_CSP  # no outside host by default


async def test_unknown_page_is_a_404_page_in_the_addressed_language(client):
    for lang, words in (("vi", "Không tìm thấy trang"), ("en", "Page not found"),
                        ("km", "រកមិនឃើញទំព័រ")):
        response = await client.get(f"/{lang}/khong-co/trang-nay")
        assert response.status == 404
        text = await response.text()
        assert f'lang="{lang}"' in text and words in text
        assert "Traceback" not in text


async def test_error_pages_carry_the_security_headers(client):
    for path in ("/api/v1/nothing", "/vi/khong-co/trang-nay"):
        response = await client.get(path)
        assert response.status == 404
        assert response.headers["Content-Security-Policy"] == PUBLIC_CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
