"""The nightly jobs and the history backfill, as fanned-out runs (see `runs`)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight import clock
from sigmasight.batch.runs import ChunkResult, JobKind, Resources
from sigmasight.batch.schedule import NightlyJob
from sigmasight.marketdata import calendar, prices
from sigmasight.marketdata import service as market_data
from sigmasight.portfolios.models import Portfolio
from sigmasight.portfolios.positions import held_symbols
from sigmasight.risk import snapshots as daily_rows

BACKFILL_HISTORY = "backfill_history"
HISTORY_DAYS = 90  # trading days a new portfolio's history reaches back
Params = dict[str, Any]


async def _symbols(session: AsyncSession, params: Params) -> list[str]:
    return sorted(set(await held_symbols(session)) | set(market_data.FACTOR_ETF_SYMBOLS))


async def _portfolios(session: AsyncSession, params: Params) -> list[str]:
    if params.get("portfolioIds"):
        return sorted(params["portfolioIds"])
    return [str(pid) for pid in await session.scalars(select(Portfolio.id).order_by(Portfolio.id))]


async def _update_market_data(
    resources: Resources, session: AsyncSession, items: list[str], as_of: date, params: Params
) -> ChunkResult:
    report = await market_data.backfill(
        session,
        providers=resources.providers,
        symbols=items,
        end=as_of,
        days=resources.settings.backfill_days,
        now=clock.now(),
    )
    result = ChunkResult(done=len(items) - len(report.failed), failed=dict(report.failed))
    result.after_commit.append(lambda: prices.forget_latest_prices(resources.redis, items))
    return result


async def _write_days(
    resources: Resources,
    session: AsyncSession,
    items: list[str],
    days: list[date],
    *,
    risk: bool,
    snapshots: bool,
) -> ChunkResult:
    outcome = await daily_rows.write_days(
        session,
        resources.redis,
        portfolio_ids=[uuid.UUID(i) for i in items],
        days=days,
        settings=resources.settings,
        risk=risk,
        snapshots=snapshots,
    )
    return ChunkResult(
        done=len(outcome.done), failed={str(k): v for k, v in outcome.failed.items()}
    )


async def _calculate_risk(
    resources: Resources, session: AsyncSession, items: list[str], as_of: date, params: Params
) -> ChunkResult:
    return await _write_days(resources, session, items, [as_of], risk=True, snapshots=False)


async def _create_snapshots(
    resources: Resources, session: AsyncSession, items: list[str], as_of: date, params: Params
) -> ChunkResult:
    result = await _write_days(resources, session, items, [as_of], risk=False, snapshots=True)
    portfolio_ids = [uuid.UUID(i) for i in items]
    await daily_rows.purge_old(session, portfolio_ids=portfolio_ids, as_of=as_of)
    return result


async def _backfill_history(
    resources: Resources, session: AsyncSession, items: list[str], as_of: date, params: Params
) -> ChunkResult:
    days = calendar.trading_days_back(as_of, int(params.get("days", HISTORY_DAYS)))
    return await _write_days(resources, session, items, days, risk=True, snapshots=True)


KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind(NightlyJob.UPDATE_MARKET_DATA, _symbols, _update_market_data, 50, "symbols"),
        JobKind(
            NightlyJob.CALCULATE_ALL_RISK_METRICS, _portfolios, _calculate_risk, 50, "portfolios"
        ),
        JobKind(
            NightlyJob.CREATE_PORTFOLIO_SNAPSHOTS, _portfolios, _create_snapshots, 50, "portfolios"
        ),
        JobKind(BACKFILL_HISTORY, _portfolios, _backfill_history, 10, "portfolios"),
    )
}
