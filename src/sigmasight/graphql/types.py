"""Object types of the schema, built from models; nested fields resolve through loaders."""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from sigmasight.analytics.performance import Period, drawdowns
from sigmasight.analytics.scenarios import Shock
from sigmasight.auth.models import User
from sigmasight.errors import Invalid
from sigmasight.graphql import history
from sigmasight.graphql.arguments import After, Before, First, Last
from sigmasight.graphql.context import Context, Info
from sigmasight.graphql.ids import parse_id, to_global_id
from sigmasight.graphql.limits import RiskLimits
from sigmasight.graphql.market import (
    DataQuality,
    From,
    PricePoint,
    To,
    price_points,
    quality_of,
)
from sigmasight.graphql.money import money_field
from sigmasight.graphql.node import Node
from sigmasight.graphql.portfolio_risk import (
    CorrelationMatrix,
    CustomShockInput,
    FactorExposureType,
    RiskMetricsType,
    RiskProfileType,
    RiskViewEnum,
    ScenarioResultType,
    ScenarioType,
    VarMethodEnum,
    Window,
    finite_or_none,
    risk_of,
    risk_of_book,
)
from sigmasight.graphql.relay import Connection, to_connection
from sigmasight.graphql.risk import (
    Basis,
    BookFlagEnum,
    ExposureType,
    GreeksType,
    PositionSetTotals,
    SectorExposure,
    VolatilitySourceEnum,
    book_exposure,
    book_of,
)
from sigmasight.instruments.occ import OptionType
from sigmasight.pagination import PageRequest
from sigmasight.portfolios.groups import GroupBy
from sigmasight.portfolios.models import Portfolio, Position, PositionType, Tag, TagKind
from sigmasight.portfolios.positions import PositionFilter, PositionStatus, TagMatch
from sigmasight.portfolios.strategies import StrategyKind
from sigmasight.risk.book_risk import BookRisk, RiskView, VarMethod
from sigmasight.risk.scenario_templates import scenario_templates
from sigmasight.risk.service import Book, ExposureBasis
from sigmasight.risk.valuation import OptionInputs, PositionValuation

PositionTypeEnum = strawberry.enum(
    PositionType,
    name="PositionType",
    description="LONG/SHORT stock; LC long call, LP long put, SC short call, SP short put.",
)
OptionTypeEnum = strawberry.enum(OptionType, name="OptionType", description="Call or put.")
TagKindEnum = strawberry.enum(
    TagKind, description="REGULAR labels positions; STRATEGY groups positions as one strategy."
)
PositionStatusEnum = strawberry.enum(
    PositionStatus, description="Which positions to list: OPEN (no exit), CLOSED, or ALL."
)
GroupByEnum = strawberry.enum(
    GroupBy, description="How to group positions: TYPE, STRATEGY, TAG, SECTOR or UNDERLYING."
)
StrategyKindEnum = strawberry.enum(
    StrategyKind, name="StrategyKind", description="A recognised multi-leg or pair strategy."
)
TagMatchEnum = strawberry.enum(
    TagMatch, description="ANY: positions with at least one of the tags; ALL: with every tag."
)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@strawberry.type(name="User", description="A SigmaSight account.")
class UserNode(Node):
    email: str = strawberry.field(description="Sign-in email, lower-case.")
    full_name: str | None = strawberry.field(description="Display name.")
    role: str = strawberry.field(description="`user` or `admin`.")
    is_demo: bool = strawberry.field(description="True for the shared demo accounts.")
    created_at: datetime = strawberry.field(description="When the account was created (UTC).")
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="All of the user's tags, by name (at most 100).")
    async def tags(self, info: Info) -> list[TagNode]:
        tags = await info.context.loaders.tags_by_owner_id.load(self.user_id)
        return [TagNode.from_model(t) for t in tags]

    @classmethod
    def from_model(cls, user: User) -> UserNode:
        return cls(
            id=to_global_id("User", user.id),
            email=user.email,
            full_name=user.full_name,
            role=user.role.value,
            is_demo=user.is_demo,
            created_at=user.created_at,
            user_id=user.id,
        )


