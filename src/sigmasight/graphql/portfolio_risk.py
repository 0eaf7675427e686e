"""Factor exposures, risk metrics, correlations, scenarios and risk profiles as the schema shows
them; every number comes from `risk.book_risk.BookRisk`."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from sigmasight.analytics.factors import BetaQuality
from sigmasight.analytics.scenarios import Shock
from sigmasight.errors import Invalid
from sigmasight.graphql.context import Context, Info
from sigmasight.graphql.money import money_field
from sigmasight.risk.book_risk import (
    FACTOR_NAMES,
    BookRisk,
    FactorExposure,
    RiskMetrics,
    RiskView,
    ScenarioOutcome,
    VarMethod,
)
from sigmasight.risk.scenario_templates import ScenarioTemplate, scenario_templates
from sigmasight.risk.service import Book

if TYPE_CHECKING:
    from sigmasight.graphql.types import PositionNode

BetaQualityEnum = strawberry.enum(
    BetaQuality,
    description="How far a factor beta can be trusted: OK; LOW_R2 (R² under 0.10: the factors "
    "explain little of the returns); SHORT_HISTORY (fewer than 60 daily returns in the 150-day "
    "window: no beta); MISSING (no returns at all). For a portfolio, the worst of its positions'.",
)
RiskViewEnum = strawberry.enum(
    RiskView,
    description="Which positions: PORTFOLIO (all), LONGS (positive delta-adjusted exposure) or "
    "SHORTS (negative delta-adjusted exposure). Returns are always relative to total equity.",
)
VarMethodEnum = strawberry.enum(
    VarMethod,
    description="HISTORICAL: each day of the lookback's underlying returns applied to today's "
    "book, options repriced in full by Black-Scholes-Merton (volatility, rate and time held), "
    "empirical quantile of the P&L. PARAMETRIC: delta-normal, sqrt(w'Cw) with w the dollar "
    "delta per underlying and C the covariance of their daily returns, zero mean.",
)


async def risk_of(ctx: Context, portfolio_id: uuid.UUID) -> BookRisk:
    """The request's risk view of a portfolio the caller was already allowed to see."""
    risk = await ctx.loaders.risk_by_portfolio_id.load(portfolio_id)
    assert risk is not None  # the portfolio was just read, so it exists
    return risk


async def risk_of_book(ctx: Context, book: Book) -> BookRisk:
    """The risk view of a valued book: a what-if book's own (registered when it was valued),
    else its stored portfolio's."""
    registered = ctx.what_if_risks.get(id(book))
    return registered if registered is not None else await risk_of(ctx, book.portfolio.id)


@strawberry.type(description="A risk factor and the ETF whose returns stand for it.")
class Factor:
    name: str = strawberry.field(description="E.g. `Market Beta`, `Momentum`, `Value`.")
    etf: str = strawberry.field(description="The ETF proxy, e.g. SPY, MTUM, VTV.")
    description: str = strawberry.field(description="What the factor measures and how.")


FACTOR_DESCRIPTIONS = {
    "SPY": "Sensitivity to the US equity market (S&P 500), the coefficient on SPY's returns.",
    "MTUM": "Exposure to momentum: the coefficient on MTUM's return in excess of SPY's.",
    "VTV": "Exposure to value stocks: the coefficient on VTV's return in excess of SPY's.",
    "VUG": "Exposure to growth stocks: the coefficient on VUG's return in excess of SPY's.",
    "QUAL": "Exposure to quality: the coefficient on QUAL's return in excess of SPY's.",
    "IWM": "Exposure to small caps: the coefficient on IWM's return in excess of SPY's.",
    "USMV": "Exposure to low volatility: the coefficient on USMV's return in excess of SPY's.",
    "TLT": "Exposure to long Treasury bonds (rates): the coefficient on TLT's return in excess "
    "of SPY's.",
}


def factor_definitions() -> list[Factor]:
    """The 8 factors, market first."""
    return [
        Factor(name=name, etf=etf, description=FACTOR_DESCRIPTIONS[etf])
        for etf, name in FACTOR_NAMES.items()
    ]


