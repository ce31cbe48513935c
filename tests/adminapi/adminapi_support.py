"""Helpers of the newsroom API tests: a caller holding one personal token,
and the article fields most tests start from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

API = "/api/v1/admin"
# Wrong tokens an address may send before it is held back (the tests' setting).
TOKEN_ATTEMPTS = 4


@dataclass
class Caller:
    """A program calling the API with one token."""

    client: TestClient
    token: str
    language: str | None = None

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.language:
            headers["Accept-Language"] = self.language
        return headers | (extra or {})

    async def call(self, method: str, path: str, body: Any = None,
                   **kwargs: Any) -> ClientResponse:
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["headers"] = self.headers({"Content-Type": "application/json"})
        else:
            kwargs.setdefault("headers", self.headers())
        return await self.client.request(method, API + path, allow_redirects=False,
                                         **kwargs)

    async def get(self, path: str, **kwargs: Any) -> ClientResponse:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> ClientResponse:
        return await self.call("POST", path, body, **kwargs)

    async def patch(self, path: str, body: Any) -> ClientResponse:
        return await self.call("PATCH", path, body)

    async def delete(self, path: str) -> ClientResponse:
        return await self.call("DELETE", path)


def article(**fields: Any) -> dict[str, Any]:
    body = {
        "lang": "vi",
        "title": "Tỉnh An Giang khởi công cầu Đình Phước mới",
        "section": "tin-tuc",
        "summary": "Tóm tắt ngắn.",
        "body": "<p>Nội dung <strong>chính</strong>.</p>",
        "tags": ["giao thông", "cầu"],
        "byline": "Minh Châu",
    }
    return body | fields


async def problem_of(response: ClientResponse, status: int) -> dict[str, Any]:
    """The problem details of a refusal, after checking its status and type."""
    text = await response.text()
    assert response.status == status, text
    assert response.content_type == "application/problem+json", text
    problem = json.loads(text)
    assert problem["status"] == status
    return problem