@strawberry.type(name="Tag", description="A user's label for positions; STRATEGY tags group them.")
class TagNode(Node):
    name: str = strawberry.field(description="1-50 characters, unique per user ignoring case.")
    color: str = strawberry.field(description="Display colour as #RRGGBB.")
    kind: TagKindEnum = strawberry.field(description="REGULAR or STRATEGY.")  # type: ignore[valid-type]
    description: str | None = strawberry.field(description="Free text, up to 500 characters.")

    @classmethod
    def from_model(cls, tag: Tag) -> TagNode:
        return cls(
            id=to_global_id("Tag", tag.id),
            name=tag.name,
            color=tag.color,
            kind=tag.kind,
            description=tag.description,
        )


@strawberry.type(
    description="An option position's contract terms and every input its price and Greeks were "
    "computed from, so each number can be re-derived by hand (Black-Scholes-Merton, continuous "
    "dividend yield, time ACT/365 from the valuation date)."
)
class OptionContract:
    expiration: date = strawberry.field(description="Expiration date (the contract's last day).")
    strike: float = strawberry.field(description="Strike price in dollars per share.")
    option_type: OptionTypeEnum = strawberry.field(description="CALL or PUT.")  # type: ignore[valid-type]
    inputs: strawberry.Private[OptionInputs]

    @strawberry.field(
        description="The date the option is valued on: its underlying's latest stored close; "
        "null without an underlying price."
    )
    def valuation_date(self) -> date | None:
        return self.inputs.valuation_date

    @strawberry.field(
        description="Calendar days from the valuation date (today, without an underlying price) "
        "to expiration; negative once expired."
    )
    def days_to_expiry(self) -> int:
        return self.inputs.days_to_expiry

    @strawberry.field(description="Years to expiration, ACT/365: max(daysToExpiry, 0) / 365.")
    def years_to_expiry(self) -> float:
        return self.inputs.years_to_expiry

    @strawberry.field(
        description="Annualised implied volatility (0.25 = 25%) solved from the option's close on "
        "the valuation date; null when that price is missing, stale or outside no-arbitrage "
        "bounds (see `volatilitySource`)."
    )
    def implied_volatility(self) -> float | None:
        return self.inputs.implied_volatility

    @strawberry.field(
        description="The underlying's realised volatility: standard deviation of its last "
        "REALIZED_VOLATILITY_WINDOW (default 30) daily log returns x sqrt(252), annualised "
        "(0.25 = 25%); null with too little history."
    )
    def realized_volatility(self) -> float | None:
        return self.inputs.realized_volatility

    @strawberry.field(
        description="The annualised volatility the price and Greeks use: `impliedVolatility` "
        "when solved, else `realizedVolatility`; null when neither exists."
    )
    def volatility(self) -> float | None:
        return self.inputs.volatility

    @strawberry.field(description="Which volatility the Greeks use.")
    def volatility_source(self) -> VolatilitySourceEnum:  # type: ignore[valid-type]
        return self.inputs.volatility_source

    @strawberry.field(
        description="The underlying's latest stored close in dollars, on the valuation date."
    )
    def underlying_price(self) -> float | None:
        return self.inputs.underlying_price

    @strawberry.field(
        description="Annual risk-free rate, continuously compounded (0.04 = 4%), from the "
        "RISK_FREE_RATE setting (default 0.04)."
    )
    def risk_free_rate(self) -> float:
        return self.inputs.risk_free_rate

    @strawberry.field(
        description="Annual continuous dividend yield of the underlying (0.01 = 1%) from the "
        "security master; 0 when unknown (the providers do not fill it yet)."
    )
    def dividend_yield(self) -> float:
        return self.inputs.dividend_yield


