"""A request holds one pooled database connection at a time: reads share one session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.graphql.ids import parse_id
from sigmasight.graphql.read_session import ReadSession
from sigmasight.marketdata.models import DailyBar
from sigmasight.portfolios.models import Position
from tests.book_factory import book_rows
from tests.conftest import SignedIn
from tests.documents import ADD_POSITION, DASHBOARD_WITH_RISK
from tests.helpers import create_portfolio, days_ago

TWO_PORTFOLIOS_AND_LISTS = """query($a: ID!, $b: ID!) {
  me { email }
  portfolios(first: 10) { totalCount edges { node { id name tags { name } } } }
  a: portfolio(id: $a) { totalValue positionGroups(by: STRATEGY) { key positions { id } }
    positions(first: 50) { totalCount edges { node { symbol lastPrice tags { name } } } } }
  b: portfolio(id: $b) { totalValue positionGroups(by: TAG) { key marketValue }
    positions(first: 50) { totalCount edges { node { symbol greeks { delta } } } } }
}"""


@dataclass
class Checkouts:
    total: int = 0
    held: int = 0
    most_held_at_once: int = 0


@contextmanager
def counting_checkouts(app: Starlette) -> Iterator[Checkouts]:
    """Connections taken from the pool while the block runs, and the most held at once."""
    pool = app.state.engine.sync_engine.pool
    seen = Checkouts()

    def checkout(*_: Any) -> None:
        seen.total += 1
        seen.held += 1
        seen.most_held_at_once = max(seen.most_held_at_once, seen.held)

    def checkin(*_: Any) -> None:
        seen.held -= 1

    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    try:
        yield seen
    finally:
        event.remove(pool, "checkout", checkout)
        event.remove(pool, "checkin", checkin)


async def _book(app: Starlette, user: SignedIn, name: str, size: int) -> str:
    portfolio_id = await create_portfolio(user, name)
    pid = parse_id(portfolio_id, "Portfolio")
    assert pid is not None
    positions, bars = book_rows(pid, size, underlyings=8, last_day=clock.today() - timedelta(1))
    async with app.state.engine.begin() as conn:
        await conn.execute(upsert(DailyBar).on_conflict_do_nothing(), bars)
        await conn.execute(insert(Position), positions)
    return portfolio_id


async def test_dashboard_with_risk_panel_checks_out_one_connection(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a book with stocks and options, nothing cached
    portfolio_id = await _book(app, alice, "Dashboard", 40)
    await app.state.redis.flushdb()
    # when
    with counting_checkouts(app) as checkouts:
        data = await alice.api.gql(DASHBOARD_WITH_RISK, {"id": portfolio_id})
    # then: every loader and resolver read through one session, handed back at the end
    assert data["portfolio"]["positions"]["totalCount"] == 40
    assert checkouts.total == 1
    assert checkouts.held == 0


async def test_many_sibling_lists_over_two_books_check_out_one_connection(
    app: Starlette, alice: SignedIn
) -> None:
    # given
    first = await _book(app, alice, "First", 30)
    second = await _book(app, alice, "Second", 20)
    # when
    with counting_checkouts(app) as checkouts:
        data = await alice.api.gql(TWO_PORTFOLIOS_AND_LISTS, {"a": first, "b": second})
    # then
    assert data["portfolios"]["totalCount"] == 2
    assert data["a"]["positions"]["totalCount"] == 30
    assert data["b"]["positions"]["totalCount"] == 20
    assert checkouts.total == 1
    assert checkouts.held == 0


async def test_mutations_and_their_payloads_hold_one_connection_at_a_time(
    app: Starlette, alice: SignedIn
) -> None:
    # given: two mutations in one request, the first payload read through the read session
    portfolio_id = await _book(app, alice, "Core", 10)
    body = ADD_POSITION.split("{", 1)[1].rsplit("}", 1)[0]
    document = (
        "mutation($input: AddPositionInput!, $other: AddPositionInput!) {"
        + body.replace("addPosition(", "first: addPosition(")
        + body.replace("addPosition(input: $input)", "second: addPosition(input: $other)")
        + "}"
    )
    position = {"portfolioId": portfolio_id, "quantity": 5, "entryDate": days_ago(2)}
    # when
    with counting_checkouts(app) as checkouts:
        data = await alice.api.gql(
            document,
            {
                "input": position | {"symbol": "MSFT", "entryPrice": 300},
                "other": position | {"symbol": "NVDA", "entryPrice": 120},
            },
        )
    # then: each mutation's transaction and the payload reads took turns on the pool
    assert data["first"]["__typename"] == data["second"]["__typename"] == "AddPositionSuccess"
    assert checkouts.most_held_at_once == 1
    assert checkouts.held == 0


async def test_a_failed_statement_does_not_spoil_the_shared_session_for_later_reads(
    app: Starlette,
) -> None:
    # given
    reads = ReadSession(app.state.session_factory)
    # when: one batch fails inside the database, the next one reads
    with pytest.raises(DBAPIError):
        async with reads.use() as session:
            await session.execute(text("SELECT 1 / 0"))
    async with reads.use() as session:
        answer = await session.scalar(text("SELECT 41 + 1"))
    await reads.close(ended=True)
    # then
    assert answer == 42


async def test_a_read_after_the_operation_ended_returns_its_connection(app: Starlette) -> None:
    # given: the operation is over, a late sibling still reads
    reads = ReadSession(app.state.session_factory)
    await reads.close(ended=True)
    # when
    with counting_checkouts(app) as checkouts:
        async with reads.use() as session:
            await session.scalar(text("SELECT 1"))
    # then: nothing is left checked out
    assert checkouts.total == 1
    assert checkouts.held == 0
