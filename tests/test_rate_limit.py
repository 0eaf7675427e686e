from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from sigmasight.main import create_app
from sigmasight.settings import Settings
from tests.conftest import Api, SignedIn, sign_up

ME = "{ me { email } }"


@pytest.fixture
async def strict_apps(settings: Settings) -> AsyncIterator[list[Starlette]]:
    """Two API processes sharing one Redis, each allowing 3 requests a minute per user."""
    strict = settings.model_copy(update={"rate_limit_per_minute": 3})
    apps = [create_app(strict), create_app(strict)]
    yield apps
    for app in apps:
        await app.state.redis.aclose()
        await app.state.engine.dispose()


def client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_requests_past_the_limit_get_429_with_retry_after(
    strict_apps: list[Starlette], alice: SignedIn
) -> None:
    # given
    headers = {"Authorization": f"Bearer {alice.api.token}"}
    async with client(strict_apps[0]) as http:
        # when
        answers = [
            await http.post("/graphql", json={"query": ME}, headers=headers) for _ in range(4)
        ]
    # then
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["x-ratelimit-limit"] == "3"
    assert 1 <= int(answers[3].headers["retry-after"]) <= 60
    assert answers[3].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_the_limit_is_shared_across_api_processes_and_kept_per_user(
    strict_apps: list[Starlette], api: Api, alice: SignedIn
) -> None:
    # given
    bob = await sign_up(api, "bob@example.com")
    alice_headers = {"Authorization": f"Bearer {alice.api.token}"}
    async with client(strict_apps[0]) as first, client(strict_apps[1]) as second:
        # when
        for http in (first, second, first):
            await http.post("/graphql", json={"query": ME}, headers=alice_headers)
        over = await second.post("/graphql", json={"query": ME}, headers=alice_headers)
        other_user = await second.post(
            "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {bob.api.token}"}
        )
    # then
    assert over.status_code == 429
    assert other_user.status_code == 200


async def test_health_is_not_rate_limited(strict_apps: list[Starlette]) -> None:
    async with client(strict_apps[0]) as http:
        statuses = {(await http.get("/health")).status_code for _ in range(5)}
    assert statuses == {200}