@strawberry.type(
    name="Position", description="A holding of a stock or a listed option, long or short."
)
class PositionNode(Node):
    symbol: str = strawberry.field(description="Ticker, or the compact OCC symbol for an option.")
    underlying: str = strawberry.field(
        description="The stock an option is on; the ticker itself for stock."
    )
    position_type: PositionTypeEnum = strawberry.field(  # type: ignore[valid-type]
        description="Derived from the instrument and the sign of the quantity."
    )
    quantity: float = strawberry.field(
        description="Signed quantity: shares for stock, contracts for options; negative is short."
    )
    multiplier: int = strawberry.field(
        description="Shares per unit: 1 for stock, 100 for listed options."
    )
    entry_price: float = strawberry.field(
        description="Dollars per share (per-share premium for options); always positive."
    )
    entry_date: date = strawberry.field(description="Trade date the position was opened.")
    exit_price: float | None = strawberry.field(
        description="Exit price in dollars per share, once closed."
    )
    exit_date: date | None = strawberry.field(
        description="Date the position was closed; null while open."
    )
    notes: str | None = strawberry.field(description="Free-text notes.")
    option: OptionContract | None = strawberry.field(description="Contract terms; null for stock.")
    position_id: strawberry.Private[uuid.UUID]
    portfolio_id: strawberry.Private[uuid.UUID]
    valuation: strawberry.Private[PositionValuation]
    book: strawberry.Private[Book]

    @money_field(
        description="Cost in dollars: quantity x entry price x multiplier (negative for shorts)."
    )
    def cost_basis(self) -> float:
        return self.valuation.cost_basis

    @strawberry.field(description="True while the position has no exit.")
    def is_open(self) -> bool:
        return self.exit_date is None

    @strawberry.field(
        description="Latest stored close in dollars per share (per-share premium for options; "
        "for an expired option, its intrinsic value at expiration); null when no price is stored "
        "(see `dataQuality`)."
    )
    def last_price(self) -> float | None:
        return self.valuation.last_price

    @money_field(
        description="Dollars: quantity x last price x multiplier (negative for shorts); 0 once "
        "closed; null without a price."
    )
    def market_value(self) -> float | None:
        return self.valuation.market_value

    @money_field(
        description="Dollars: (last price - entry price) x quantity x multiplier; 0 once closed; "
        "null without a price."
    )
    def unrealized_pnl(self) -> float | None:
        return self.valuation.unrealized_pnl

    @strawberry.field(
        description="Unrealised P&L as a percentage of the absolute cost basis (5.0 = 5%); null "
        "without a price."
    )
    def unrealized_pnl_percent(self) -> float | None:
        return self.valuation.unrealized_pnl_percent

    @money_field(
        description="Dollars, once closed: (exit price - entry price) x quantity x multiplier; "
        "null while open."
    )
    def realized_pnl(self) -> float | None:
        return self.valuation.realized_pnl

    @money_field(
        description="Dollars, signed by side: stock quantity x price; option contracts x "
        "multiplier x underlying price; 0 once closed or expired; null without a price."
    )
    def notional_exposure(self) -> float | None:
        return self.valuation.notional_exposure

    @money_field(
        description="Dollars: position delta x underlying price, signed by that number (a long "
        "put is negative); 0 once closed or expired; null when the Greeks are unknown."
    )
    def delta_adjusted_exposure(self) -> float | None:
        return self.valuation.delta_adjusted_exposure

    @money_field(
        description="Dollars: delta-adjusted exposure x the underlying's market beta (to SPY, "
        "from the 150-day factor regression); null without a beta."
    )
    async def beta_adjusted_exposure(self, info: Info) -> float | None:
        risk = await risk_of_book(info.context, self.book)
        return risk.position_beta_adjusted(self.position_id)

    @strawberry.field(
        description="Position Greeks (per-share Greek x signed quantity x multiplier): zero once "
        "closed or expired; null when a price or volatility is missing (see "
        "`dataQuality.flags`), never guessed."
    )
    def greeks(self) -> GreeksType | None:
        greeks = self.valuation.greeks
        return GreeksType.of(greeks) if greeks else None

    @strawberry.field(description="Sector of the stock (of the underlying, for options).")
    def sector(self) -> str | None:
        security = self.book.securities.get(self.underlying)
        return security.sector if security else None

    @strawberry.field(description="Industry of the stock (of the underlying, for options).")
    def industry(self) -> str | None:
        security = self.book.securities.get(self.underlying)
        return security.industry if security else None

    @strawberry.field(
        description="Whether the prices behind the market fields and Greeks are missing or "
        "stale, and how an option's volatility was reached."
    )
    def data_quality(self, info: Info) -> DataQuality:
        book = self.book
        quality = quality_of(info, book.prices.get(self.symbol), book.statuses.get(self.symbol))
        quality.flags = list(self.valuation.flags)
        return quality

    @strawberry.field(description="Stored daily bars of the position's symbol, oldest first.")
    async def price_history(
        self, info: Info, start: From = None, end: To = None
    ) -> list[PricePoint]:
        return await price_points(info, self.symbol, start, end)

    @strawberry.field(description="The position's tags, by name.")
    async def tags(self, info: Info) -> list[TagNode]:
        tags = await info.context.loaders.tags_by_position_id.load(self.position_id)
        return [TagNode.from_model(t) for t in tags]

    @strawberry.field(description="The portfolio holding this position.")
    async def portfolio(self, info: Info) -> PortfolioNode:
        portfolio = await info.context.loaders.portfolio_by_id.load(self.portfolio_id)
        assert portfolio is not None  # a position always has a portfolio
        return PortfolioNode.from_model(portfolio)

    @classmethod
    def from_model(cls, position: Position, book: Book) -> PositionNode:
        """The position as its portfolio's book values it."""
        valuation = book.valuation_of(position)
        option = None
        if position.option_type is not None:
            assert position.expiration is not None and position.strike is not None
            assert valuation.option is not None  # every option is valued with its inputs
            option = OptionContract(
                expiration=position.expiration,
                strike=float(position.strike),
                option_type=position.option_type,
                inputs=valuation.option,
            )
        return cls(
            id=to_global_id("Position", position.id),
            symbol=position.symbol,
            underlying=position.underlying,
            position_type=position.position_type,
            quantity=float(position.quantity),
            multiplier=position.multiplier,
            entry_price=float(position.entry_price),
            entry_date=position.entry_date,
            exit_price=_float(position.exit_price),
            exit_date=position.exit_date,
            notes=position.notes,
            option=option,
            position_id=position.id,
            portfolio_id=position.portfolio_id,
            valuation=valuation,
            book=book,
        )


