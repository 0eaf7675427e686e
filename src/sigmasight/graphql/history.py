"""A portfolio's past: daily snapshots, exposure and Greeks history, period performance.

Everything here is read from the snapshots the nightly batch and the history backfill store.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

import strawberry

from sigmasight.analytics.performance import Extreme, Period
from sigmasight.graphql.context import Context
from sigmasight.graphql.ids import to_global_id
from sigmasight.graphql.money import money_field
from sigmasight.graphql.risk import GreeksType
from sigmasight.risk import performance as performance_service
from sigmasight.risk.models import PortfolioSnapshot
from sigmasight.risk.valuation import Greeks

PeriodEnum = strawberry.enum(
    Period,
    name="PerformancePeriod",
    description="DAY: the last snapshot day. WEEK: 7 calendar days ending on it. MONTH and "
    "ONE_YEAR: one month or year back from it. QTD and YTD: since the quarter or year began. "
    "CUSTOM: `from` to `to`.",
)

DEFAULT_SPAN = timedelta(days=365)

FromArgument = Annotated[
    date | None,
    strawberry.argument(name="from", description="First day (default: a year before `to`)."),
]
ToArgument = Annotated[
    date | None, strawberry.argument(name="to", description="Last day (default: today).")
]


def greeks_of(row: PortfolioSnapshot) -> GreeksType | None:
    values = [
        row.delta,
        row.gamma,
        row.theta,
        row.vega,
        row.rho,
        row.dollar_delta,
        row.dollar_gamma,
    ]
    if any(v is None for v in values):
        return None
    return GreeksType.of(Greeks(*(float(v) for v in values)))  # type: ignore[arg-type]


@strawberry.type(description="Long, short, gross and net dollars of exposure at a close.")
class ExposureAmounts:
    long: float = money_field(description="Dollars, >= 0.")
    short: float = money_field(description="Dollars, <= 0.")
    gross: float = money_field(description="Dollars: long - short.")
    net: float = money_field(description="Dollars: long + short.")


@strawberry.type(
    name="PortfolioSnapshot",
    description="A portfolio at one trading day's close, as stored by the nightly batch (or the "
    "history backfill). Cash is the portfolio's cash balance; values use that day's closes.",
)
class PortfolioSnapshotType:
    day: date = strawberry.field(name="date", description="The trading day (New York).")
    total_value: float = money_field(
        description="Dollars: cash + market value of the positions held at the close."
    )
    cash: float = money_field(description="Dollars of cash.")
    market_value: float = money_field(description="Dollars: sum of position market values.")
    daily_pnl: float | None = money_field(
        description="Dollars since the previous trading day's close: price moves of positions "
        "held both days, from entry for positions added, to exit for positions closed."
    )
    daily_return: float | None = strawberry.field(
        description="Fraction (0.01 = 1%), time-weighted: dailyPnl / (previous close's "
        "totalValue + netFlow). Null when that base is not positive."
    )
    drawdown: float | None = strawberry.field(
        description="Fraction (-0.05 = 5% below): how far the daily returns of the range asked "
        "for, compounded from the close before its first day (so a loss on that day counts), "
        "stand below their running peak that day; 0 at a new peak; null when the day's return "
        "is unknown."
    )
    net_flow: float = money_field(
        description="Dollars put into positions that day: cost of positions added less "
        "proceeds of positions closed (counted at the start of the day)."
    )
    cumulative_pnl: float = money_field(
        description="Dollars: P&L since inception of every position entered by that day "
        "(unrealised for those held, realised for those closed)."
    )
    gross_exposure: float = money_field(description="Notional gross exposure, dollars.")
    net_exposure: float = money_field(description="Notional net exposure, dollars.")
    notional: ExposureAmounts = strawberry.field(description="Notional exposure, dollars.")
    delta_adjusted: ExposureAmounts = strawberry.field(
        description="Delta-adjusted exposure (delta x underlying price), dollars."
    )
    greeks: GreeksType | None = strawberry.field(
        description="Summed position Greeks at the close; null if some were unknown."
    )
    beta: float | None = strawberry.field(
        description="Beta to SPY of the day's holdings over 90 trading days (from that day's "
        "risk metrics); null when not computed."
    )
    var95: float | None = money_field(
        description="1-day 95% historical VaR in dollars (a loss, positive) from that day's "
        "risk metrics; null when not computed."
    )
    position_count: int = strawberry.field(description="Open positions at the close.")
    complete: bool = strawberry.field(
        description="False when a position lacked a price that day, so sums leave it out."
    )

    @classmethod
    def of(cls, row: PortfolioSnapshot, drawdown: float | None = None) -> PortfolioSnapshotType:
        return cls(
            day=row.day,
            total_value=row.total_value,
            cash=row.cash,
            market_value=row.market_value,
            daily_pnl=row.daily_pnl,
            daily_return=row.daily_return,
            drawdown=drawdown,
            net_flow=row.net_flow,
            cumulative_pnl=row.cumulative_pnl,
            gross_exposure=row.gross_exposure,
            net_exposure=row.net_exposure,
            notional=ExposureAmounts(
                long=row.long_exposure,
                short=row.short_exposure,
                gross=row.gross_exposure,
                net=row.net_exposure,
            ),
            delta_adjusted=ExposureAmounts(
                long=row.delta_long_exposure,
                short=row.delta_short_exposure,
                gross=row.delta_gross_exposure,
                net=row.delta_net_exposure,
            ),
            greeks=greeks_of(row),
            beta=row.beta,
            var95=row.var95,
            position_count=row.position_count,
            complete=row.complete,
        )


@strawberry.type(description="Exposure at one close, both bases.")
class ExposurePoint:
    day: date = strawberry.field(name="date", description="The trading day.")
    notional: ExposureAmounts = strawberry.field(description="Notional, dollars.")
    delta_adjusted: ExposureAmounts = strawberry.field(description="Delta-adjusted, dollars.")


@strawberry.type(description="Summed Greeks at one close.")
class GreeksPoint:
    day: date = strawberry.field(name="date", description="The trading day.")
    greeks: GreeksType | None = strawberry.field(description="Null if some were unknown.")


@strawberry.type(description="A day singled out in a period.")
class PerformanceDay:
    day: date = strawberry.field(name="date", description="The trading day.")
    pnl: float = money_field(description="Dollars.")
    daily_return: float | None = strawberry.field(description="Fraction, time-weighted.")


@strawberry.type(description="P&L of one slice of the book over the period.")
class Attribution:
    key: str = strawberry.field(
        description="The position's global id, the tag name or the position type."
    )
    label: str = strawberry.field(description="Symbol, tag name or position type.")
    pnl: float = money_field(
        description="Dollars; the slices of one kind sum to `pnl` (before rounding)."
    )


@strawberry.type(
    description="Performance over a period, from stored snapshots. Return is time-weighted: "
    "daily returns (dailyPnl / (previous totalValue + the day's net flow)) compounded, so "
    "adding or closing positions (cash flows) does not count as performance."
)
class Performance:
    period: PeriodEnum = strawberry.field(description="The period asked for.")  # type: ignore[valid-type]
    start: date = strawberry.field(name="from", description="First day of the period.")
    end: date = strawberry.field(name="to", description="Last day of the period.")
    days: int = strawberry.field(description="Trading days with a snapshot in the period.")
    pnl: float = money_field(description="Dollars: the sum of daily P&L.")
    time_weighted_return: float | None = strawberry.field(
        name="return",
        description="Fraction: prod(1 + dailyReturn) - 1; null if a day's return is unknown.",
    )
    return_method: str = strawberry.field(description="How the return is computed, in words.")
    net_flow: float = money_field(
        description="Dollars put into positions over the period (adds less closes)."
    )
    best_day: PerformanceDay | None = strawberry.field(description="Day of the largest P&L.")
    worst_day: PerformanceDay | None = strawberry.field(description="Day of the smallest P&L.")
    by_position: list[Attribution] = strawberry.field(
        description="P&L per position, largest first; sums to `pnl`."
    )
    by_tag: list[Attribution] = strawberry.field(
        description="P&L per tag; a position with several tags splits its P&L evenly among "
        "them, untagged ones count as `Untagged`; sums to `pnl`."
    )
    by_type: list[Attribution] = strawberry.field(
        description="P&L per position type (LONG, SHORT, LC, LP, SC, SP); sums to `pnl`."
    )
    complete: bool = strawberry.field(
        description="False when a day's P&L or return, or a position's price, was unknown."
    )


RETURN_METHOD = (
    "time-weighted: daily returns compounded; a day's return is its P&L over the previous "
    "close's total value plus the day's net flow (cost of positions added less proceeds of "
    "positions closed, at the start of the day)"
)


def window(ctx: Context, start: date | None, end: date | None) -> tuple[date, date]:
    """The [from, to] asked for, defaulting to the year up to today."""
    end = end or ctx.today
    return start or end - DEFAULT_SPAN, end


async def snapshots(
    ctx: Context, portfolio_id: uuid.UUID, start: date | None, end: date | None
) -> list[PortfolioSnapshot]:
    first, last = window(ctx, start, end)
    return await ctx.loaders.snapshots_by_portfolio_window.load((portfolio_id, first, last))


async def portfolio_performance(
    ctx: Context, portfolio_id: uuid.UUID, period: Period, start: date | None, end: date | None
) -> Performance | None:
    async with ctx.session() as session:
        latest = await performance_service.latest_snapshot_day(
            session, portfolio_id=portfolio_id, on_or_before=ctx.today
        )
        span = performance_service.resolve_period(period, latest=latest, start=start, end=end)
        if span is None:
            return None
        result = await performance_service.performance(
            session, portfolio_id=portfolio_id, start=span[0], end=span[1]
        )

    def best_or_worst(extreme: Extreme | None) -> PerformanceDay | None:
        if extreme is None:
            return None
        ret = extreme.daily_return
        return PerformanceDay(
            day=extreme.day, pnl=extreme.pnl, daily_return=ret if ret == ret else None
        )

    def slices(items: list[performance_service.Contribution]) -> list[Attribution]:
        return [Attribution(key=c.key, label=c.label, pnl=c.pnl) for c in items]

    return Performance(
        period=period,
        start=result.start,
        end=result.end,
        days=result.days,
        pnl=result.pnl,
        time_weighted_return=result.time_weighted_return,
        return_method=RETURN_METHOD,
        net_flow=result.net_flow,
        best_day=best_or_worst(result.best),
        worst_day=best_or_worst(result.worst),
        by_position=[
            Attribution(key=to_global_id("Position", uuid.UUID(c.key)), label=c.label, pnl=c.pnl)
            for c in result.by_position
        ],
        by_tag=slices(result.by_tag),
        by_type=slices(result.by_type),
        complete=result.complete,
    )
