"""History and performance, read from the stored daily snapshots (never recomputed here)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.analytics.performance import (
    Extreme,
    Period,
    attribute,
    best_and_worst,
    linked_return,
    period_start,
)
from sigmasight.errors import Invalid
from sigmasight.portfolios.models import Position, Tag, position_tags
from sigmasight.risk.models import PortfolioSnapshot, PositionSnapshot

MAX_SNAPSHOT_ROWS = 366
UNTAGGED = "Untagged"


async def snapshots_between(
    session: AsyncSession, *, portfolio_ids: Sequence[uuid.UUID], start: date, end: date
) -> dict[uuid.UUID, list[PortfolioSnapshot]]:
    """Each portfolio's snapshots in [start, end], oldest first; at most 366 per portfolio."""
    rows = await session.scalars(
        select(PortfolioSnapshot)
        .where(
            PortfolioSnapshot.portfolio_id.in_(portfolio_ids),
            PortfolioSnapshot.day >= start,
            PortfolioSnapshot.day <= end,
        )
        .order_by(PortfolioSnapshot.portfolio_id, PortfolioSnapshot.day)
    )
    found: dict[uuid.UUID, list[PortfolioSnapshot]] = {pid: [] for pid in portfolio_ids}
    for row in rows:
        found[row.portfolio_id].append(row)
    for snapshots in found.values():
        if len(snapshots) > MAX_SNAPSHOT_ROWS:
            raise Invalid(
                f"{len(snapshots)} daily snapshots fall in that range; ask for at most "
                f"{MAX_SNAPSHOT_ROWS} (about 17 months of trading days).",
                field="from",
                code="RANGE_TOO_LONG",
            )
    return found


async def latest_snapshot_day(
    session: AsyncSession, *, portfolio_id: uuid.UUID, on_or_before: date
) -> date | None:
    """The last day the portfolio has a snapshot for."""
    return await session.scalar(
        select(func.max(PortfolioSnapshot.day)).where(
            PortfolioSnapshot.portfolio_id == portfolio_id, PortfolioSnapshot.day <= on_or_before
        )
    )


@dataclass(frozen=True, slots=True)
class Contribution:
    key: str  # a position id, a tag name or a position type
    label: str
    pnl: float  # dollars


@dataclass(frozen=True, slots=True)
class Performance:
    start: date
    end: date
    days: int  # trading days with a snapshot
    pnl: float  # dollars, the sum of daily P&L
    time_weighted_return: float | None  # fraction; None when a day's return is unknown
    net_flow: float  # dollars put into positions over the period
    best: Extreme | None
    worst: Extreme | None
    by_position: list[Contribution]
    by_tag: list[Contribution]
    by_type: list[Contribution]
    complete: bool  # every day's P&L and return known, every position priced


def resolve_period(
    period: Period, *, latest: date | None, start: date | None, end: date | None
) -> tuple[date, date] | None:
    """The [start, end] of a period: CUSTOM takes the dates given; the others end on the latest
    snapshot. None when there is nothing to measure."""
    if period is Period.CUSTOM:
        if start is None or end is None:
            raise Invalid("A CUSTOM period needs `from` and `to`.", field="from", code="REQUIRED")
        if start > end:
            raise Invalid("`from` is after `to`.", field="from", code="INVALID_RANGE")
        return start, end
    if latest is None:
        return None
    return period_start(period, latest), latest


async def performance(
    session: AsyncSession, *, portfolio_id: uuid.UUID, start: date, end: date
) -> Performance:
    """P&L, time-weighted return, best and worst day and attribution over [start, end]."""
    snapshots = (
        await snapshots_between(session, portfolio_ids=[portfolio_id], start=start, end=end)
    )[portfolio_id]
    days = [s.day for s in snapshots]
    pnl = np.array([s.daily_pnl if s.daily_pnl is not None else np.nan for s in snapshots])
    returns = np.array(
        [s.daily_return if s.daily_return is not None else np.nan for s in snapshots]
    )
    twr = linked_return(returns) if snapshots else 0.0
    extremes = best_and_worst(days, np.nan_to_num(pnl), returns)
    positions = await _position_pnl(session, portfolio_id, start, end)
    tags = await _tags_of(session, [p.id for p, _ in positions])
    by_tag: list[tuple[str, float]] = []
    for position, amount in positions:
        names = tags.get(position.id) or [UNTAGGED]
        # A position with several tags splits its P&L evenly, so the tags add up to the total.
        by_tag += [(name, amount / len(names)) for name in names]
    return Performance(
        start=start,
        end=end,
        days=len(snapshots),
        pnl=float(np.nansum(pnl)),
        time_weighted_return=twr if np.isfinite(twr) else None,
        net_flow=float(sum(s.net_flow for s in snapshots)),
        best=extremes[0] if extremes else None,
        worst=extremes[1] if extremes else None,
        by_position=[
            Contribution(str(p.id), p.symbol, amount)
            for p, amount in sorted(positions, key=lambda item: -abs(item[1]))
        ],
        by_tag=[Contribution(k, k, v) for k, v in attribute(by_tag).items()],  # type: ignore[arg-type]
        by_type=[
            Contribution(k, k, v)  # type: ignore[arg-type]
            for k, v in attribute((p.position_type.value, a) for p, a in positions).items()
        ],
        complete=bool(snapshots) and all(s.complete for s in snapshots) and np.isfinite(twr),
    )


async def _position_pnl(
    session: AsyncSession, portfolio_id: uuid.UUID, start: date, end: date
) -> list[tuple[Position, float]]:
    rows = await session.execute(
        select(Position, func.sum(PositionSnapshot.daily_pnl))
        .join(PositionSnapshot, PositionSnapshot.position_id == Position.id)
        .where(
            PositionSnapshot.portfolio_id == portfolio_id,
            PositionSnapshot.day >= start,
            PositionSnapshot.day <= end,
        )
        .group_by(Position.id)
    )
    return [(position, float(total or 0.0)) for position, total in rows]


async def _tags_of(
    session: AsyncSession, position_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    if not position_ids:
        return {}
    rows = await session.execute(
        select(position_tags.c.position_id, Tag.name)
        .join(Tag, Tag.id == position_tags.c.tag_id)
        .where(position_tags.c.position_id.in_(position_ids))
        .order_by(Tag.name)
    )
    found: dict[uuid.UUID, list[str]] = {}
    for position_id, name in rows:
        found.setdefault(position_id, []).append(name)
    return found