async def position_node(ctx: Context, position: Position) -> PositionNode:
    """One position as the API shows it, valued with the rest of its book."""
    return PositionNode.from_model(position, await book_of(ctx, position.portfolio_id))


def position_field(description: str) -> Any:
    """A mutation payload's `position`, valued once the mutation has committed."""

    async def resolve(root: Any, info: Info) -> PositionNode:
        return await position_node(info.context, root.position_model)

    return strawberry.field(resolver=resolve, description=description)


@strawberry.input(description="Which positions to list.")
class PositionFilterInput:
    status: PositionStatusEnum = strawberry.field(  # type: ignore[valid-type]
        default=PositionStatus.OPEN, description="OPEN (default), CLOSED or ALL."
    )
    types: list[PositionTypeEnum] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only these position types."
    )
    symbol: str | None = strawberry.field(
        default=None, description="Only this symbol, or options on this underlying."
    )
    tag_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only positions carrying these tags (see `tagMatch`)."
    )
    tag_match: TagMatchEnum = strawberry.field(  # type: ignore[valid-type]
        default=TagMatch.ANY, description="ANY (default) or ALL of `tagIds`."
    )


@strawberry.type(description="Open positions that belong together: by type, strategy, tag, ...")
class PositionGroup(PositionSetTotals):
    key: str = strawberry.field(
        description="Stable key within the grouping (a position type, tag id, strategy id, ...)."
    )
    label: str = strawberry.field(description="Display name, e.g. `TSLA call spread`.")
    strategy: StrategyKindEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="The detected strategy, for STRATEGY groups found by shape; else null."
    )
    # The members as stored: counts and sums read them directly, and position objects are
    # built only when `positions` itself is asked for.
    members: strawberry.Private[list[Position]]

    @strawberry.field(description="The group's open positions.")
    def positions(self) -> list[PositionNode]:
        return [PositionNode.from_model(p, self.book) for p in self.members]

    @strawberry.field(description="How many positions the group holds.")
    def position_count(self) -> int:
        return len(self.members)

    @strawberry.field(description="Positions with a positive quantity.")
    def long_count(self) -> int:
        return sum(1 for p in self.members if p.quantity > 0)

    @strawberry.field(description="Positions with a negative quantity.")
    def short_count(self) -> int:
        return sum(1 for p in self.members if p.quantity < 0)

    @money_field(
        description="Summed cost in dollars: quantity x entry price x multiplier (shorts negative)."
    )
    def cost_basis(self) -> float:
        return sum(self.book.valuation_of(p).cost_basis for p in self.members)


