"""Books at past closes (`risk.daily.load_books_on`): the positions held that day, at that
day's marks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.graphql.ids import parse_id
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.risk.daily import load_books_on
from sigmasight.settings import Settings
from tests.book_factory import bar_row
from tests.conftest import SignedIn
from tests.helpers import add_position, create_portfolio


async def test_a_symbol_whose_last_close_is_weeks_old_is_still_marked_at_it(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given: AAPL held, its last stored close three weeks before the day asked for
    day = calendar.last_completed_session(clock.now())
    stale_day = calendar.latest_trading_day(day - timedelta(days=21))
    portfolio_id = parse_id(await create_portfolio(alice), "Portfolio")
    assert portfolio_id is not None
    await add_position(
        alice,
        str(portfolio_id),
        symbol="AAPL",
        quantity=10,
        entryPrice=100,
        entryDate=(stale_day - timedelta(days=7)).isoformat(),
    )
    async with app.state.session_factory() as session, session.begin():
        await session.execute(insert(DailyBar), [bar_row("AAPL", stale_day, 120.0)])

    # when
    async with app.state.session_factory() as session:
        books = await load_books_on(
            session, portfolio_ids=[portfolio_id], days=[day], settings=settings
        )

    # then: valued at the stale close, not left unpriced
    book = books[day][portfolio_id]
    (valuation,) = book.valuations.values()
    assert valuation.last_price == 120.0
    assert valuation.market_value == 1200.0
    assert book.prices["AAPL"].day == stale_day


async def test_a_position_entered_after_the_day_is_not_in_that_days_book(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given: one position entered five trading days ago
    day = calendar.last_completed_session(clock.now())
    before, entered = calendar.trading_days_back(day, 6)[:2]
    portfolio_id = parse_id(await create_portfolio(alice), "Portfolio")
    assert portfolio_id is not None
    await add_position(
        alice, str(portfolio_id), symbol="MSFT", entryPrice=300, entryDate=entered.isoformat()
    )

    # when
    async with app.state.session_factory() as session:
        books = await load_books_on(
            session, portfolio_ids=[portfolio_id], days=[before, entered], settings=settings
        )

    # then
    assert books[before][portfolio_id].positions == {}
    assert len(books[entered][portfolio_id].open_positions) == 1
