"""Daily snapshots and risk: computed per portfolio and trading day, stored, replaced on rerun.

A day's P&L is the change in since-inception P&L from the previous trading day's close, position
by position, so it counts price moves of positions held both days, the first day of a position
added (from its entry price) and the last day of one closed (to its exit price); the positions'
daily P&L always sums to the portfolio's. Returns are time-weighted: a day's return is its P&L over
the previous close's total value plus the day's net flow (cost of positions added less proceeds
of positions closed, counted at the start of the day). Cash is the portfolio's cash balance.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date, timedelta
from typing import Any, cast

from redis.asyncio import Redis
from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.analytics.scenarios import FACTOR_ETFS
from sigmasight.marketdata import calendar
from sigmasight.risk.book_risk import BookRisk, RiskView, VarMethod
from sigmasight.risk.daily import load_books_on
from sigmasight.risk.history import LOOKBACK_DAYS, load_returns
from sigmasight.risk.models import PortfolioRiskSnapshot, PortfolioSnapshot, PositionSnapshot
from sigmasight.risk.service import Book
from sigmasight.risk.valuation import Greeks, PositionValuation, finite_or_none
from sigmasight.settings import Settings

logger = logging.getLogger(__name__)
RISK_WINDOW = 90  # trading days behind the stored risk metrics
RETENTION = timedelta(days=365)
GREEK_FIELDS = [f.name for f in fields(Greeks)]


@dataclass
class Outcome:
    """Which portfolios were written, and why the others failed."""

    done: list[uuid.UUID] = field(default_factory=list)
    failed: dict[uuid.UUID, str] = field(default_factory=dict)


def _pnl_to_date(valuation: PositionValuation) -> float | None:
    return valuation.unrealized_pnl if valuation.is_open else valuation.realized_pnl


def position_rows(book: Book, previous: Book) -> list[dict[str, Any]]:
    """A row per position held at the day's close or closed since the previous close."""
    day = book.market.today
    rows = []
    for position in book.positions.values():
        valuation = book.valuations[position.id]
        before = previous.valuations.get(position.id)
        if not valuation.is_open and before is not None and not before.is_open:
            # Closed before the previous close: nothing happened to it today. (One entered and
            # closed since the previous close has its whole round trip today.)
            continue
        pnl = _pnl_to_date(valuation)
        pnl_before = 0.0 if before is None else _pnl_to_date(before)
        greeks = valuation.greeks
        option = valuation.option
        rows.append(
            {
                "portfolio_id": position.portfolio_id,
                "position_id": position.id,
                "day": day,
                "price": valuation.last_price
                if valuation.is_open
                else float(position.exit_price or 0),
                "market_value": valuation.market_value,
                "daily_pnl": None if pnl is None or pnl_before is None else pnl - pnl_before,
                "notional_exposure": valuation.notional_exposure,
                "delta_adjusted_exposure": valuation.delta_adjusted_exposure,
                "implied_volatility": option.implied_volatility if option else None,
                **(asdict(greeks) if greeks else dict.fromkeys(GREEK_FIELDS)),
            }
        )
    return rows


def net_flow(book: Book, previous: Book) -> float:
    """Dollars put into positions since the previous close: cost of positions added, less the
    proceeds of positions closed (a short's sale brings money in, its cover takes it out)."""
    flow = 0.0
    for position in book.positions.values():
        shares = float(position.quantity) * position.multiplier
        before = previous.valuations.get(position.id)
        if before is None:
            flow += shares * float(position.entry_price)
        if not book.valuations[position.id].is_open and (before is None or before.is_open):
            flow -= shares * float(position.exit_price or 0)
    return flow