@strawberry.type
class BookAnalytics:
    """The analytics fields of a valued book: a stored portfolio, or a modeling session's base
    or pro-forma book; each answers them from its own `Book` and `BookRisk`."""

    async def _book(self, info: Info) -> Book:
        raise NotImplementedError

    async def _risk(self, info: Info) -> BookRisk:
        raise NotImplementedError

    @money_field(description="Dollars: cash + totalValue; the base of every percentage of equity.")
    async def equity(self, info: Info) -> float:
        return (await self._book(info)).equity

    @money_field(
        description="Dollars: summed market value of the open positions, shorts negative, cash "
        "not included; positions without a price are left out (see `analyticsFlags`)."
    )
    async def total_value(self, info: Info) -> float:
        return (await self._book(info)).book_totals.market_value

    @money_field(
        description="Dollars: unrealised P&L of the open positions plus realised P&L of the "
        "closed ones."
    )
    async def total_pnl(self, info: Info) -> float:
        return (await self._book(info)).total_pnl

    @strawberry.field(
        description="`totalPnl` as a percentage (5.0 = 5%) of the summed absolute cost basis of "
        "all positions, open and closed; null without positions."
    )
    async def total_pnl_percent(self, info: Info) -> float | None:
        return (await self._book(info)).total_pnl_percent

    @strawberry.field(description="Summed Greeks of the open positions whose Greeks are known.")
    async def greeks(self, info: Info) -> GreeksType:
        return GreeksType.of((await self._book(info)).book_totals.greeks)

    @strawberry.field(
        description="Long, short, gross and net exposure of the open positions on one basis, in "
        "dollars and % of equity, with the portfolio's limits and where it stands against them."
    )
    async def exposures(self, info: Info, basis: Basis = ExposureBasis.NOTIONAL) -> ExposureType:
        return book_exposure(await self._book(info), basis, None)

    @strawberry.field(
        description="Exposure, market value and Greeks of the open positions by the "
        "underlying's sector (`UNCLASSIFIED` when the security master has none), by sector name."
    )
    async def sector_exposures(self, info: Info) -> list[SectorExposure]:
        book = await self._book(info)
        return [
            SectorExposure(
                sector=g.key,
                book=book,
                position_ids=[p.id for p in g.positions],
            )
            for g in book.groups(GroupBy.SECTOR, {})
        ]

    @strawberry.field(
        description="Why the portfolio's totals are partial: NON_POSITIVE_EQUITY, INCOMPLETE."
    )
    async def analytics_flags(self, info: Info) -> list[BookFlagEnum]:  # type: ignore[valid-type]
        return list((await self._book(info)).flags)

    @strawberry.field(
        description="Exposure to each of the 8 factors (Market Beta first), from the "
        "underlyings' factor betas and the positions' delta-adjusted exposure."
    )
    async def factor_exposures(self, info: Info) -> list[FactorExposureType]:
        return [FactorExposureType.of(f) for f in (await self._risk(info)).factor_exposures()]

    @strawberry.field(
        description="Volatility, beta, Sharpe, Sortino, drawdown, VaR and CVaR of today's "
        "holdings over their underlyings' recent returns; method, horizon and lookback stated."
    )
    async def risk_metrics(
        self,
        info: Info,
        window: Window = 90,
        view: Annotated[
            RiskViewEnum,  # type: ignore[valid-type]
            strawberry.argument(description="PORTFOLIO (default), LONGS or SHORTS."),
        ] = RiskView.PORTFOLIO,
        method: Annotated[
            VarMethodEnum,  # type: ignore[valid-type]
            strawberry.argument(description="HISTORICAL (default) or PARAMETRIC."),
        ] = VarMethod.HISTORICAL,
        horizon_days: Annotated[
            int, strawberry.argument(description="VaR horizon in trading days (1-20); default 1.")
        ] = 1,
    ) -> RiskMetricsType:
        risk = await self._risk(info)
        metrics = risk.risk_metrics(
            window=_checked(window, 20, 252, "window"),
            view=view,
            method=method,
            horizon_days=_checked(horizon_days, 1, 20, "horizonDays"),
        )
        return RiskMetricsType.of(metrics, risk.book.equity)

    @strawberry.field(
        description="Correlation matrix of the underlyings with the largest gross "
        "delta-adjusted exposure."
    )
    async def correlation_matrix(
        self,
        info: Info,
        window: Window = 90,
        limit: Annotated[
            int, strawberry.argument(description="Most underlyings (2-50); default 20.")
        ] = 20,
    ) -> CorrelationMatrix:
        risk = await self._risk(info)
        labels, matrix, observations = risk.correlation_matrix(
            window=_checked(window, 20, 252, "window"), limit=_checked(limit, 2, 50, "limit")
        )
        return CorrelationMatrix(
            labels=labels,
            matrix=[finite_or_none(float(v)) for v in matrix.ravel()],
            window=window,
            observations=observations,
        )

    @strawberry.field(
        description="P&L under stress scenarios: the templates named by `ids` (all of them when "
        "both `ids` and `custom` are omitted) and any custom shocks, in that order."
    )
    async def scenarios(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(description="Template ids (see `scenarioTemplates`)."),
        ] = None,
        custom: Annotated[
            list[CustomShockInput] | None,
            strawberry.argument(description="Shocks of your own."),
        ] = None,
    ) -> list[ScenarioResultType]:
        risk = await self._risk(info)
        templates = {t.id: t for t in scenario_templates()}
        chosen = ids if ids is not None else ([] if custom else list(templates))
        wanted: list[tuple[ScenarioType, Shock]] = []
        for template_id in chosen:
            template = templates.get(str(template_id))
            if template is None:
                raise Invalid(f"No scenario template `{template_id}`.", field="ids")
            wanted.append((ScenarioType.of(template), template.shock))
        for n, item in enumerate(custom or []):
            scenario = ScenarioType(
                id=strawberry.ID(f"custom_{n + 1}"),
                name=item.name,
                description="A custom shock.",
                source=None,
            )
            wanted.append((scenario, item.to_shock()))
        return [
            ScenarioResultType.of(scenario, risk.scenario(scenario.id, scenario.name, shock), risk)
            for scenario, shock in wanted
        ]

    @strawberry.field(
        description="P&L of the positions on one underlying (or of the whole book, each "
        "underlying moved by its market beta) over a grid of moves and dates, options repriced "
        "at every point; null without such positions."
    )
    async def risk_profile(
        self,
        info: Info,
        underlying: Annotated[
            str | None,
            strawberry.argument(description="Underlying symbol; null for the whole book."),
        ] = None,
        moves: Annotated[
            list[float] | None,
            strawberry.argument(
                description="Moves as fractions (-0.1 = down 10%); default -20% to +20% by 2%."
            ),
        ] = None,
        dates: Annotated[
            list[date] | None,
            strawberry.argument(description="Valuation dates; default the valuation date only."),
        ] = None,
    ) -> RiskProfileType | None:
        risk = await self._risk(info)
        grid = moves if moves else [m / 100 for m in range(-20, 21, 2)]
        if len(grid) > 201 or (dates and len(dates) > 20):
            raise Invalid("At most 201 moves and 20 dates.", field="moves")
        if any(not -1 < m <= 10 for m in grid):
            raise Invalid("Moves are fractions above -1 and up to 10.", field="moves")
        if dates and risk.valuation_day and min(dates) < risk.valuation_day:
            raise Invalid(
                f"Dates start at the valuation date, {risk.valuation_day}.", field="dates"
            )
        profile = risk.risk_profile(
            underlying=underlying.upper() if underlying else None, moves=grid, dates=dates or []
        )
        if profile is None or risk.valuation_day is None:
            return None
        return RiskProfileType(
            underlying=underlying.upper() if underlying else None,
            moves=list(grid),
            dates=[d.isoformat() for d in (dates or [risk.valuation_day])],
            pnl=profile.pnl.tolist(),
            delta=profile.delta.tolist() if underlying else None,
            gamma=profile.gamma.tolist() if underlying else None,
            dollar_delta=profile.dollar_delta.tolist(),
            theta=profile.theta.tolist(),
            vega=profile.vega.tolist(),
        )


