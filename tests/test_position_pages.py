"""Pages of many portfolios' positions read together are the pages each one gives alone."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import insert, select
from starlette.applications import Starlette

from sigmasight.auth.models import User
from sigmasight.errors import Invalid
from sigmasight.pagination import PageRequest
from sigmasight.portfolios import positions as position_service
from sigmasight.portfolios.models import Portfolio, Position, PositionType
from sigmasight.portfolios.positions import PositionFilter, PositionStatus
from tests.conftest import SignedIn
from tests.helpers import days_ago

# Three books: five positions (two of them on one symbol), two positions, none.
BOOKS = (["AAPL", "MSFT", "MSFT", "NVDA", "XOM"], ["TSLA", "AMZN"], [])


async def _books(app: Starlette, user: SignedIn) -> list[uuid.UUID]:
    async with app.state.engine.begin() as conn:
        owner = await conn.scalar(select(User.id).where(User.email == user.email))
        ids = []
        for n, symbols in enumerate(BOOKS):
            portfolio = await conn.scalar(
                insert(Portfolio).values(owner_id=owner, name=f"book {n}").returning(Portfolio.id)
            )
            ids.append(portfolio)
            for k, symbol in enumerate(symbols):
                await conn.execute(
                    insert(Position).values(
                        portfolio_id=portfolio,
                        symbol=symbol,
                        underlying=symbol,
                        position_type=PositionType.LONG,
                        quantity=10 + k,
                        multiplier=1,
                        entry_price=100,
                        entry_date=date.fromisoformat(days_ago(3 + k)),
                    )
                )
        return ids


async def test_batched_pages_match_single_pages_forwards_and_backwards(
    app: Starlette, alice: SignedIn
) -> None:
    # given
    portfolio_ids = await _books(app, alice)
    flt = PositionFilter(status=PositionStatus.ALL)
    async with app.state.session_factory() as session:
        whole = await position_service.list_for_portfolio(
            session, portfolio_id=portfolio_ids[0], flt=flt, page=PageRequest()
        )
        middle = whole.cursors[2]
        requests = [
            PageRequest(),
            PageRequest(first=0),
            PageRequest(first=2),
            PageRequest(first=2, after=middle),
            PageRequest(first=5, after=middle),
            PageRequest(last=2),
            PageRequest(last=2, before=middle),
            PageRequest(last=5, before=middle),
            PageRequest(after=whole.cursors[0], before=whole.cursors[4]),
        ]
        for request in requests:
            # when
            batched = await position_service.list_for_portfolios(
                session, portfolio_ids=portfolio_ids, flt=flt, page=request
            )
            # then
            for portfolio_id in portfolio_ids:
                alone = await position_service.list_for_portfolio(
                    session, portfolio_id=portfolio_id, flt=flt, page=request
                )
                assert [p.id for p in batched[portfolio_id].items] == [p.id for p in alone.items]
                assert batched[portfolio_id].cursors == alone.cursors
                assert batched[portfolio_id].has_next_page == alone.has_next_page, request
                assert batched[portfolio_id].has_previous_page == alone.has_previous_page
        counts = await position_service.count_for_portfolios(
            session, portfolio_ids=portfolio_ids, flt=flt
        )
    assert counts == dict(zip(portfolio_ids, (5, 2, 0), strict=True))
    assert [p.symbol for p in whole.items] == ["AAPL", "MSFT", "MSFT", "NVDA", "XOM"]


async def test_batched_pages_refuse_what_a_single_page_refuses(
    app: Starlette, alice: SignedIn
) -> None:
    # given
    portfolio_ids = await _books(app, alice)
    async with app.state.session_factory() as session:
        for request in (PageRequest(first=1, last=1), PageRequest(first=201)):
            # when / then
            with pytest.raises(Invalid):
                await position_service.list_for_portfolios(
                    session, portfolio_ids=portfolio_ids, flt=PositionFilter(), page=request
                )
