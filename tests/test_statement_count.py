"""Nested queries run a fixed number of SQL statements, whatever the size of the book."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import event, insert, select
from starlette.applications import Starlette

from sigmasight.auth.models import User
from sigmasight.graphql.ids import parse_id
from sigmasight.portfolios.models import Position, Tag, position_tags
from tests.conftest import SignedIn
from tests.helpers import create_portfolio, days_ago

NESTED = """query($id: ID!) { portfolio(id: $id) {
  positions(first: 200) { edges { node { symbol tags { name } } } } } }"""


@contextmanager
def counting_statements(app: Starlette) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _fill(app: Starlette, user: SignedIn, portfolio_id: str, count: int) -> None:
    pid = parse_id(portfolio_id, "Portfolio")
    async with app.state.engine.begin() as conn:
        owner = await conn.scalar(select(User.id).where(User.email == user.email))
        tag_ids = [
            await conn.scalar(
                insert(Tag).values(owner_id=owner, name=f"tag-{count}-{i}").returning(Tag.id)
            )
            for i in range(3)
        ]
        rows = [
            {
                "portfolio_id": pid,
                "symbol": f"S{count}X{i:04d}",
                "underlying": f"S{count}X{i:04d}",
                "position_type": "LONG",
                "quantity": 10,
                "multiplier": 1,
                "entry_price": 10,
                "entry_date": date.fromisoformat(days_ago(3)),
            }
            for i in range(count)
        ]
        ids = (await conn.execute(insert(Position).returning(Position.id), rows)).scalars().all()
        links = [{"position_id": p, "tag_id": t} for p in ids for t in tag_ids]
        await conn.execute(insert(position_tags), links)


async def _statements_for_book(app: Starlette, user: SignedIn, name: str, size: int) -> int:
    portfolio_id = await create_portfolio(user, name)
    await _fill(app, user, portfolio_id, size)
    with counting_statements(app) as statements:
        data = await user.api.gql(NESTED, {"id": portfolio_id})
    edges = data["portfolio"]["positions"]["edges"]
    assert len(edges) == min(size, 200)
    assert all(len(e["node"]["tags"]) == 3 for e in edges)
    return len(statements)


async def test_positions_with_tags_cost_the_same_statements_for_5_or_200_positions(
    app: Starlette, alice: SignedIn
) -> None:
    # when
    small = await _statements_for_book(app, alice, "small", 5)
    large = await _statements_for_book(app, alice, "large", 250)
    # then: portfolio, one page of positions, one batch of tags
    assert small == large == 3


MARKET_FIELDS = """query($id: ID!) { portfolio(id: $id) {
  positions(first: 200) { edges { node { lastPrice marketValue sector dataQuality { stale } } } } } }"""


async def test_market_fields_cost_the_same_statements_for_5_or_200_positions(
    app: Starlette, alice: SignedIn
) -> None:
    # given
    counts = []
    for name, size in (("small", 5), ("large", 250)):
        portfolio_id = await create_portfolio(alice, name)
        await _fill(app, alice, portfolio_id, size)
        # when
        with counting_statements(app) as statements:
            await alice.api.gql(MARKET_FIELDS, {"id": portfolio_id})
        counts.append(len(statements))
    # then: portfolio, a page of positions, then one batch each of prices, securities, statuses
    assert counts[0] == counts[1] == 5
