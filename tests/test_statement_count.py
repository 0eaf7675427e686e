"""Nested queries run a fixed number of SQL statements, whatever the size of the book."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert, select
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.auth.models import User
from sigmasight.graphql.ids import parse_id
from sigmasight.marketdata.models import DailyBar
from sigmasight.portfolios.models import Portfolio, Position, Tag, position_tags
from tests.conftest import SignedIn
from tests.helpers import counting_statements, create_portfolio, days_ago

NESTED = """query($id: ID!) { portfolio(id: $id) {
  positions(first: 200) { edges { node { symbol tags { name } } } } } }"""


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
    # then: portfolio, one page of positions, one batch of tags, and the book's valuation
    # (portfolio, positions, prices, securities, fetch statuses)
    assert small == large == 8


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
    # then: portfolio, a page of positions, the book's valuation (portfolio, positions, prices,
    # securities, fetch statuses)
    assert counts[0] == counts[1] == 7


PRICE_HISTORY = """query($id: ID!, $from: Date!) { portfolio(id: $id) {
  positions(first: 200) { edges { node { symbol priceHistory(from: $from) { date close } } } } } }"""


async def _store_bars(app: Starlette, portfolio_id: str, days: list[str]) -> None:
    pid = parse_id(portfolio_id, "Portfolio")
    async with app.state.engine.begin() as conn:
        symbols = (
            await conn.scalars(select(Position.symbol).where(Position.portfolio_id == pid))
        ).all()
        rows = [
            {
                "symbol": symbol,
                "day": date.fromisoformat(day),
                "open": 10,
                "high": 11,
                "low": 9,
                "close": 10 + n,
                "volume": 1000,
                "source": "file",
            }
            for symbol in symbols
            for n, day in enumerate(days)
        ]
        await conn.execute(insert(DailyBar), rows)


async def test_price_history_costs_the_same_statements_for_5_or_250_positions(
    app: Starlette, alice: SignedIn
) -> None:
    # given: three stored bars of every position's symbol, and one bar before the window
    days = [days_ago(12), days_ago(11), days_ago(10)]
    counts = []
    for name, size in (("small", 5), ("large", 250)):
        portfolio_id = await create_portfolio(alice, name)
        await _fill(app, alice, portfolio_id, size)
        await _store_bars(app, portfolio_id, [days_ago(40), *days])
        # when
        with counting_statements(app) as statements:
            data = await alice.api.gql(PRICE_HISTORY, {"id": portfolio_id, "from": days[0]})
        counts.append(len(statements))
        # then: every position gets its own symbol's bars in the window, oldest first
        edges = data["portfolio"]["positions"]["edges"]
        assert len(edges) == min(size, 200)
        for edge in edges:
            history = edge["node"]["priceHistory"]
            assert [(p["date"], p["close"]) for p in history] == [
                (days[0], 11.0),
                (days[1], 12.0),
                (days[2], 13.0),
            ]
    # then: portfolio, one page of positions, one query of bars for all their symbols, and the
    # book's valuation (portfolio, positions, prices, securities, fetch statuses)
    assert counts[0] == counts[1] == 8


DASHBOARD = """query { portfolios(first: 200) { edges { node {
  name
  positions(first: 50) { totalCount edges { node { symbol tags { name } } } }
  tags { name }
  positionGroups(by: STRATEGY) { label positions { symbol } } } } } }"""


async def _portfolios_with_covered_calls(app: Starlette, user: SignedIn, count: int) -> None:
    """`count` portfolios, each holding AAPL stock, a call written on it and a tagged stock."""
    expiry = clock.today() + timedelta(days=60)
    async with app.state.engine.begin() as conn:
        owner = await conn.scalar(select(User.id).where(User.email == user.email))
        tag = await conn.scalar(insert(Tag).values(owner_id=owner, name="core").returning(Tag.id))
        for n in range(count):
            portfolio = await conn.scalar(
                insert(Portfolio)
                .values(owner_id=owner, name=f"book {n:02d}")
                .returning(Portfolio.id)
            )
            common = {
                "portfolio_id": portfolio,
                "entry_date": date.fromisoformat(days_ago(3)),
                "option_type": None,
                "strike": None,
                "expiration": None,
            }
            rows = [
                {
                    **common,
                    "symbol": "AAPL",
                    "underlying": "AAPL",
                    "position_type": "LONG",
                    "quantity": 100,
                    "multiplier": 1,
                    "entry_price": 150,
                },
                {
                    **common,
                    "symbol": f"AAPL{expiry:%y%m%d}C00200000",
                    "underlying": "AAPL",
                    "position_type": "SC",
                    "quantity": -1,
                    "multiplier": 100,
                    "entry_price": 2,
                    "option_type": "CALL",
                    "strike": 200,
                    "expiration": expiry,
                },
                {
                    **common,
                    "symbol": "XOM",
                    "underlying": "XOM",
                    "position_type": "LONG",
                    "quantity": 10,
                    "multiplier": 1,
                    "entry_price": 100,
                },
            ]
            ids = (
                (await conn.execute(insert(Position).returning(Position.id), rows)).scalars().all()
            )
            await conn.execute(insert(position_tags), [{"position_id": ids[2], "tag_id": tag}])


async def test_dashboard_costs_the_same_statements_for_2_or_30_portfolios(
    app: Starlette, alice: SignedIn, bob: SignedIn
) -> None:
    # given
    await _portfolios_with_covered_calls(app, alice, 2)
    await _portfolios_with_covered_calls(app, bob, 30)
    counts = []
    for user, size in ((alice, 2), (bob, 30)):
        # when
        with counting_statements(app) as statements:
            data = await user.api.gql(DASHBOARD)
        counts.append(len(statements))
        # then: every portfolio gets its own positions, tags and groups
        nodes = [e["node"] for e in data["portfolios"]["edges"]]
        assert len(nodes) == size
        for node in nodes:
            positions = node["positions"]
            assert positions["totalCount"] == 3
            assert [e["node"]["symbol"] for e in positions["edges"]][0::2] == ["AAPL", "XOM"]
            assert [e["node"]["tags"] for e in positions["edges"]][2] == [{"name": "core"}]
            assert node["tags"] == [{"name": "core"}]
            assert [(g["label"], len(g["positions"])) for g in node["positionGroups"]] == [
                ("AAPL covered call", 2),
                ("Not in a strategy", 1),
            ]
    # then: whatever the number of portfolios,
    #   1 the page of portfolios
    #   2 one page of positions for all of them (row_number() over each portfolio)
    #   3 their totalCounts (one GROUP BY portfolio)
    #   4 the tags of all those positions
    #   5 the tags of all the portfolios
    #   6-11 every book's valuation (portfolios, positions, prices, securities, fetch statuses,
    #        and the option underlyings' recent closes), which positionGroups groups
    #   (the groups' tags come in the batch of position tags above)
    assert counts[0] == counts[1] == 11