@strawberry.type(
    name="FactorExposure",
    description="The portfolio's exposure to one factor. Each underlying's betas come from a "
    "regression of its daily returns on SPY's and on each style ETF's return in excess of SPY's, "
    "over the last 150 trading days (at least 60), with a ridge penalty on the style betas only; "
    "options carry their underlying's betas through their delta-adjusted exposure.",
)
class FactorExposureType:
    factor: Factor = strawberry.field(description="The factor and its ETF proxy.")
    beta: float | None = strawberry.field(
        description="dollarExposure / equity: the portfolio's beta to the factor; null when "
        "equity <= 0."
    )
    dollar_exposure: float = money_field(
        description="Dollars: sum over positions of delta-adjusted exposure x beta; positions "
        "without a beta are left out (see `quality`)."
    )
    r_squared: float | None = strawberry.field(
        description="R² of the underlyings' regressions, weighted by |delta-adjusted exposure| "
        "(0-1); null without a beta."
    )
    observations: int = strawberry.field(
        description="Daily returns behind the thinnest contributing regression."
    )
    quality: BetaQualityEnum = strawberry.field(  # type: ignore[valid-type]
        description="The worst beta quality among the positions."
    )

    @classmethod
    def of(cls, item: FactorExposure) -> FactorExposureType:
        return cls(
            factor=Factor(name=item.name, etf=item.etf, description=FACTOR_DESCRIPTIONS[item.etf]),
            beta=item.beta,
            dollar_exposure=item.dollar_exposure,
            r_squared=item.r_squared,
            observations=item.observations,
            quality=item.quality,
        )


@strawberry.type(
    name="RiskMetrics",
    description="Risk of today's holdings applied to their underlyings' last `window` daily "
    "returns, as a return series relative to equity. Underlyings with returns on fewer than 90% "
    "of the window are left out (see `excludedPositions`); the rest are measured on the days "
    "where all of them have a close. Null numbers mean fewer than 20 such days, no positions in "
    "the view, or equity <= 0.",
)
class RiskMetricsType:
    window: int = strawberry.field(description="Trading days of history asked for.")
    view: RiskViewEnum = strawberry.field(description="Which positions.")  # type: ignore[valid-type]
    observations: int = strawberry.field(description="Complete trading days actually used.")
    var_method: VarMethodEnum = strawberry.field(  # type: ignore[valid-type]
        description="How VaR and CVaR were computed."
    )
    horizon_days: int = strawberry.field(
        description="VaR horizon in trading days; above 1, the 1-day figures are scaled by "
        "sqrt(horizon) (square-root-of-time)."
    )
    annualized_volatility: float | None = strawberry.field(
        description="Standard deviation of daily returns x sqrt(252), a fraction (0.2 = 20%)."
    )
    beta: float | None = strawberry.field(
        description="Beta of the daily returns to SPY's over the same days."
    )
    sharpe_ratio: float | None = strawberry.field(
        description="Mean daily excess return over the risk-free rate (RISK_FREE_RATE / 252) "
        "divided by its standard deviation, x sqrt(252)."
    )
    sortino_ratio: float | None = strawberry.field(
        description="Annualised mean excess return over annualised downside deviation (returns "
        "below the daily risk-free rate), as empyrical computes it."
    )
    max_drawdown: float | None = strawberry.field(
        description="Largest peak-to-trough fall of the compounded daily returns, a fraction "
        "<= 0 (-0.12 = -12%)."
    )
    var95: float | None = money_field(
        description="Value at risk, 95% confidence, over `horizonDays`: dollars, a loss as a "
        "positive number."
    )
    var99: float | None = money_field(description="Value at risk, 99%: dollars, positive.")
    cvar95: float | None = money_field(
        description="Expected shortfall (CVaR), 95%: the mean loss at or beyond VaR95, dollars, "
        "positive."
    )
    cvar99: float | None = money_field(description="Expected shortfall, 99%: dollars.")
    var95_percent: float | None = strawberry.field(description="var95 as % of equity (5.0 = 5%).")
    var99_percent: float | None = strawberry.field(description="var99 as % of equity.")
    cvar95_percent: float | None = strawberry.field(description="cvar95 as % of equity.")
    cvar99_percent: float | None = strawberry.field(description="cvar99 as % of equity.")
    confidence_levels: list[float] = strawberry.field(
        description="The confidence levels of var95/cvar95 and var99/cvar99: [0.95, 0.99]."
    )
    average_correlation: float | None = strawberry.field(
        description="Average pairwise (Pearson) correlation of the underlyings' daily returns "
        "over the same days, each pair weighted by the product of the two underlyings' gross "
        "delta-adjusted exposure (-1 to 1)."
    )
    excluded_positions: int = strawberry.field(
        description="Open positions left out: no price, no volatility, expired, or an "
        "underlying with too little history in the window."
    )

    @classmethod
    def of(cls, metrics: RiskMetrics, equity: float) -> RiskMetricsType:
        stats = metrics.stats

        def percent(amount: float | None) -> float | None:
            return None if amount is None or equity <= 0 else amount / equity * 100

        var95 = metrics.var95.var if metrics.var95 else None
        var99 = metrics.var99.var if metrics.var99 else None
        cvar95 = metrics.var95.cvar if metrics.var95 else None
        cvar99 = metrics.var99.cvar if metrics.var99 else None
        return cls(
            window=metrics.window,
            view=metrics.view,
            observations=metrics.observations,
            var_method=metrics.method,
            horizon_days=metrics.horizon_days,
            annualized_volatility=finite_or_none(stats.annualized_volatility) if stats else None,
            beta=finite_or_none(stats.beta) if stats else None,
            sharpe_ratio=finite_or_none(stats.sharpe_ratio) if stats else None,
            sortino_ratio=finite_or_none(stats.sortino_ratio) if stats else None,
            max_drawdown=finite_or_none(stats.max_drawdown) if stats else None,
            var95=_optional(var95),
            var99=_optional(var99),
            cvar95=_optional(cvar95),
            cvar99=_optional(cvar99),
            var95_percent=percent(var95),
            var99_percent=percent(var99),
            cvar95_percent=percent(cvar95),
            cvar99_percent=percent(cvar99),
            confidence_levels=[0.95, 0.99],
            average_correlation=metrics.average_correlation,
            excluded_positions=metrics.excluded,
        )


