"""What every public API call goes through: rate limits per client (by
address, higher for a partner key), keys checked, CORS, problem details,
the search endpoint included without its handler knowing."""

from __future__ import annotations

from pathlib import Path

import pytest
from staff_support import NO_SECOND_FACTOR, new_site

from appliance.db import transaction
from feeds.gate import Limiter
from feeds.partners import add_partner, revoke_partner


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A site with small limits, so they are reached in a test."""
    return new_site(tmp_path, NO_SECOND_FACTOR | {"api.anonymous_per_minute": 5,
                                                  "api.key_per_minute": 12})


@pytest.fixture
def key(conn) -> str:
    _partner, secret = transaction(conn, add_partner, "Ứng dụng di động", "read")
    return secret


@pytest.mark.parametrize("path", ["/api/v1/search?q=l%C3%BAa", "/api/v1/articles",
                                  "/api/v1/datasets", "/api/v1/openapi.json"])
async def test_anonymous_callers_are_limited_by_address(client, path):
    for left in range(4, -1, -1):
        response = await client.get(path)
        assert response.status == 200, path
        assert response.headers["RateLimit-Limit"] == "5"
        assert response.headers["RateLimit-Remaining"] == str(left)
    refused = await client.get(path)
    assert refused.status == 429
    assert refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    problem = await refused.json()
    assert problem["status"] == 429 and "5" in problem["detail"]


async def test_a_key_has_its_own_higher_limit(client, key):
    for _ in range(5):
        await client.get("/api/v1/articles")
    assert (await client.get("/api/v1/articles")).status == 429
    headers = {"Authorization": f"Bearer {key}"}
    answers = [await client.get("/api/v1/articles", headers=headers) for _ in range(12)]
    assert {answer.status for answer in answers} == {200}
    assert answers[0].headers["RateLimit-Limit"] == "12"
    assert (await client.get("/api/v1/articles", headers=headers)).status == 429


async def test_a_bad_or_revoked_key_is_refused_not_ignored(client, conn, key):
    bad = await client.get("/api/v1/search?q=a",
                           headers={"Authorization": "Bearer pk_wrong"})
    assert bad.status == 401
    assert bad.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await bad.json())["status"] == 401
    partner = conn.execute("SELECT id FROM partner").fetchone()[0]
    transaction(conn, revoke_partner, partner)
    gone = await client.get("/api/v1/articles", headers={"Authorization": f"Bearer {key}"})
    assert gone.status == 401


async def test_key_use_is_recorded(client, conn, key):
    await client.get("/api/v1/articles", headers={"Authorization": f"Bearer {key}"})
    (used,) = conn.execute("SELECT last_used_at FROM partner_key").fetchone()
    assert used is not None


def test_a_bucket_refills_at_an_even_pace():
    limiter = Limiter(60)
    for _ in range(60):
        assert limiter.take("a", now=100.0)[0]
    allowed, left, wait = limiter.take("a", now=100.0)
    assert (allowed, left, wait) == (False, 0, 1)
    assert limiter.take("a", now=101.0)[0]  # one a second comes back
    assert not limiter.take("a", now=101.0)[0]
    assert limiter.take("b", now=101.0)[0]  # others are not held back
    # Allowed, the last number is when the whole allowance is back.
    assert limiter.take("c", now=200.0) == (True, 59, 1)
    for _ in range(9):
        limiter.take("c", now=200.0)
    assert limiter.take("c", now=200.0) == (True, 49, 11)
