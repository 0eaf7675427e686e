from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from starlette.applications import Starlette

from sigmasight.db import create_session_factory
from sigmasight.portfolios.positions import held_symbols
from tests.conftest import SignedIn
from tests.documents import (
    CLOSE_POSITION,
    CREATE_PORTFOLIO,
    PORTFOLIO,
    UPDATE_POSITION,
)
from tests.helpers import add_position, create_portfolio, days_ago, occ_symbol


async def test_a_stock_and_an_option_are_added_and_read_back(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    call = occ_symbol("AAPL", 45, "C", 150)
    # when
    stock = await add_position(alice, portfolio_id, symbol="aapl", quantity=100)
    option = await add_position(alice, portfolio_id, symbol=call, quantity=-2, entryPrice=3.5)
    # then
    assert stock["position"]["positionType"] == "LONG"
    assert stock["position"]["multiplier"] == 1
    assert stock["position"]["option"] is None
    opt = option["position"]
    assert (opt["positionType"], opt["underlying"], opt["multiplier"]) == ("SC", "AAPL", 100)
    assert opt["option"]["strike"] == 150
    assert opt["option"]["optionType"] == "CALL"
    assert opt["option"]["daysToExpiry"] == 45
    assert opt["costBasis"] == pytest.approx(-2 * 3.5 * 100)
    data = await alice.api.gql(PORTFOLIO, {"id": portfolio_id})
    symbols = {
        e["node"]["symbol"]: e["node"]["positionType"]
        for e in data["portfolio"]["positions"]["edges"]
    }
    assert symbols == {"AAPL": "LONG", call: "SC"}


@pytest.mark.parametrize(
    ("quantity", "cp", "expected"),
    [
        (5, None, "LONG"),
        (-5, None, "SHORT"),
        (1, "C", "LC"),
        (1, "P", "LP"),
        (-1, "C", "SC"),
        (-1, "P", "SP"),
    ],
)
async def test_position_type_follows_sign_and_call_or_put(
    alice: SignedIn, quantity: int, cp: str | None, expected: str
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    symbol = occ_symbol("MSFT", 30, cp, 400) if cp else "MSFT"
    # when
    result = await add_position(alice, portfolio_id, symbol=symbol, quantity=quantity)
    # then
    assert result["position"]["positionType"] == expected


async def test_flipping_the_sign_of_quantity_flips_the_type(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    position_id = (await add_position(alice, portfolio_id))["position"]["id"]
    # when
    result = await alice.api.gql(UPDATE_POSITION, {"input": {"id": position_id, "quantity": -50}})
    # then
    assert result["updatePosition"]["position"]["positionType"] == "SHORT"


BAD_POSITIONS: list[tuple[str, dict[str, Any], str, str]] = [
    ("zero quantity", {"quantity": 0}, "quantity", "ZERO_QUANTITY"),
    ("negative price", {"entryPrice": -1.5}, "entryPrice", "NON_POSITIVE_PRICE"),
    ("zero price", {"entryPrice": 0}, "entryPrice", "NON_POSITIVE_PRICE"),
    ("huge price", {"entryPrice": 1e300}, "entryPrice", "OUT_OF_RANGE"),
    ("future date", {"entryDate": days_ago(-3)}, "entryDate", "FUTURE_DATE"),
    ("ancient date", {"entryDate": "2001-01-02"}, "entryDate", "DATE_TOO_OLD"),
    ("empty symbol", {"symbol": ""}, "symbol", "INVALID_SYMBOL"),
    ("oversized symbol", {"symbol": "A" * 5000}, "symbol", "INVALID_SYMBOL"),
    ("bad strike", {"symbol": "AAPL240119C001500000"}, "symbol", "INVALID_STRIKE"),
    ("bad expiry", {"symbol": "AAPL241319C00150000"}, "symbol", "INVALID_EXPIRATION"),
    ("zero multiplier", {"multiplier": 0}, "multiplier", "OUT_OF_RANGE"),
    ("oversized notes", {"notes": "n" * 2001}, "notes", "TOO_LONG"),
    ("malformed tag id", {"tagIds": ["not-an-id"]}, "tagIds", "NOT_FOUND"),
    ("sub-micro quantity", {"quantity": 0.0000001}, "quantity", "TOO_MANY_DECIMALS"),
    ("sub-micro price", {"entryPrice": 12.1234567}, "entryPrice", "TOO_MANY_DECIMALS"),
]


@pytest.mark.parametrize(
    ("case", "fields", "field", "code"), BAD_POSITIONS, ids=[c[0] for c in BAD_POSITIONS]
)
async def test_bad_position_input_is_a_user_error_and_writes_nothing(
    alice: SignedIn, case: str, fields: dict[str, Any], field: str, code: str
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    result = await add_position(alice, portfolio_id, **fields)
    # then
    assert (result["field"], result["code"]) == (field, code), result
    assert result["message"]
    data = await alice.api.gql(PORTFOLIO, {"id": portfolio_id})
    assert data["portfolio"]["positions"]["totalCount"] == 0


@pytest.mark.parametrize(
    ("name", "code"),
    [("", "REQUIRED"), ("   ", "REQUIRED"), ("x" * 101, "TOO_LONG"), ("y" * 100_000, "TOO_LONG")],
)
async def test_bad_portfolio_names_are_user_errors(alice: SignedIn, name: str, code: str) -> None:
    # when
    result = (await alice.api.gql(CREATE_PORTFOLIO, {"name": name}))["createPortfolio"]
    # then
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        "name",
        code,
    )


async def test_portfolio_names_are_unique_per_user_ignoring_case(
    alice: SignedIn, bob: SignedIn
) -> None:
    # given
    await create_portfolio(alice, "Growth")
    # when
    clash = (await alice.api.gql(CREATE_PORTFOLIO, {"name": "GROWTH"}))["createPortfolio"]
    other_user = (await bob.api.gql(CREATE_PORTFOLIO, {"name": "growth"}))["createPortfolio"]
    # then
    assert (clash["__typename"], clash["code"]) == ("ConflictError", "NAME_TAKEN")
    assert other_user["__typename"] == "CreatePortfolioSuccess"


async def test_an_unknown_enum_value_is_a_validation_error_not_a_server_error(
    alice: SignedIn,
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    query = """query($id: ID!) { portfolio(id: $id) { positions(filter: {types: [LONG_STRANGLE]}) { totalCount } } }"""
    # when
    response = await alice.api.http.post(
        "/graphql",
        json={"query": query, "variables": {"id": portfolio_id}},
        headers={"Authorization": f"Bearer {alice.api.token}"},
    )
    # then
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert "LONG_STRANGLE" in error["message"]
    assert "PositionType" in error["message"]


async def test_a_wrongly_typed_variable_is_refused_before_anything_runs(alice: SignedIn) -> None:
    # when
    body = await alice.api.raw(
        'mutation($q: Float!) { addPosition(input: {portfolioId: "x", symbol: "A", quantity: $q, '
        'entryPrice: 1, entryDate: "2024-01-02"}) { __typename } }',
        {"q": "lots"},
    )
    # then
    assert body["data"] is None
    assert "Float" in body["errors"][0]["message"]


async def test_the_same_open_position_cannot_be_added_twice(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await add_position(alice, portfolio_id, entryDate=days_ago(5))
    # when
    again = await add_position(alice, portfolio_id, entryDate=days_ago(5))
    # then
    assert (again["__typename"], again["code"]) == ("ConflictError", "DUPLICATE_POSITION")


async def test_closing_keeps_the_position_as_history(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    position_id = (await add_position(alice, portfolio_id, entryDate=days_ago(10)))["position"][
        "id"
    ]
    # when
    closed = await alice.api.gql(
        CLOSE_POSITION, {"input": {"id": position_id, "exitPrice": 170, "exitDate": days_ago(2)}}
    )
    # then
    assert closed["closePosition"]["position"]["isOpen"] is False
    query = """query($id: ID!) { portfolio(id: $id) {
      open: positions { totalCount } closed: positions(filter: {status: CLOSED}) { totalCount } } }"""
    data = await alice.api.gql(query, {"id": portfolio_id})
    assert data["portfolio"]["open"]["totalCount"] == 0
    assert data["portfolio"]["closed"]["totalCount"] == 1


async def test_an_exit_before_entry_is_refused(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    position_id = (await add_position(alice, portfolio_id, entryDate=days_ago(10)))["position"][
        "id"
    ]
    # when
    result = await alice.api.gql(
        CLOSE_POSITION, {"input": {"id": position_id, "exitPrice": 170, "exitDate": days_ago(20)}}
    )
    # then
    assert result["closePosition"]["code"] == "DATE_ORDER"


async def test_positions_filter_by_type_symbol_and_page_through(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    for ticker in ("AAPL", "MSFT", "NVDA", "AMZN"):
        await add_position(alice, portfolio_id, symbol=ticker)
    await add_position(alice, portfolio_id, symbol=occ_symbol("AAPL", 20, "P", 140), quantity=3)
    page = """query($id: ID!, $after: String) { portfolio(id: $id) {
      positions(first: 2, after: $after) {
        edges { node { symbol } } pageInfo { hasNextPage endCursor } } } }"""
    # when
    symbols: list[str] = []
    after = None
    while True:
        data = await alice.api.gql(page, {"id": portfolio_id, "after": after})
        conn = data["portfolio"]["positions"]
        symbols += [e["node"]["symbol"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    by_underlying = await alice.api.gql(
        """query($id: ID!) { portfolio(id: $id) { positions(filter: {symbol: "aapl"}) { totalCount } } }""",
        {"id": portfolio_id},
    )
    puts = await alice.api.gql(
        """query($id: ID!) { portfolio(id: $id) { positions(filter: {types: [LP]}) { totalCount } } }""",
        {"id": portfolio_id},
    )
    # then
    assert symbols == sorted(symbols) and len(symbols) == 5
    assert by_underlying["portfolio"]["positions"]["totalCount"] == 2
    assert puts["portfolio"]["positions"]["totalCount"] == 1


async def test_a_page_larger_than_the_limit_is_refused(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    body = await alice.api.raw(
        "query($id: ID!) { portfolio(id: $id) { positions(first: 201) { totalCount } } }",
        {"id": portfolio_id},
    )
    # then
    assert body["errors"][0]["extensions"]["code"] == "OUT_OF_RANGE"


async def test_a_closed_position_shows_realised_not_unrealised_pnl(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    position_id = (
        await add_position(
            alice, portfolio_id, quantity=-100, entryPrice=150, entryDate=days_ago(10)
        )
    )["position"]["id"]
    await alice.api.gql(
        CLOSE_POSITION, {"input": {"id": position_id, "exitPrice": 140, "exitDate": days_ago(2)}}
    )
    # when
    data = await alice.api.gql(
        "query($id: ID!) { position(id: $id) { marketValue unrealizedPnl realizedPnl } }",
        {"id": position_id},
    )
    # then
    assert data["position"] == {"marketValue": 0.0, "unrealizedPnl": 0.0, "realizedPnl": 1000.0}


async def test_a_garbled_cursor_is_a_user_error(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    cursor = base64.urlsafe_b64encode(json.dumps(["AAPL", 5]).encode()).decode()
    # when
    body = await alice.api.raw(
        "query($id: ID!, $c: String) { portfolio(id: $id) { positions(after: $c) { totalCount } } }",
        {"id": portfolio_id, "c": cursor},
    )
    # then
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_held_symbols_lists_each_open_symbol_and_option_underlying_once_skipping_closed(
    app: Starlette, alice: SignedIn, bob: SignedIn
) -> None:
    # given: AAPL held by two users, MSFT bought and sold, a QQQ put without QQQ itself
    alice_book = await create_portfolio(alice)
    await add_position(alice, alice_book, symbol="AAPL")
    put = occ_symbol("QQQ", 60, "P", 500)
    await add_position(alice, alice_book, symbol=put, quantity=1, entryPrice=5)
    await add_position(bob, await create_portfolio(bob), symbol="AAPL")
    sold = (await add_position(alice, alice_book, symbol="MSFT"))["position"]["id"]
    await alice.api.gql(
        CLOSE_POSITION, {"input": {"id": sold, "exitPrice": 140, "exitDate": days_ago(2)}}
    )
    # when
    async with create_session_factory(app.state.engine)() as session:
        symbols = await held_symbols(session)
    # then
    assert symbols.count("AAPL") == 1
    assert "MSFT" not in symbols
    assert {put, "QQQ"} <= set(symbols)
    assert symbols == sorted(symbols)
