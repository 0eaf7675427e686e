"""The dashboard with its risk panel costs the same SQL statements for 10 or 300 positions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as upsert
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.graphql.ids import parse_id
from sigmasight.marketdata.models import DailyBar
from sigmasight.portfolios.models import Position
from tests.book_factory import book_rows
from tests.conftest import SignedIn
from tests.documents import DASHBOARD_WITH_RISK
from tests.helpers import counting_statements, create_portfolio


async def _dashboard_statements(app: Starlette, user: SignedIn, name: str, size: int) -> int:
    portfolio_id = await create_portfolio(user, name)
    pid = parse_id(portfolio_id, "Portfolio")
    assert pid is not None
    positions, bars = book_rows(
        pid, size, underlyings=10, last_day=clock.today() - timedelta(days=1)
    )
    async with app.state.engine.begin() as conn:
        # Both books share underlyings, so the second finds their bars stored.
        await conn.execute(upsert(DailyBar).on_conflict_do_nothing(), bars)
        await conn.execute(insert(Position), positions)
    await app.state.redis.flushdb()  # both books start cold: no cached prices or returns
    with counting_statements(app) as statements:
        data = await user.api.gql(DASHBOARD_WITH_RISK, {"id": portfolio_id})
    portfolio = data["portfolio"]
    assert portfolio["positions"]["totalCount"] == size
    assert all(e["node"]["greeks"] is not None for e in portfolio["positions"]["edges"])
    assert portfolio["analyticsFlags"] == []
    assert portfolio["historical"]["var99"] is not None
    return len(statements)


async def test_dashboard_and_risk_panel_cost_the_same_statements_for_10_or_300_positions(
    app: Starlette, alice: SignedIn
) -> None:
    # when
    small = await _dashboard_statements(app, alice, "small", 10)
    large = await _dashboard_statements(app, alice, "large", 300)
    # then
    # then: the portfolio; its book (portfolio, positions, prices, securities, fetch statuses,
    # the underlyings' recent closes), which the groups and sectors also read; a page of
    # positions and its count; the positions' tags (one batch for the page and the groups); the
    # return history of the underlyings and factor ETFs behind the risk panel
    assert small == large == 11
