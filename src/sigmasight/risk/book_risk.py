"""Factor exposures, risk metrics, correlations, scenarios and risk profiles of a valued book.

`BookRisk` joins a `Book` (today's holdings, valued) with the return history of its
underlyings and the factor ETFs, and hands arrays to `analytics/`. Positions that cannot be
repriced (no price or volatility, or expired) are left out and counted in `excluded`, so every
answer can say it is partial; nothing is filled in.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property

import numpy as np
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.analytics.bsm import DAYS_PER_YEAR
from sigmasight.analytics.factors import BetaQuality, FactorBetas
from sigmasight.analytics.profile import RiskProfile, risk_profile
from sigmasight.analytics.revaluation import Holdings
from sigmasight.analytics.risk import (
    ReturnStats,
    VarResult,
    average_correlation,
    correlation,
    covariance,
    historical_pnl,
    historical_var,
    parametric_var,
    return_stats,
)
from sigmasight.analytics.scenarios import FACTOR_ETFS, Shock, scenario_pnl, underlying_moves
from sigmasight.instruments.occ import OptionType
from sigmasight.risk.history import ReturnHistory, load_returns
from sigmasight.risk.service import Book
from sigmasight.risk.valuation import OptionInputs, finite_or_none
from sigmasight.settings import Settings

BETA_WINDOW = 150  # trading days of returns behind each factor regression
MIN_RISK_OBSERVATIONS = 20  # fewer complete days than this: no risk metrics
COVERAGE = 0.9  # share of the window's days an underlying needs returns on to be measured


class RiskView(StrEnum):
    PORTFOLIO = "PORTFOLIO"
    LONGS = "LONGS"  # positions with positive delta-adjusted exposure
    SHORTS = "SHORTS"  # positions with negative delta-adjusted exposure


class VarMethod(StrEnum):
    HISTORICAL = "HISTORICAL"
    PARAMETRIC = "PARAMETRIC"


@dataclass(frozen=True, slots=True)
class FactorExposure:
    """The book's exposure to one factor."""

    name: str
    etf: str
    beta: float | None  # dollar_exposure / equity; None when equity <= 0
    dollar_exposure: float  # sum of delta-adjusted exposure x position beta, dollars
    r_squared: float | None  # |exposure|-weighted mean R² of the contributing underlyings
    observations: int  # fewest days behind a contributing beta
    quality: BetaQuality


@dataclass(frozen=True, slots=True)
class RiskMetrics:
    window: int
    view: RiskView
    method: VarMethod
    horizon_days: int
    observations: int  # complete days used
    stats: ReturnStats | None
    var95: VarResult | None
    var99: VarResult | None
    average_correlation: float | None
    excluded: int  # open positions left out (no price, no volatility, or expired)


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    id: str
    name: str
    pnl: float
    positions: list[tuple[uuid.UUID, float]]  # biggest contributors first
    unpriced: int  # positions whose move is unknown (no beta), left out of `pnl`


FACTOR_NAMES = {
    "SPY": "Market Beta",
    "MTUM": "Momentum",
    "VTV": "Value",
    "VUG": "Growth",
    "QUAL": "Quality",
    "IWM": "Size",
    "USMV": "Low Volatility",
    "TLT": "Interest Rate",
}