def _optional(value: float | None) -> float | None:
    return None if value is None else finite_or_none(value)


def finite_or_none(value: float) -> float | None:
    return value if value == value and abs(value) != float("inf") else None


@strawberry.type(
    description="Pearson correlations of daily returns between the underlyings with the largest "
    "gross delta-adjusted exposure, over the days where all of them have a close."
)
class CorrelationMatrix:
    labels: list[str] = strawberry.field(description="Underlyings, in row and column order.")
    matrix: list[float | None] = strawberry.field(
        description="Row-major: entry i x n + j is the correlation of labels[i] and labels[j] "
        "(null where a series does not vary)."
    )
    window: int = strawberry.field(description="Trading days of history asked for.")
    observations: int = strawberry.field(description="Complete trading days used.")


@strawberry.type(name="Scenario", description="A stress scenario: what moves and by how much.")
class ScenarioType:
    id: strawberry.ID = strawberry.field(description="Stable id, e.g. `market_down_10`.")
    name: str = strawberry.field(description="Display name.")
    description: str = strawberry.field(description="The shocks, in words.")
    source: str | None = strawberry.field(
        description="Where a historical replay's figures come from."
    )

    @classmethod
    def of(cls, template: ScenarioTemplate) -> ScenarioType:
        return cls(
            id=strawberry.ID(template.id),
            name=template.name,
            description=template.description,
            source=template.source,
        )


@strawberry.input(
    description="A custom stress: factor ETF moves, per-symbol moves, a volatility shift, a rate "
    "shift and a horizon. An underlying not named moves by its factor betas."
)
class CustomShockInput:
    name: str = strawberry.field(default="Custom", description="Display name.")
    market_percent: float = strawberry.field(
        default=0.0, description="SPY's move in % (-10 = down 10%)."
    )
    factor_percent: strawberry.scalars.JSON | None = strawberry.field(
        default=None,
        description='Other factor ETFs\' moves in %, e.g. {"VTV": -5}; an ETF not named moves '
        "with SPY.",
    )
    symbol_percent: strawberry.scalars.JSON | None = strawberry.field(
        default=None, description='Moves of given underlyings in %, e.g. {"AAPL": -15}.'
    )
    vol_points: float = strawberry.field(
        default=0.0, description="Implied-volatility shift in points (10 = +10 vol points)."
    )
    rate_bp: float = strawberry.field(
        default=0.0, description="Risk-free rate shift in basis points (also moves TLT)."
    )
    horizon_days: int = strawberry.field(
        default=0, description="Calendar days that pass: options lose time value."
    )

    def to_shock(self) -> Shock:
        """The shock in fractions, after checking every figure."""
        if not 0 <= self.horizon_days <= 3650:
            raise Invalid("Horizon must be 0-3650 days.", field="horizonDays", code="OUT_OF_RANGE")
        if not -100 <= self.vol_points <= 500:
            raise Invalid("Vol points must be -100 to 500.", field="volPoints", code="OUT_OF_RANGE")
        if not -2000 <= self.rate_bp <= 2000:
            raise Invalid(
                "Rate shift must be -2000 to 2000 bp.", field="rateBp", code="OUT_OF_RANGE"
            )
        etfs = {"SPY": _percent(self.market_percent, "marketPercent")}
        for etf, value in _mapping(self.factor_percent, "factorPercent").items():
            if etf not in FACTOR_NAMES or etf == "SPY":
                raise Invalid(
                    f"`{etf}` is not a style factor ETF (SPY's move is `marketPercent`).",
                    field="factorPercent",
                )
            etfs[etf] = value
        return Shock(
            etf_returns=etfs,
            symbol_returns=_mapping(self.symbol_percent, "symbolPercent"),
            vol_points=self.vol_points,
            rate_bp=self.rate_bp,
            horizon_days=self.horizon_days,
        )