@strawberry.type(name="Portfolio", description="A book of positions owned by one user.")
class PortfolioNode(Node, BookAnalytics):
    name: str = strawberry.field(description="1-100 characters, unique per owner ignoring case.")
    description: str | None = strawberry.field(description="Free text.")
    currency: str = strawberry.field(description="ISO 4217 code all money fields are in (USD).")
    cash: float = money_field(
        description="Cash balance in dollars; negative for a margin debit. Short-sale proceeds "
        "are cash. Set with `updatePortfolio` or a `CASH` row in an import."
    )
    risk_limits: RiskLimits = strawberry.field(
        description="Gross limit and net target range, in % of equity; set with `setRiskLimits`."
    )
    created_at: datetime = strawberry.field(description="When the portfolio was created (UTC).")
    updated_at: datetime = strawberry.field(
        description="When the portfolio was last changed (UTC)."
    )
    portfolio_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="Positions by symbol, filtered; open positions unless `filter` says otherwise."
    )
    async def positions(
        self,
        info: Info,
        filter: Annotated[
            PositionFilterInput | None,
            strawberry.argument(description="Which positions; open ones when omitted."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[PositionNode]:
        flt_in = filter or PositionFilterInput()
        # An id that names no tag of the caller's matches no position, like any unused tag would.
        tag_ids = [parse_id(t, "Tag") or uuid.UUID(int=0) for t in flt_in.tag_ids or []]
        flt = PositionFilter(  # tuples: the filter is part of a loader key
            status=flt_in.status,
            types=tuple(flt_in.types or ()),
            symbol=flt_in.symbol,
            tag_ids=tuple(tag_ids),
            tag_match=flt_in.tag_match,
        )
        loaders = info.context.loaders
        request = PageRequest(first=first, after=after, last=last, before=before)
        page = await loaders.positions_by_portfolio_page.load((self.portfolio_id, flt, request))

        async def count() -> int:
            return await loaders.position_count_by_portfolio_filter.load((self.portfolio_id, flt))

        book = await self._book(info)
        return to_connection(page, lambda p: PositionNode.from_model(p, book), count)

    @strawberry.field(
        description="Open positions in groups. By TAG a position appears under each of its tags "
        "(plus `Untagged`); the other groupings are partitions. STRATEGY lists STRATEGY-kind tags, "
        "then detected covered calls, protective puts, collars, vertical spreads, straddles, "
        "strangles and pairs (a long and a short stock sharing a tag no other position has), "
        "then the rest. SECTOR uses the underlying's sector from the security master "
        "(`UNCLASSIFIED` when it has none)."
    )
    async def position_groups(
        self,
        info: Info,
        by: Annotated[GroupByEnum, strawberry.argument(description="How to group.")],  # type: ignore[valid-type]
    ) -> list[PositionGroup]:
        book = await self._book(info)
        tags: dict[uuid.UUID, list[Tag]] = {}
        if by in (GroupBy.TAG, GroupBy.STRATEGY):
            ids = [p.id for p in book.open_positions]
            found = await info.context.loaders.tags_by_position_id.load_many(ids)
            tags = dict(zip(ids, found, strict=True))
        return [
            PositionGroup(
                key=g.key,
                label=g.label,
                strategy=g.strategy,
                members=g.positions,
                book=book,
                position_ids=[p.id for p in g.positions],
            )
            for g in book.groups(by, tags)
        ]

    async def _book(self, info: Info) -> Book:
        return await book_of(info.context, self.portfolio_id)

    async def _risk(self, info: Info) -> BookRisk:
        return await risk_of(info.context, self.portfolio_id)

    @strawberry.field(
        description="Daily snapshots (closes) in [from, to], oldest first, as stored by the "
        "nightly batch; at most 366 (a clear error past that)."
    )
    async def snapshots(
        self, info: Info, start: history.FromArgument = None, end: history.ToArgument = None
    ) -> list[history.PortfolioSnapshotType]:
        rows = await history.snapshots(info.context, self.portfolio_id, start, end)
        returns = [math.nan if r.daily_return is None else r.daily_return for r in rows]
        below = drawdowns(returns)
        return [
            history.PortfolioSnapshotType.of(r, None if math.isnan(d) else float(d))
            for r, d in zip(rows, below, strict=True)
        ]

    @strawberry.field(description="Long/short/gross/net exposure at each stored close.")
    async def exposure_history(
        self, info: Info, start: history.FromArgument = None, end: history.ToArgument = None
    ) -> list[history.ExposurePoint]:
        rows = await history.snapshots(info.context, self.portfolio_id, start, end)
        return [
            history.ExposurePoint(day=s.day, notional=s.notional, delta_adjusted=s.delta_adjusted)
            for s in map(history.PortfolioSnapshotType.of, rows)
        ]

    @strawberry.field(description="Summed Greeks at each stored close.")
    async def greeks_history(
        self, info: Info, start: history.FromArgument = None, end: history.ToArgument = None
    ) -> list[history.GreeksPoint]:
        rows = await history.snapshots(info.context, self.portfolio_id, start, end)
        return [history.GreeksPoint(day=r.day, greeks=history.greeks_of(r)) for r in rows]

    @strawberry.field(
        description="P&L, time-weighted return, best and worst day and attribution over a "
        "period, from stored snapshots; null before the first snapshot."
    )
    async def performance(
        self,
        info: Info,
        period: Annotated[
            history.PeriodEnum,  # type: ignore[valid-type]
            strawberry.argument(description="Which period; CUSTOM takes `from` and `to`."),
        ] = Period.MONTH,
        start: Annotated[
            date | None,
            strawberry.argument(name="from", description="First day of a CUSTOM period."),
        ] = None,
        end: Annotated[
            date | None, strawberry.argument(name="to", description="Last day of a CUSTOM period.")
        ] = None,
    ) -> history.Performance | None:
        return await history.portfolio_performance(
            info.context, self.portfolio_id, period, start, end
        )

    @strawberry.field(
        description="Tags used by at least one of this portfolio's positions, by name."
    )
    async def tags(self, info: Info) -> list[TagNode]:
        tags = await info.context.loaders.tags_by_portfolio_id.load(self.portfolio_id)
        return [TagNode.from_model(t) for t in tags]

    @classmethod
    def from_model(cls, portfolio: Portfolio) -> PortfolioNode:
        return cls(
            id=to_global_id("Portfolio", portfolio.id),
            name=portfolio.name,
            description=portfolio.description,
            currency=portfolio.currency,
            cash=float(portfolio.cash),
            risk_limits=RiskLimits.from_model(portfolio),
            created_at=portfolio.created_at,
            updated_at=portfolio.updated_at,
            portfolio_id=portfolio.id,
        )


def _checked(value: int, low: int, high: int, field: str) -> int:
    """An argument within [low, high], or a clear error naming it."""
    if not low <= value <= high:
        raise Invalid(f"`{field}` must be {low}-{high}.", field=field, code="OUT_OF_RANGE")
    return value
