"""Analytics types: Greeks, exposures and the totals that groups and sectors share.

They adapt `risk.service.Book` and nothing else: every number is computed there.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from sigmasight.analytics.exposures import LimitStatus
from sigmasight.graphql.context import Context, Info
from sigmasight.graphql.money import money_field
from sigmasight.graphql.portfolio_risk import risk_of_book
from sigmasight.risk.service import Book, BookFlag, Exposure, ExposureBasis
from sigmasight.risk.valuation import Flag, Greeks, VolatilitySource

ExposureBasisEnum = strawberry.enum(
    ExposureBasis,
    description="NOTIONAL: stock quantity x price, option contracts x multiplier x underlying "
    "price, signed by the position's side. DELTA_ADJUSTED: position delta x underlying price, "
    "signed by that number (a long put is short exposure).",
)
LimitStatusEnum = strawberry.enum(
    LimitStatus,
    description="Against the portfolio's risk limits: WITHIN, NEAR (gross at 90% of its limit "
    "or more; net within 10% of a bound's value from it, or of the range's width for a bound at "
    "0%) or BREACHED.",
)
VolatilitySourceEnum = strawberry.enum(
    VolatilitySource,
    description="Where an option's volatility came from: IMPLIED (solved from the option's "
    "close on the valuation date), REALIZED (the underlying's realised volatility, because no "
    "usable option price exists) or NONE (neither is available, or the option has expired).",
)
AnalyticsFlagEnum = strawberry.enum(
    Flag,
    name="AnalyticsFlag",
    description="Why a position's analytics are partial or how they were reached: "
    "MISSING_PRICE (no stored price for a stock), MISSING_UNDERLYING_PRICE, "
    "OPTION_PRICE_MISSING / OPTION_PRICE_STALE (no option close on the valuation date) and "
    "OPTION_PRICE_OUT_OF_BOUNDS (the close breaks no-arbitrage bounds): realised volatility "
    "used instead of implied; MISSING_VOLATILITY (neither: Greeks are null), EXPIRED (valued "
    "at intrinsic value on the underlying's close at expiration, zero Greeks), "
    "MISSING_EXPIRY_PRICE (expired, but no underlying close on or before expiration).",
)
BookFlagEnum = strawberry.enum(
    BookFlag,
    description="Why totals are partial: NON_POSITIVE_EQUITY (equity <= 0, so percentages of "
    "equity are null), INCOMPLETE (some open position lacks a price, an exposure or Greeks and "
    "is left out of the sums; see each position's `dataQuality.flags`).",
)

Basis = Annotated[
    ExposureBasisEnum,  # type: ignore[valid-type]
    strawberry.argument(description="NOTIONAL or DELTA_ADJUSTED (default NOTIONAL)."),
]


@strawberry.type(
    name="Greeks",
    description="Position Greeks = per-share Black-Scholes-Merton Greek x signed quantity x "
    "multiplier (stock: delta = quantity, the others 0); summed over positions for a group or "
    "a portfolio.",
)
class GreeksType:
    delta: float = strawberry.field(
        description="Share-equivalents: change in value, in dollars, per $1 rise of the underlying."
    )
    gamma: float = strawberry.field(description="Change of delta per $1 rise of the underlying.")
    theta: float = strawberry.field(
        description="Dollars per calendar day of time decay (annual theta / 365)."
    )
    vega: float = strawberry.field(
        description="Dollars per 1 volatility point (e.g. 20% to 21%) rise in volatility."
    )
    rho: float = strawberry.field(
        description="Dollars per 1 percentage point rise in the risk-free rate."
    )
    dollar_delta: float = money_field(
        description="Dollars: delta x underlying price (the stock position with the same risk)."
    )
    dollar_gamma: float = money_field(
        description="Dollars: gamma x underlying price^2 x 0.01, the change of dollar delta for a "
        "1% rise of the underlying."
    )

    @classmethod
    def of(cls, greeks: Greeks) -> GreeksType:
        return cls(
            delta=greeks.delta,
            gamma=greeks.gamma,
            theta=greeks.theta,
            vega=greeks.vega,
            rho=greeks.rho,
            dollar_delta=greeks.dollar_delta,
            dollar_gamma=greeks.dollar_gamma,
        )


@strawberry.type(description="A net exposure target range, in % of equity.")
class TargetRange:
    min: float = strawberry.field(description="Lowest net exposure wanted, % of equity.")
    max: float = strawberry.field(description="Highest net exposure wanted, % of equity.")


@strawberry.type(
    name="Exposure",
    description="Dollar exposure on one basis: long is the sum of positive exposures, short the "
    "sum of negative ones (zero or negative), gross = long - short, net = long + short. "
    "Percentages are of the portfolio's equity (cash + market value), 5.0 = 5%.",
)
class ExposureType:
    basis: ExposureBasisEnum = strawberry.field(description="How positions were measured.")  # type: ignore[valid-type]
    long: float = money_field(description="Dollars of long exposure.")
    short: float = money_field(description="Dollars of short exposure, zero or negative.")
    gross: float = money_field(description="Dollars: long + |short|.")
    net: float = money_field(description="Dollars: long + short.")
    long_percent: float | None = strawberry.field(
        description="Long as % of equity; null when equity <= 0."
    )
    short_percent: float | None = strawberry.field(
        description="Short as % of equity (zero or negative); null when equity <= 0."
    )
    gross_percent: float | None = strawberry.field(
        description="Gross as % of equity; null when equity <= 0."
    )
    net_percent: float | None = strawberry.field(
        description="Net as % of equity; null when equity <= 0."
    )
    long_count: int = strawberry.field(description="Positions with long exposure.")
    short_count: int = strawberry.field(description="Positions with short exposure.")
    limit: float | None = strawberry.field(
        description="The portfolio's gross exposure limit, % of equity; null when not set (and "
        "for groups)."
    )
    target_range: TargetRange | None = strawberry.field(
        description="The portfolio's net exposure target range, % of equity; null when not set."
    )
    status: LimitStatusEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="The worst of gross-against-limit and net-against-range; null without limits "
        "or when equity <= 0."
    )
    flags: list[BookFlagEnum] = strawberry.field(  # type: ignore[valid-type]
        description="Why numbers here are partial or null."
    )
    book: strawberry.Private[Book]
    position_ids: strawberry.Private[list[uuid.UUID] | None]

    @money_field(
        description="Dollars: sum of delta-adjusted exposure x market beta (to SPY) over the "
        "positions with a beta, whatever the basis: the SPY position with the same market risk."
    )
    async def beta_adjusted(self, info: Info) -> float:
        risk = await risk_of_book(info.context, self.book)
        return risk.beta_adjusted_exposure(self.position_ids)

    @classmethod
    def of(
        cls,
        exposure: Exposure,
        flags: list[BookFlag],
        book: Book,
        position_ids: list[uuid.UUID] | None,
    ) -> ExposureType:
        totals = exposure.totals
        target = exposure.target_range_percent
        return cls(
            basis=exposure.basis,
            long=totals.long,
            short=totals.short,
            gross=totals.gross,
            net=totals.net,
            long_percent=exposure.percent(totals.long),
            short_percent=exposure.percent(totals.short),
            gross_percent=exposure.percent(totals.gross),
            net_percent=exposure.percent(totals.net),
            long_count=totals.long_count,
            short_count=totals.short_count,
            limit=exposure.gross_limit_percent,
            target_range=TargetRange(min=target[0], max=target[1]) if target else None,
            status=exposure.status,
            flags=flags,
            book=book,
            position_ids=position_ids,
        )


async def book_of(ctx: Context, portfolio_id: uuid.UUID) -> Book:
    """The request's valuation of a portfolio the caller was already allowed to see."""
    book = await ctx.loaders.book_by_portfolio_id.load(portfolio_id)
    assert book is not None  # the portfolio was just read, so it exists
    return book


