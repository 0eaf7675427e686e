"""A control character in any string of a request is refused before anything runs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from sigmasight.auth.models import User
from sigmasight.portfolios.models import Position
from tests.conftest import REGISTER, Api, SignedIn
from tests.documents import ADD_POSITION
from tests.helpers import create_portfolio, days_ago

NUL = "\u0000"


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    """The one error's code and argument path; there is no data and no SQL in the message."""
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert "SELECT" not in error["message"] and "INSERT" not in error["message"]
    return error["extensions"]["code"], error["extensions"]["argument"]


async def _count(app: Starlette, model: Any) -> int:
    async with app.state.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("fullName", f"Eve{NUL}"), ("email", f"eve{NUL}@example.com")],
)
async def test_register_with_a_nul_is_refused_and_writes_nothing(
    api: Api, app: Starlette, field: str, value: str
) -> None:
    # given
    payload = {"email": "eve@example.com", "password": "correct horse battery", field: value}
    # when
    body = await api.raw(REGISTER, {"input": payload})
    # then
    assert refusal(body) == ("INVALID_CHARACTERS", f"$input.{field}")
    assert await _count(app, User) == 0


async def test_position_notes_with_a_nul_are_refused_and_nothing_is_written(
    alice: SignedIn, app: Starlette
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    payload = {
        "portfolioId": portfolio_id,
        "symbol": "AAPL",
        "quantity": 10,
        "entryPrice": 150,
        "entryDate": days_ago(10),
        "notes": f"earnings{NUL}play",
    }
    # when
    body = await alice.api.raw(ADD_POSITION, {"input": payload})
    # then
    assert refusal(body) == ("INVALID_CHARACTERS", "$input.notes")
    assert await _count(app, Position) == 0


async def test_a_nul_in_an_inline_literal_is_refused(alice: SignedIn) -> None:
    # given: the document's own string escape decodes to a NUL
    document = 'query { portfolios(after: "abc\\u0000") { totalCount } }'
    # when
    body = await alice.api.raw(document)
    # then
    assert refusal(body) == ("INVALID_CHARACTERS", "after")


@pytest.mark.parametrize(
    ("document", "variables", "path"),
    [
        (
            "query Q($c: String) { portfolios(after: $c) { totalCount } }",
            {"c": f"YXJyYXljb25uZWN0aW9uOjA{NUL}"},
            "$c",
        ),
        (
            "query Q($id: ID!, $s: String) { portfolio(id: $id) { "
            "positions(filter: { symbol: $s }) { totalCount } } }",
            {"id": "x", "s": f"AAPL{NUL}"},
            "$s",
        ),
        (
            'query { portfolio(id: "x") { positions(filter: { symbol: "AA\\u0007PL" }) '
            "{ totalCount } } }",
            {},
            "filter.symbol",
        ),
        (
            "query Q($n: String) { batchJobs(name: $n) { totalCount } }",
            {"n": f"update_market_data{NUL}"},
            "$n",
        ),
        ("query Q($id: ID!) { node(id: $id) { id } }", {"id": f"UG9y{NUL}"}, "$id"),
        (
            'query Q($ids: [ID!]!) { portfolio(id: "x") { '
            "positions(filter: { tagIds: $ids }) { totalCount } } }",
            {"ids": ["ok", f"bad{NUL}"]},
            "$ids[1]",
        ),
    ],
)
async def test_control_characters_are_refused_in_every_kind_of_argument(
    alice: SignedIn, document: str, variables: dict[str, Any], path: str
) -> None:
    # when
    body = await alice.api.raw(document, variables)
    # then
    assert refusal(body) == ("INVALID_CHARACTERS", path)


async def test_tabs_and_line_breaks_are_ordinary_text(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    payload = {
        "portfolioId": portfolio_id,
        "symbol": "AAPL",
        "quantity": 10,
        "entryPrice": 150,
        "entryDate": days_ago(10),
        "notes": "line one\n\tline two\r\n",
    }
    # when
    body = await alice.api.raw(ADD_POSITION, {"input": payload})
    # then
    assert body["data"]["addPosition"]["__typename"] == "AddPositionSuccess", body
