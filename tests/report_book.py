"""A demo book for report tests: the balanced demo portfolio imported through the API, with
synthetic prices and a few weeks of nightly snapshots, as a fresh `sigmasight dev` has it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.auth.actor import Actor
from sigmasight.auth.models import Role
from sigmasight.db import create_session_factory, transaction
from sigmasight.graphql.ids import parse_id
from sigmasight.graphql.report_data import fetch_report_data
from sigmasight.marketdata import calendar
from sigmasight.marketdata import service as market_data
from sigmasight.marketdata.providers.synthetic import SyntheticProvider
from sigmasight.portfolios.positions import held_symbols
from sigmasight.reports.models import Report, ReportFormat, ReportKind
from sigmasight.risk import snapshots
from sigmasight.seed import DEMO_BOOKS, shift_book, weeks_since_seed
from sigmasight.settings import Settings
from tests.conftest import SignedIn
from tests.documents import ADD_PRO_FORMA_TRADES, CREATE_MODELING_SESSION
from tests.helpers import create_portfolio

BALANCED = next(book for book in DEMO_BOOKS if book.name == "demo_balanced")
SNAPSHOT_DAYS = 25
PRICE_DAYS = 90

IMPORT = """
mutation($input: ImportPositionsInput!) {
  importPositions(input: $input) { __typename ... on UserError { field code message } }
}
"""
SET_RISK_LIMITS = """
mutation($input: SetRiskLimitsInput!) {
  setRiskLimits(input: $input) { __typename ... on UserError { field code message } }
}
"""


async def import_demo_book(user: SignedIn) -> str:
    """The balanced demo book in a new portfolio of `user`; its global id."""
    portfolio_id = await create_portfolio(user, BALANCED.portfolio)
    text = shift_book(BALANCED.csv_path.read_text(), days=weeks_since_seed(clock.today()))
    variables = {"input": {"portfolioId": portfolio_id, "csv": text, "mode": "REPLACE"}}
    result = (await user.api.gql(IMPORT, variables))["importPositions"]
    assert result["__typename"] == "ImportPositionsSuccess", result
    return portfolio_id


async def give_market_history(app: Starlette, settings: Settings, portfolio_id: str) -> None:
    """Synthetic prices for the held symbols and factor ETFs, and the book's recent snapshots."""
    factory = create_session_factory(app.state.engine)
    end = calendar.last_completed_session(clock.now())
    async with transaction(factory) as session:
        symbols = [*await held_symbols(session), *market_data.FACTOR_ETF_SYMBOLS]
        await market_data.backfill(
            session,
            providers=[SyntheticProvider(seed=settings.synthetic_seed)],
            symbols=symbols,
            end=end,
            days=PRICE_DAYS,
            now=clock.now(),
        )
    async with transaction(factory) as session:
        outcome = await snapshots.write_days(
            session,
            app.state.redis,
            portfolio_ids=[uuid_of(portfolio_id, "Portfolio")],
            days=calendar.trading_days_back(end, SNAPSHOT_DAYS),
            settings=settings,
            risk=False,
            snapshots=True,
        )
    assert outcome.failed == {}


async def set_risk_limits(user: SignedIn, portfolio_id: str) -> None:
    """A gross limit and a net target range, as a risk committee would set them."""
    limits = {"grossLimitPercent": 150, "netTargetMinPercent": 40, "netTargetMaxPercent": 100}
    variables = {"input": {"portfolioId": portfolio_id, **limits}}
    result = (await user.api.gql(SET_RISK_LIMITS, variables))["setRiskLimits"]
    assert result["__typename"] == "SetRiskLimitsSuccess", result


async def hedge_session(user: SignedIn, portfolio_id: str) -> str:
    """A what-if session that adds to one holding and hedges with SPY; its global id."""
    created = await user.api.gql(
        CREATE_MODELING_SESSION, {"portfolioId": portfolio_id, "name": "Hedge"}
    )
    session_id = str(created["createModelingSession"]["session"]["id"])
    trades = [
        {"action": "BUY", "symbol": "JNJ", "quantity": 400},
        {"action": "SELL_SHORT", "symbol": "SPY", "quantity": 1500},
    ]
    added = await user.api.gql(
        ADD_PRO_FORMA_TRADES, {"input": {"sessionId": session_id, "trades": trades}}
    )
    assert added["addProFormaTrade"]["__typename"] == "AddProFormaTradeSuccess", added
    return session_id


def uuid_of(global_id: str, type_name: str) -> uuid.UUID:
    found = parse_id(global_id, type_name)
    assert found is not None
    return found


def report_row(
    kind: ReportKind,
    report_format: ReportFormat,
    *,
    owner: SignedIn,
    portfolio_id: str | None = None,
    session_id: str | None = None,
    period: str | None = None,
) -> Report:
    """A report row as `generateReport` stores it (not saved: the renderers only read it)."""
    return Report(
        id=uuid.uuid4(),
        owner_id=uuid_of(owner.user_id, "User"),
        kind=kind,
        format=report_format,
        portfolio_id=uuid_of(portfolio_id, "Portfolio") if portfolio_id else None,
        session_id=uuid_of(session_id, "ModelingSession") if session_id else None,
        period=period,
    )


async def report_data(
    app: Starlette, settings: Settings, owner: SignedIn, report: Report, now: datetime
) -> dict[str, Any]:
    """What the report job reads: `fetch_report_data` against the app's own schema."""
    return await fetch_report_data(
        schema=app.state.graphql.schema,
        settings=settings,
        session_factory=app.state.session_factory,
        redis=app.state.redis,
        actor=Actor(user_id=uuid_of(owner.user_id, "User"), role=Role.USER),
        now=now,
        report=report,
    )