def book_exposure(
    book: Book, basis: ExposureBasis, position_ids: list[uuid.UUID] | None
) -> ExposureType:
    """A book's (or some of its positions') exposure as the schema shows it."""
    exposure = book.exposure(basis, position_ids)
    flags = list(book.flags) if position_ids is None else []
    if exposure.equity <= 0 and BookFlag.NON_POSITIVE_EQUITY not in flags:
        flags.append(BookFlag.NON_POSITIVE_EQUITY)
    if position_ids is not None and not book.totals(position_ids).complete:
        flags.append(BookFlag.INCOMPLETE)
    return ExposureType.of(exposure, flags, book, position_ids)


@strawberry.type(description="Totals over a set of open positions of one portfolio.")
class PositionSetTotals:
    book: strawberry.Private[Book]
    position_ids: strawberry.Private[list[uuid.UUID]]

    @money_field(
        description="Dollars: summed market value (shorts negative); positions without a price "
        "are left out."
    )
    def market_value(self) -> float:
        return self.book.totals(self.position_ids).market_value

    @money_field(description="Dollars: summed unrealised P&L of positions with a price.")
    def unrealized_pnl(self) -> float:
        return self.book.totals(self.position_ids).unrealized_pnl

    @strawberry.field(description="Exposure of these positions; percentages of the book's equity.")
    def exposures(self, basis: Basis = ExposureBasis.NOTIONAL) -> ExposureType:
        return book_exposure(self.book, basis, self.position_ids)

    @strawberry.field(description="Summed position Greeks of positions whose Greeks are known.")
    def greeks(self) -> GreeksType:
        return GreeksType.of(self.book.totals(self.position_ids).greeks)


@strawberry.type(description="The open positions whose underlying is in one sector.")
class SectorExposure(PositionSetTotals):
    sector: str = strawberry.field(
        description="Sector of the underlying from the security master, or `UNCLASSIFIED`."
    )

    @strawberry.field(description="How many open positions the sector holds.")
    def position_count(self) -> int:
        return len(self.position_ids)
