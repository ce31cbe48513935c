"""/api/v1/docs: the OpenAPI document as a page, served by the portal itself,
with every operation and schema in it and no script."""

from __future__ import annotations

import re


async def test_the_page_shows_every_operation_and_schema(client):
    spec = await (await client.get("/api/v1/openapi.json")).json()
    response = await client.get("/api/v1/docs")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    operations = [operation["operationId"] for item in spec["paths"].values()
                  for method, operation in item.items() if method != "parameters"]
    assert len(operations) > 60
    for operation_id in operations:
        assert f'id="op-{operation_id}"' in page, operation_id
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in page, name
    assert "<script" not in page
    assert re.search(r'<link rel="stylesheet" href="/feeds/static/api-docs\.css\?v=', page)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    style = await client.get(re.search(r'href="(/feeds/static/[^"]+)"', page).group(1))
    assert style.status == 200


async def test_the_page_names_the_credentials(client):
    page = await (await client.get("/api/v1/docs")).text()
    for scheme in ("partnerKey", "personalToken"):
        assert f"<code>{scheme}</code>" in page
    assert "GET</span> <code>/api/v1/articles</code>" in page
    assert "POST</span> <code>/api/v1/inbound/items</code>" in page