class BookRisk:
    """Risk of one valued book over the return history of its underlyings."""

    def __init__(self, book: Book, history: ReturnHistory, *, risk_free_rate: float) -> None:
        self.book = book
        self.history = history
        self.risk_free_rate = risk_free_rate
        self._metrics: dict[tuple[int, RiskView, VarMethod, int], RiskMetrics] = {}

    # --- holdings as arrays -------------------------------------------------------------
    @cached_property
    def _priced(self) -> tuple[list[uuid.UUID], list[str], Holdings, np.ndarray]:
        """Open positions that can be repriced, their underlyings, and spot per underlying."""
        positions = [
            p
            for p in self.book.open_positions
            if self.book.valuations[p.id].greeks is not None
            and not _expired(self.book.valuations[p.id].option)
        ]
        options = [self.book.valuations[p.id].option for p in positions]
        underlyings = sorted({p.underlying for p in positions})
        index = {s: i for i, s in enumerate(underlyings)}
        nan = float("nan")
        holdings = Holdings(
            underlying=np.array([index[p.underlying] for p in positions], dtype=np.intp),
            shares=np.array([float(p.quantity) * p.multiplier for p in positions]),
            is_option=np.array([o is not None for o in options], dtype=bool),
            is_call=np.array([p.option_type is OptionType.CALL for p in positions], dtype=bool),
            strike=np.array([float(p.strike) if p.strike is not None else nan for p in positions]),
            years=np.array([o.years_to_expiry if o else 0.0 for o in options]),
            vol=np.array([(o.volatility or nan) if o else nan for o in options]),
            dividend_yield=np.array([o.dividend_yield if o else 0.0 for o in options]),
            rate=self.book.market.risk_free_rate,
        )
        spot = np.array([float(self.book.prices[s].close) for s in underlyings])
        return [p.id for p in positions], underlyings, holdings, spot

    @property
    def valuation_day(self) -> date | None:
        """The latest close the priced underlyings are valued at."""
        _, underlyings, _, _ = self._priced
        return max((self.book.prices[s].day for s in underlyings), default=None)

    @property
    def excluded(self) -> int:
        return len(self.book.open_positions) - len(self._priced[0])

    def _delta_adjusted(self, ids: Sequence[uuid.UUID]) -> np.ndarray:
        values = [self.book.valuations[i].delta_adjusted_exposure for i in ids]
        return np.array([np.nan if v is None else v for v in values])

    # --- factors ----------------------------------------------------------------------------
    @cached_property
    def betas(self) -> FactorBetas:
        """Factor betas of each priced underlying over the last 150 trading days."""
        _, underlyings, _, _ = self._priced
        return self.history.factor_betas(underlyings, window=BETA_WINDOW)

    def market_beta_of(self, underlying: str) -> float | None:
        _, underlyings, _, _ = self._priced
        if underlying not in underlyings:
            return None
        beta = self.betas.betas[underlyings.index(underlying), 0]
        return finite_or_none(beta)

    def factor_exposures(self) -> list[FactorExposure]:
        """Exposure to each of the 8 factors: sum of delta-adjusted exposure x beta."""
        ids, _, holdings, _ = self._priced
        exposure = self._delta_adjusted(ids)
        position_betas = self.betas.betas[holdings.underlying]  # [positions x factors]
        position_r2 = self.betas.r_squared[holdings.underlying]
        position_obs = self.betas.observations[holdings.underlying]
        position_quality = [self.betas.quality[u] for u in holdings.underlying]
        has_beta = np.isfinite(position_betas[:, 0]) if len(ids) else np.zeros(0, dtype=bool)
        equity = self.book.equity
        weights = np.abs(exposure[has_beta])
        r2 = (
            float(np.sum(weights * position_r2[has_beta]) / np.sum(weights))
            if weights.sum() > 0
            else None
        )
        observations = int(position_obs[has_beta].min()) if has_beta.any() else 0
        quality = _book_quality(position_quality)
        result = []
        for column, etf in enumerate(FACTOR_ETFS):
            dollars = float(np.sum(exposure[has_beta] * position_betas[has_beta, column]))
            result.append(
                FactorExposure(
                    name=FACTOR_NAMES[etf],
                    etf=etf,
                    beta=dollars / equity if equity > 0 else None,
                    dollar_exposure=dollars,
                    r_squared=r2,
                    observations=observations,
                    quality=quality,
                )
            )
        return result

    def beta_adjusted_exposure(self, position_ids: Sequence[uuid.UUID] | None = None) -> float:
        """Sum of delta-adjusted exposure x market beta (to SPY), dollars; positions without a
        beta are left out."""
        ids, _, holdings, _ = self._priced
        wanted = None if position_ids is None else set(position_ids)
        total = 0.0
        exposure = self._delta_adjusted(ids)
        market = self.betas.betas[holdings.underlying, 0] if len(ids) else np.zeros(0)
        for k, position_id in enumerate(ids):
            if (wanted is None or position_id in wanted) and np.isfinite(market[k]):
                total += float(exposure[k] * market[k])
        return total

    def position_beta_adjusted(self, position_id: uuid.UUID) -> float | None:
        ids, _, holdings, _ = self._priced
        if position_id not in ids:
            return None
        k = ids.index(position_id)
        beta = self.betas.betas[holdings.underlying[k], 0]
        exposure = self._delta_adjusted([position_id])[0]
        return float(exposure * beta) if np.isfinite(beta) and np.isfinite(exposure) else None

    # --- risk metrics ---------------------------------------------------------------------
    def _view(self, view: RiskView) -> np.ndarray:
        ids, _, _, _ = self._priced
        exposure = self._delta_adjusted(ids)
        if view is RiskView.LONGS:
            return exposure > 0
        if view is RiskView.SHORTS:
            return exposure < 0
        return np.ones(len(ids), dtype=bool)

    def _window_returns(self, window: int) -> tuple[np.ndarray, np.ndarray]:
        """The priced underlyings' last `window` returns, and which of them have returns on
        enough of those days to be measured (see `COVERAGE`)."""
        _, underlyings, _, _ = self._priced
        returns = self.history.rows(underlyings)[:, -window:]
        return returns, np.isfinite(returns).sum(axis=1) >= COVERAGE * returns.shape[1]

    def risk_metrics(
        self, *, window: int, view: RiskView, method: VarMethod, horizon_days: int
    ) -> RiskMetrics:
        """Risk metrics of the book (see `_risk_metrics`), computed once per set of arguments."""
        key = (window, view, method, horizon_days)
        if key not in self._metrics:
            self._metrics[key] = self._risk_metrics(
                window=window, view=view, method=method, horizon_days=horizon_days
            )
        return self._metrics[key]

    def _risk_metrics(
        self, *, window: int, view: RiskView, method: VarMethod, horizon_days: int
    ) -> RiskMetrics:
        """Today's holdings applied to the last `window` days of their underlyings' returns.

        An underlying lacking returns on more than a tenth of the window (a recent listing, a
        gap in the data) would cut every other one's history short; its positions are left out
        instead and counted in `excluded`.
        """
        ids, underlyings, holdings, spot = self._priced
        returns, enough = self._window_returns(window)
        market = self.history.rows(["SPY"])[0, -window:]
        mask = self._view(view) & enough[holdings.underlying]
        used = np.isin(np.arange(len(underlyings)), holdings.underlying[mask])
        complete = np.all(np.isfinite(returns[used]), axis=0) & np.isfinite(market)
        moves = np.where(used[:, None], returns, 0.0)[:, complete]  # unused rows never read
        observations = int(complete.sum())
        excluded = self.excluded + int((self._view(view) & ~mask).sum())
        equity = self.book.equity
        if observations < MIN_RISK_OBSERVATIONS or not mask.any() or equity <= 0:
            return RiskMetrics(
                window, view, method, horizon_days, observations, None, None, None, None, excluded
            )
        held = holdings.subset(mask)
        held_ids = [i for i, keep in zip(ids, mask, strict=True) if keep]
        pnl = historical_pnl(held, spot, moves)
        stats = return_stats(pnl / equity, market[complete], risk_free_rate=self.risk_free_rate)
        # Every priced position has Greeks; dollar delta and gross exposure per underlying.
        dollar_delta = np.zeros(len(underlyings))
        greeks = [self.book.valuations[i].greeks for i in held_ids]
        np.add.at(dollar_delta, held.underlying, [g.dollar_delta for g in greeks if g])
        gross = np.zeros(len(underlyings))
        np.add.at(gross, held.underlying, np.abs(self._delta_adjusted(held_ids)))
        if method is VarMethod.HISTORICAL:
            var95 = historical_var(pnl, 0.95, horizon_days=horizon_days)
            var99 = historical_var(pnl, 0.99, horizon_days=horizon_days)
        else:
            cov = covariance(moves)
            var95 = parametric_var(dollar_delta, cov, 0.95, horizon_days=horizon_days)
            var99 = parametric_var(dollar_delta, cov, 0.99, horizon_days=horizon_days)
        avg = average_correlation(correlation(moves[used]), gross[used])
        return RiskMetrics(
            window,
            view,
            method,
            horizon_days,
            observations,
            stats,
            var95,
            var99,
            finite_or_none(avg),
            excluded,
        )

    def correlation_matrix(self, *, window: int, limit: int) -> tuple[list[str], np.ndarray, int]:
        """Correlations of the `limit` underlyings with the largest gross delta-adjusted
        exposure (among those with returns on 90% of the window), over the days where all of
        them have returns (labels, matrix, days used)."""
        ids, underlyings, holdings, _ = self._priced
        gross = np.zeros(len(underlyings))
        np.add.at(gross, holdings.underlying, np.abs(np.nan_to_num(self._delta_adjusted(ids))))
        returns, enough = self._window_returns(window)
        top = sorted([i for i in np.argsort(-gross, kind="stable") if enough[i]][:limit])
        labels = [underlyings[i] for i in top]
        rows = returns[top]
        complete = np.all(np.isfinite(rows), axis=0)
        return labels, correlation(rows[:, complete]), int(complete.sum())

    # --- scenarios and profiles -------------------------------------------------------------
    def scenario(self, scenario_id: str, name: str, shock: Shock) -> ScenarioOutcome:
        """P&L of the book under a shock, options repriced in full."""
        ids, underlyings, holdings, spot = self._priced
        moves = underlying_moves(shock, underlyings, self.betas.betas)
        pnl = scenario_pnl(holdings, spot, moves, shock)
        known = np.isfinite(pnl)
        order = np.argsort(-np.abs(np.where(known, pnl, 0.0)), kind="stable")
        contributors = [(ids[k], float(pnl[k])) for k in order if known[k]]
        return ScenarioOutcome(
            scenario_id,
            name,
            float(pnl[known].sum()),
            contributors,
            int((~known).sum()),
        )

    def risk_profile(
        self, *, underlying: str | None, moves: Sequence[float], dates: Sequence[date]
    ) -> RiskProfile | None:
        """P&L over a grid of moves x dates for one underlying's positions, or for the whole
        book moved by each underlying's market beta; None without such positions or a date."""
        _, underlyings, holdings, spot = self._priced
        valuation_day = self.valuation_day
        if valuation_day is None:
            return None
        if underlying is None:
            weights = self.betas.betas[:, 0].copy()
            mask = np.isfinite(weights[holdings.underlying])
        else:
            weights = np.array([1.0 if s == underlying else 0.0 for s in underlyings])
            mask = weights[holdings.underlying] > 0
        if not mask.any():
            return None
        days = [(d - valuation_day).days / DAYS_PER_YEAR for d in dates]
        return risk_profile(
            holdings.subset(mask),
            spot,
            np.nan_to_num(weights),
            np.asarray(moves, dtype=np.float64),
            np.asarray(days or [0.0], dtype=np.float64),
        )


