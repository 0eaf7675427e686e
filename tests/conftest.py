"""Test harness: a real PostgreSQL and a real Redis, the app over ASGI, and a `gql()` helper.

Servers come from TEST_DATABASE_URL / TEST_REDIS_URL when set, else the ones on localhost when they
answer, else embedded ones started under `.sigmasight/test`. Each test leaves the database empty.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from starlette.applications import Starlette

from sigmasight import embedded, migrate
from sigmasight.models import metadata
from sigmasight.settings import Environment, Settings
from tests.databases import recreate_database

# Fixtures for sign-in and session tests (a movable clock, an app without Redis).
pytest_plugins = ["tests.session_support"]

TEST_DATABASE = os.environ.get("TEST_DATABASE_NAME", "sigmasight_test")
TEST_SECRET = "test-secret-of-sufficient-length-0123456789"
ROOT = Path(__file__).resolve().parents[1]


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _server_urls() -> tuple[str, str]:
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    data_dir = ROOT / ".sigmasight" / "test"
    if not database_url:
        if _answers("127.0.0.1", 5432):
            database_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{TEST_DATABASE}"
        else:
            database_url = embedded.start_postgres(data_dir, database="postgres")
    if not redis_url:
        redis_url = (
            "redis://127.0.0.1:6379/15"
            if _answers("127.0.0.1", 6379)
            else (embedded.start_redis(data_dir))
        )
    return database_url, redis_url


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    database_url, redis_url = _server_urls()
    database_url = asyncio.run(recreate_database(database_url, TEST_DATABASE))
    migrate.upgrade(database_url)
    yield Settings(
        environment=Environment.TEST,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=TEST_SECRET,
        report_dir=tmp_path_factory.mktemp("reports"),
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    from sigmasight.main import create_app

    application = create_app(settings)
    yield application
    await application.state.graphql.close()  # the job queue's pool, opened by the first enqueue
    await application.state.redis.aclose()
    await application.state.engine.dispose()


@pytest.fixture(autouse=True)
async def _clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Leave no rows and no Redis keys behind, so tests pass alone and in any order."""
    yield
    if "app" not in request.fixturenames:
        return
    application: Starlette = request.getfixturevalue("app")
    tables = ", ".join(t.name for t in metadata.sorted_tables)
    async with application.state.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    redis: Redis = application.state.redis
    await redis.flushdb()


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@dataclass
class Api:
    """Posts GraphQL documents to the app, optionally as a signed-in user."""

    http: httpx.AsyncClient
    token: str | None = None

    def as_user(self, token: str | None) -> Api:
        return Api(self.http, token)

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a response that must have no top-level errors."""
        body = await self.raw(query, variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) {
    __typename
    ... on RegisterSuccess { user { id email } tokens { accessToken refreshToken } }
    ... on UserError { field code message }
  }
}
"""


@dataclass
class SignedIn:
    api: Api
    user_id: str
    email: str
    refresh_token: str


async def sign_up(api: Api, email: str, password: str = "correct horse battery") -> SignedIn:
    data = await api.gql(REGISTER, {"input": {"email": email, "password": password}})
    result = data["register"]
    assert result["__typename"] == "RegisterSuccess", result
    tokens = result["tokens"]
    return SignedIn(
        api.as_user(tokens["accessToken"]), result["user"]["id"], email, tokens["refreshToken"]
    )


@pytest.fixture
async def alice(api: Api) -> SignedIn:
    return await sign_up(api, "alice@example.com")


@pytest.fixture
async def bob(api: Api) -> SignedIn:
    return await sign_up(api, "bob@example.com")
