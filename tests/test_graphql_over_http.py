"""The endpoint speaks GraphQL over HTTP: media types, status codes, body limits, CSRF rules."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from sigmasight.auth.models import User
from sigmasight.settings import Environment, Settings
from tests.conftest import REGISTER

GRAPHQL_RESPONSE = "application/graphql-response+json"
REGISTER_EVE = {"input": {"email": "eve@example.com", "password": "correct horse battery"}}


async def _users(app: Starlette) -> int:
    async with app.state.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(User)) or 0)


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app as configured in production (masking on, introspection and GraphiQL off)."""
    from sigmasight.main import create_app

    application = create_app(settings.model_copy(update={"environment": Environment.PRODUCTION}))
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
    await application.state.redis.aclose()
    await application.state.engine.dispose()


# --- media types and status codes


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        ("{ me { id ", {}),  # does not parse
        ("{ nope }", {}),  # does not validate
        ("query Q($n: Int) { portfolios(first: $n) { totalCount } }", {"n": "many"}),  # coercion
    ],
)
async def test_a_request_that_never_ran_is_a_400_without_data_for_graphql_response_clients(
    client: httpx.AsyncClient, document: str, variables: dict[str, Any]
) -> None:
    # when
    response = await client.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    # then
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    body = response.json()
    assert "data" not in body
    assert body["errors"]


async def test_application_json_clients_keep_the_classic_answer(
    client: httpx.AsyncClient,
) -> None:
    # when
    response = await client.post(
        "/graphql", json={"query": "{ nope }"}, headers={"Accept": "application/json"}
    )
    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"] is None


async def test_a_successful_request_is_served_in_the_media_type_asked_for(
    client: httpx.AsyncClient,
) -> None:
    # when
    response = await client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"},
    )
    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"__typename": "Query"}}


# --- bodies that are not JSON, or too large


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{", b"[" * 100_000, b'{"query": '],
    ids=["not utf-8", "nested 100k deep", "truncated"],
)
async def test_a_body_that_is_not_json_is_a_400_with_a_json_error(
    client: httpx.AsyncClient, body: bytes
) -> None:
    # when
    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    # then
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"errors": [{"message": "Unable to parse request body as JSON"}]}


async def test_a_body_announced_past_the_limit_is_refused_unread(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # given
    body = json.dumps({"query": "{ __typename }", "padding": "x" * settings.max_request_bytes})
    # when
    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    # then
    assert response.status_code == 413
    assert "limit" in response.json()["errors"][0]["message"]


async def test_an_endless_chunked_body_is_cut_off_at_the_limit(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # given: a body without Content-Length that never ends; buffering it would never finish
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ __typename }", "padding": "'
        while True:
            sent += 1
            yield b"x" * 65_536

    # when
    response = await client.post(
        "/graphql", content=endless(), headers={"Content-Type": "application/json"}
    )
    # then
    assert response.status_code == 413
    assert sent * 65_536 <= settings.max_request_bytes + 65_536


# --- cross-site requests


async def test_a_multipart_post_without_a_preflight_header_runs_nothing(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    # given: what a plain HTML form on another site can send
    operations = json.dumps({"query": REGISTER, "variables": REGISTER_EVE})
    # when
    response = await client.post(
        "/graphql", data={"operations": operations, "map": "{}"}, files={"x": ("x", b"")}
    )
    # then
    assert response.status_code == 400
    assert "Apollo-Require-Preflight" in response.json()["errors"][0]["message"]
    assert await _users(app) == 0


async def test_a_multipart_post_with_a_preflight_header_runs(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    # given
    operations = json.dumps({"query": REGISTER, "variables": REGISTER_EVE})
    # when
    response = await client.post(
        "/graphql",
        data={"operations": operations, "map": "{}"},
        files={"x": ("x", b"")},
        headers={"Apollo-Require-Preflight": "true"},
    )
    # then
    assert response.json()["data"]["register"]["__typename"] == "RegisterSuccess"
    assert await _users(app) == 1


async def test_a_get_request_never_runs_a_mutation(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    # given
    params = {"query": REGISTER, "variables": json.dumps(REGISTER_EVE)}
    # when
    response = await client.get("/graphql", params=params)
    # then
    assert response.status_code in {400, 405}
    assert await _users(app) == 0


# --- choosing the operation


async def test_several_operations_without_an_operation_name_run_none(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    # given: the first operation would register a user
    document = REGISTER + "\nquery Me { me { id } }"
    # when
    response = await client.post("/graphql", json={"query": document, "variables": REGISTER_EVE})
    # then
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "OPERATION_NAME_REQUIRED"
    assert await _users(app) == 0


async def test_the_operation_named_is_the_one_that_runs(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    # given
    document = "query First { __typename }\n" + REGISTER
    # when
    response = await client.post(
        "/graphql",
        json={"query": document, "variables": REGISTER_EVE, "operationName": "Register"},
    )
    # then
    assert response.json()["data"]["register"]["__typename"] == "RegisterSuccess"
    assert await _users(app) == 1


# --- production: introspection, GraphiQL, masked internals


async def test_introspection_is_off_in_production(production: httpx.AsyncClient) -> None:
    # when
    response = await production.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    # then
    body = response.json()
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_introspection_is_on_in_development(client: httpx.AsyncClient) -> None:
    # when
    response = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    # then
    assert response.json()["data"]["__schema"]["types"]


async def test_graphiql_is_served_in_development_and_not_in_production(
    client: httpx.AsyncClient, production: httpx.AsyncClient
) -> None:
    # when
    development = await client.get("/graphql", headers={"Accept": "text/html"})
    in_production = await production.get("/graphql", headers={"Accept": "text/html"})
    # then
    assert development.status_code == 200
    assert "graphiql" in development.text.lower()
    assert in_production.status_code == 404


async def test_an_unknown_fragment_in_production_reveals_no_internals(
    production: httpx.AsyncClient,
) -> None:
    # when
    response = await production.post("/graphql", json={"query": "{ ...Nope }"})
    # then
    body = response.json()
    assert [e["message"] for e in body["errors"]] == ["Unknown fragment 'Nope'."]
    assert "KeyError" not in response.text