def _expired(option: OptionInputs | None) -> bool:
    return option is not None and option.days_to_expiry < 0


def _book_quality(qualities: Sequence[BetaQuality]) -> BetaQuality:
    """The worst quality among the book's positions (MISSING when there are none)."""
    if not qualities:
        return BetaQuality.MISSING
    for worst in (BetaQuality.MISSING, BetaQuality.SHORT_HISTORY, BetaQuality.LOW_R2):
        if worst in qualities:
            return worst
    return BetaQuality.OK


async def load_book_risks(
    session: AsyncSession, redis: Redis, *, books: Sequence[Book], settings: Settings
) -> dict[uuid.UUID, BookRisk]:
    """Risk of these valued portfolios, by portfolio id (see `risks_of`)."""
    risks = await risks_of(session, redis, books=books, settings=settings)
    return {r.book.portfolio.id: r for r in risks}


async def risks_of(
    session: AsyncSession, redis: Redis, *, books: Sequence[Book], settings: Settings
) -> list[BookRisk]:
    """Risk of these valued books, in their order, over their underlyings' and the factor
    ETFs' returns, read in one query and ending on the latest close any of them is valued at."""
    if not books:
        return []
    symbols = set(FACTOR_ETFS) | {p.underlying for b in books for p in b.open_positions}
    end = max(
        (price.day for b in books for price in b.prices.values()), default=books[0].market.today
    )
    history = await load_returns(session, redis, symbols=sorted(symbols), end=end)
    # A book valued on an older close looks back from that close, not from the newest one.
    # Books valued on the same close share one history (and its factor regressions).
    histories: dict[date, ReturnHistory] = {}
    risks = []
    for b in books:
        day = max((p.day for p in b.prices.values()), default=end)
        if day not in histories:
            histories[day] = history.until(day)
        risks.append(BookRisk(b, histories[day], risk_free_rate=settings.risk_free_rate))
    return risks