def _percent(value: object, field: str) -> float:
    """A move in % as a fraction; -100% or below would leave no price to reprice."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not -100 < value <= 1000:
        raise Invalid(
            "Moves are numbers of % above -100 and up to 1000.", field=field, code="OUT_OF_RANGE"
        )
    return float(value) / 100


def _mapping(raw: object, field: str) -> dict[str, float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > 500:
        raise Invalid("Give an object of symbol: % pairs (at most 500).", field=field)
    return {str(k).upper(): _percent(v, field) for k, v in raw.items()}


@strawberry.type(
    name="ScenarioResult",
    description="P&L of the open positions under a scenario: each underlying moves by its own "
    "shock or by its factor betas, options are repriced in full by Black-Scholes-Merton at the "
    "new spot, volatility, rate and time.",
)
class ScenarioResultType:
    scenario: ScenarioType = strawberry.field(description="What was applied.")
    pnl: float = money_field(description="Dollars, summed over the repriced positions.")
    pnl_percent: float | None = strawberry.field(
        description="pnl as % of equity (5.0 = 5%); null when equity <= 0."
    )
    unpriced_positions: int = strawberry.field(
        description="Positions left out because their underlying has no market beta."
    )
    outcome: strawberry.Private[ScenarioOutcome]
    risk: strawberry.Private[BookRisk]

    @classmethod
    def of(
        cls, scenario: ScenarioType, outcome: ScenarioOutcome, risk: BookRisk
    ) -> ScenarioResultType:
        equity = risk.book.equity
        return cls(
            scenario=scenario,
            pnl=outcome.pnl,
            pnl_percent=outcome.pnl / equity * 100 if equity > 0 else None,
            unpriced_positions=outcome.unpriced,
            outcome=outcome,
            risk=risk,
        )

    @strawberry.field(description="Each repriced position's P&L, the largest |P&L| first.")
    def positions(
        self,
        limit: Annotated[
            int | None, strawberry.argument(description="At most this many (default all).")
        ] = None,
    ) -> list[ScenarioPositionPnl]:
        rows = self.outcome.positions[:limit] if limit is not None else self.outcome.positions
        return [ScenarioPositionPnl(pnl=pnl, position_id=pid, risk=self.risk) for pid, pnl in rows]


@strawberry.type(
    name="RiskProfile",
    description="P&L over a grid of underlying moves (columns) and valuation dates (rows), "
    "options repriced at each point, with the Greeks at each move today: a payoff diagram.",
)
class RiskProfileType:
    underlying: str | None = strawberry.field(
        description="The underlying; null for the whole book moved by each underlying's market "
        "beta times the move."
    )
    moves: list[float] = strawberry.field(description="Moves as fractions (-0.1 = down 10%).")
    dates: list[str] = strawberry.field(description="Valuation dates (ISO), one row each.")
    pnl: list[list[float]] = money_field(
        description="Dollars against today's value: pnl[date][move]."
    )
    delta: list[float] | None = strawberry.field(
        description="Share-equivalents at each move, today; null for the whole book, whose "
        "underlyings' shares do not add up (see `dollarDelta`)."
    )
    gamma: list[float] | None = strawberry.field(
        description="Delta change per $1 of the underlying, at each move; null for the whole book."
    )
    dollar_delta: list[float] = money_field(
        description="Dollars gained per further 1% of the move, at each move, today."
    )
    theta: list[float] = strawberry.field(description="Dollars per calendar day, at each move.")
    vega: list[float] = strawberry.field(description="Dollars per vol point, at each move.")


Window = Annotated[
    int,
    strawberry.argument(description="Trading days of history (20-252); default 90."),
]


@strawberry.type(description="One position's P&L in a scenario.")
class ScenarioPositionPnl:
    pnl: float = money_field(description="Dollars, options repriced in full.")
    position_id: strawberry.Private[uuid.UUID]
    risk: strawberry.Private[BookRisk]

    @strawberry.field(description="The position.")
    def position(self) -> Annotated[PositionNode, strawberry.lazy("sigmasight.graphql.types")]:
        from sigmasight.graphql.types import PositionNode

        book = self.risk.book
        return PositionNode.from_model(book.positions[self.position_id], book)


@strawberry.type
class RiskQuery:
    @strawberry.field(description="The 8 risk factors and their ETF proxies, market first.")
    def factor_definitions(self, info: Info) -> list[Factor]:
        info.context.require_actor()
        return factor_definitions()

    @strawberry.field(
        description="The stress scenarios `Portfolio.scenarios` can apply, with their shocks."
    )
    def scenario_templates(self, info: Info) -> list[ScenarioType]:
        info.context.require_actor()
        return [ScenarioType.of(t) for t in scenario_templates()]