def snapshot_row(
    book: Book, previous: Book, positions: Sequence[dict[str, Any]], risk: dict[str, Any] | None
) -> dict[str, Any]:
    """The portfolio's row for the day, from its position rows and the day's risk metrics."""
    totals = book.book_totals
    pnls = [r["daily_pnl"] for r in positions]
    daily_pnl = float(sum(p for p in pnls if p is not None))
    flow = net_flow(book, previous)
    base = previous.equity + flow
    notional, delta = totals.notional, totals.delta_adjusted
    return {
        "portfolio_id": book.portfolio.id,
        "day": book.market.today,
        "cash": book.cash,
        "market_value": totals.market_value,
        "total_value": book.equity,
        "net_flow": flow,
        "daily_pnl": daily_pnl,
        "daily_return": daily_pnl / base if base > 0 else None,
        "cumulative_pnl": book.total_pnl,
        "long_exposure": notional.long,
        "short_exposure": notional.short,
        "gross_exposure": notional.gross,
        "net_exposure": notional.net,
        "delta_long_exposure": delta.long,
        "delta_short_exposure": delta.short,
        "delta_gross_exposure": delta.gross,
        "delta_net_exposure": delta.net,
        "beta": risk["beta"] if risk else None,
        "var95": risk["var95"] if risk else None,
        "position_count": totals.position_count,
        "complete": totals.complete and None not in pnls,
        **asdict(totals.greeks),
    }


def risk_row(risk: BookRisk) -> dict[str, Any]:
    """The day's risk metrics (1-day VaR, both methods) and factor exposures."""
    kwargs = {"window": RISK_WINDOW, "view": RiskView.PORTFOLIO, "horizon_days": 1}
    historical = risk.risk_metrics(method=VarMethod.HISTORICAL, **kwargs)  # type: ignore[arg-type]
    parametric = risk.risk_metrics(method=VarMethod.PARAMETRIC, **kwargs)  # type: ignore[arg-type]
    stats = historical.stats
    return {
        "portfolio_id": risk.book.portfolio.id,
        "day": risk.book.market.today,
        "window": RISK_WINDOW,
        "observations": historical.observations,
        "annualized_volatility": finite_or_none(stats.annualized_volatility) if stats else None,
        "beta": finite_or_none(stats.beta) if stats else None,
        "sharpe_ratio": finite_or_none(stats.sharpe_ratio) if stats else None,
        "sortino_ratio": finite_or_none(stats.sortino_ratio) if stats else None,
        "max_drawdown": finite_or_none(stats.max_drawdown) if stats else None,
        "var_method": VarMethod.HISTORICAL.value,
        "var95": historical.var95.var if historical.var95 else None,
        "var99": historical.var99.var if historical.var99 else None,
        "cvar95": historical.var95.cvar if historical.var95 else None,
        "cvar99": historical.var99.cvar if historical.var99 else None,
        "parametric_var95": parametric.var95.var if parametric.var95 else None,
        "parametric_var99": parametric.var99.var if parametric.var99 else None,
        "average_correlation": historical.average_correlation,
        "factor_exposures": [
            {
                "factor": f.name,
                "etf": f.etf,
                "beta": f.beta,
                "dollarExposure": f.dollar_exposure,
                "rSquared": f.r_squared,
                "observations": f.observations,
                "quality": f.quality.value,
            }
            for f in risk.factor_exposures()
        ],
    }


