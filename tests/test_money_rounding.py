"""Money is served in cents: no float noise such as -14775.640000000001 reaches a client."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from tests.book_factory import bar_row
from tests.conftest import SignedIn
from tests.helpers import add_position, create_portfolio

VALUATION_DAY = calendar.latest_trading_day(clock.today() - timedelta(days=1))

BOOK = """query($id: ID!) { portfolio(id: $id) {
  cash equity totalValue totalPnl
  exposures { long short gross net }
  greeks { delta dollarDelta dollarGamma }
  positions(first: 10) { edges { node {
    entryPrice lastPrice costBasis marketValue unrealizedPnl notionalExposure
    deltaAdjustedExposure greeks { delta dollarDelta }
  } } }
} }"""

MONEY_FIELDS = {
    "cash", "equity", "totalValue", "totalPnl", "long", "short", "gross", "net", "dollarDelta",
    "dollarGamma", "costBasis", "marketValue", "unrealizedPnl", "notionalExposure",
    "deltaAdjustedExposure",
}  # fmt: skip


def money_values(tree: Any, found: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Every (field name, number) of a money field anywhere in a response."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key in MONEY_FIELDS and isinstance(value, float | int):
                found.append((key, value))
            else:
                money_values(value, found)
    elif isinstance(tree, list):
        for item in tree:
            money_values(item, found)
    return found


async def test_money_fields_of_a_book_with_float_noise_have_at_most_two_decimals(
    app: Starlette, alice: SignedIn
) -> None:
    # given: 3 shares bought at $0.10 and closing at $0.70, where binary floats give
    # 0.30000000000000004 of cost, 2.0999999999999996 of value and 1.7999999999999998 of P&L
    async with app.state.engine.begin() as conn:
        await conn.execute(insert(DailyBar), [bar_row("ZNGA", VALUATION_DAY, 0.7)])
    pid = await create_portfolio(alice)
    await alice.api.gql(
        "mutation($id: ID!) { updatePortfolio(input: {id: $id, cash: 0.1}) { __typename } }",
        {"id": pid},
    )
    added = await add_position(alice, pid, symbol="ZNGA", quantity=3, entryPrice=0.1)
    assert added["__typename"] == "AddPositionSuccess", added
    # when
    response = await alice.api.http.post(
        "/graphql",
        json={"query": BOOK, "variables": {"id": pid}},
        headers={"Authorization": f"Bearer {alice.api.token}"},
    )
    # then: every money number is whole cents, and the cents are right
    body = json.loads(response.text)
    assert not body.get("errors"), body
    values = money_values(body["data"], [])
    assert {name for name, _ in values} == MONEY_FIELDS
    for name, value in values:
        assert Decimal(repr(value)).as_tuple().exponent >= -2, (name, value)
    portfolio = body["data"]["portfolio"]
    position = portfolio["positions"]["edges"][0]["node"]
    assert position["costBasis"] == 0.3
    assert position["marketValue"] == 2.1
    assert position["unrealizedPnl"] == 1.8
    assert portfolio["equity"] == 2.2  # 0.1 cash + 2.1 of stock
    # and prices per share and Greeks keep their precision
    assert position["entryPrice"] == 0.1 and position["lastPrice"] == 0.7
    assert "0.30000000000000004" not in response.text