async def write_days(
    session: AsyncSession,
    redis: Redis,
    *,
    portfolio_ids: Sequence[uuid.UUID],
    days: Sequence[date],
    settings: Settings,
    risk: bool,
    snapshots: bool,
) -> Outcome:
    """Compute and store, for each portfolio and trading day, its risk metrics and factor
    exposures (`risk`) and/or its snapshot with its positions' rows (`snapshots`), replacing
    what those days had.

    A portfolio's snapshot and position rows are written together from one valuation, so the
    positions' daily P&L always adds up to the portfolio's. A portfolio whose computation
    fails is reported in the outcome, with nothing of it written, and the others go on.
    """
    days = sorted(set(days))
    outcome = Outcome()
    if not days or not portfolio_ids:
        return outcome
    previous_day = calendar.previous_trading_day(days[0])
    # A day's P&L needs the previous close's book too.
    valued = [previous_day, *days] if snapshots else days
    books = await load_books_on(
        session, portfolio_ids=portfolio_ids, days=valued, settings=settings
    )
    history = None
    if risk:
        symbols = set(FACTOR_ETFS) | {
            p.underlying
            for on_day in books.values()
            for b in on_day.values()
            for p in b.positions.values()
        }
        history = await load_returns(
            session, redis, symbols=sorted(symbols), end=days[-1], days=LOOKBACK_DAYS + len(days)
        )
    stored_risk = {} if risk else await _stored_risk(session, portfolio_ids, days)
    position_out: list[dict[str, Any]] = []
    risk_out: list[dict[str, Any]] = []
    snapshot_out: list[dict[str, Any]] = []
    previous_of = dict(zip(days, [previous_day, *days[:-1]], strict=True))
    for pid in portfolio_ids:
        try:
            rows, risks, snaps = [], [], []
            for day in days:
                book = books[day][pid]
                day_risk = stored_risk.get((pid, day))
                if history is not None:
                    day_risk = risk_row(
                        BookRisk(book, history.until(day), risk_free_rate=settings.risk_free_rate)
                    )
                    risks.append(day_risk)
                if snapshots:
                    previous = books[previous_of[day]][pid]
                    day_positions = position_rows(book, previous)
                    rows += day_positions
                    snaps.append(snapshot_row(book, previous, day_positions, day_risk))
        except Exception as error:  # one book's bad data must not stop the rest
            logger.exception("daily rows of portfolio %s failed", pid)
            outcome.failed[pid] = f"{type(error).__name__}: {error}"
            continue
        position_out += rows
        risk_out += risks
        snapshot_out += snaps
        outcome.done.append(pid)
    if outcome.done and risk:
        await _replace(session, PortfolioRiskSnapshot, outcome.done, days, risk_out)
    if outcome.done and snapshots:
        await _replace(session, PositionSnapshot, outcome.done, days, position_out)
        await _replace(session, PortfolioSnapshot, outcome.done, days, snapshot_out)
    return outcome


async def _stored_risk(
    session: AsyncSession, portfolio_ids: Sequence[uuid.UUID], days: Sequence[date]
) -> dict[tuple[uuid.UUID, date], dict[str, Any]]:
    rows = await session.execute(
        select(
            PortfolioRiskSnapshot.portfolio_id,
            PortfolioRiskSnapshot.day,
            PortfolioRiskSnapshot.beta,
            PortfolioRiskSnapshot.var95,
        ).where(
            PortfolioRiskSnapshot.portfolio_id.in_(portfolio_ids),
            PortfolioRiskSnapshot.day.in_(days),
        )
    )
    return {(pid, day): {"beta": beta, "var95": var95} for pid, day, beta, var95 in rows}


async def _replace(
    session: AsyncSession,
    model: type[PositionSnapshot] | type[PortfolioRiskSnapshot] | type[PortfolioSnapshot],
    portfolio_ids: Sequence[uuid.UUID],
    days: Sequence[date],
    rows: Sequence[dict[str, Any]],
) -> None:
    """Replace these portfolios' rows of these days; a concurrent writer of the same rows (a
    rerun overlapping an older run) updates them instead of failing on the unique key."""
    await session.execute(
        delete(model).where(model.portfolio_id.in_(portfolio_ids), model.day.in_(days))
    )
    if not rows:
        return
    keys = ["portfolio_id", "day"] + (["position_id"] if model is PositionSnapshot else [])
    stmt = insert(cast(Table, model.__table__))  # Core: no ORM bookkeeping for many rows
    columns = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={c: stmt.excluded[c] for c in columns}
    )
    for start in range(0, len(rows), 1000):
        await session.execute(stmt, list(rows[start : start + 1000]))


async def purge_old(
    session: AsyncSession, *, portfolio_ids: Sequence[uuid.UUID], as_of: date
) -> None:
    """Drop these portfolios' daily rows older than the 365-day retention."""
    cutoff = as_of - RETENTION
    for model in (PositionSnapshot, PortfolioRiskSnapshot, PortfolioSnapshot):
        await session.execute(
            delete(model).where(model.portfolio_id.in_(portfolio_ids), model.day < cutoff)
        )
