"""Risk metrics of a book: return statistics, Value at Risk and correlations.

Pure: arrays in, numbers out, no I/O and no clock. Units:

- returns are daily SIMPLE returns as fractions (0.01 = +1%), oldest first;
- annual figures use ``TRADING_DAYS_PER_YEAR`` = 252 trading days;
- VaR and CVaR are dollars, a loss reported as a POSITIVE number (0 when the quantile is a gain).

Return statistics follow empyrical (Quantopian's, maintained as empyrical-reloaded) formula for
formula, so numbers match what a quant checks them against; NaN entries of a return series are
left out (as empyrical's nan-aware reductions do) and a figure that is undefined is NaN, never a
made-up number.

Value at Risk, two methods:

- HISTORICAL (historical simulation with full revaluation): each historical day's underlying
  returns are applied to TODAY's book; stock moves by shares x spot x return, options are repriced
  by Black-Scholes-Merton at the moved spot with volatility, rate and time to expiry held
  (`revaluation.position_pnl`). VaR is the empirical (1 - confidence) quantile of that P&L,
  numpy's default linear interpolation; CVaR (expected shortfall) is the mean P&L at or below
  that quantile.
- PARAMETRIC (delta-normal): the book is its dollar delta per underlying ``w``; with ``C`` the
  covariance of the underlyings' daily simple returns, the 1-day P&L is normal with zero mean and
  sigma = sqrt(w' C w); VaR = z sigma and CVaR = pdf(z) / (1 - c) sigma, z = N^-1(c).
  Gamma is ignored, which is why it understates the risk of short options in a crash.

Horizons longer than one day use square-root-of-time scaling: the 1-day figures times
sqrt(horizon_days) (i.i.d. daily P&L, no drift, book held constant).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri  # type: ignore[import-untyped]

from sigmasight.analytics.performance import drawdowns
from sigmasight.analytics.revaluation import Holdings, position_pnl

__all__ = [
    "HISTORICAL",
    "PARAMETRIC",
    "TRADING_DAYS_PER_YEAR",
    "ReturnStats",
    "VarResult",
    "average_correlation",
    "correlation",
    "covariance",
    "historical_pnl",
    "historical_var",
    "parametric_var",
    "return_stats",
]

Float64Array = npt.NDArray[np.float64]

TRADING_DAYS_PER_YEAR = 252
"""Annualisation: volatility x sqrt(252), mean daily return x 252, annual rate / 252."""

HISTORICAL = "HISTORICAL"
PARAMETRIC = "PARAMETRIC"

_INV_SQRT_2PI = 0.3989422804014326779399460599343818684758586311649
# empyrical treats a market variance below this as zero (no beta).
_TINY_VARIANCE = 1.0e-30


# --- return statistics -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnStats:
    """Statistics of a daily return series; NaN where undefined."""

    annualized_volatility: float
    """Sample standard deviation (ddof=1) of daily returns x sqrt(252), a fraction (0.2 = 20%)."""
    sharpe_ratio: float
    """mean(r - rf_daily) / stdev(r - rf_daily, ddof=1) x sqrt(252) (empyrical.sharpe_ratio)."""
    sortino_ratio: float
    """252 mean(r - rf_daily) / (sqrt(mean(min(r - rf_daily, 0)^2)) x sqrt(252))
    (empyrical.sortino_ratio); NaN when no day falls below the risk-free return."""
    max_drawdown: float
    """Largest peak-to-trough fall of the compounded series, starting from 1 before the first
    return, as a fraction <= 0 (empyrical.max_drawdown)."""
    beta: float
    """cov(r, m) / var(m) over the days where both are known (empyrical.beta)."""


def return_stats(
    returns: npt.ArrayLike, market_returns: npt.ArrayLike, *, risk_free_rate: float
) -> ReturnStats:
    """Volatility, Sharpe, Sortino, max drawdown and beta of daily simple returns (fractions).

    `market_returns` is the benchmark on the same days (same length). `risk_free_rate` is annual
    (0.04 = 4%); the daily rate is annual / 252. NaN entries are left out (pairwise for beta).
    Undefined figures are NaN: volatility, Sharpe, Sortino and beta with fewer than 2 returns;
    Sharpe when the excess returns do not vary; Sortino when no day is below the risk-free
    return (no downside: the ratio would be infinite); beta when the market does not vary;
    max drawdown with no return at all.
    """
    r_all = _vector(returns, "returns")
    m_all = _vector(market_returns, "market_returns")
    if r_all.shape != m_all.shape:
        raise ValueError(
            f"returns and market_returns differ in length: {r_all.size} vs {m_all.size}"
        )
    r = r_all[np.isfinite(r_all)]
    daily_rf = risk_free_rate / TRADING_DAYS_PER_YEAR
    nan = math.nan
    if r.size < 2:
        volatility = sharpe = sortino = nan
    else:
        # A constant series would otherwise show a deviation of a few ulps (its mean is rounded).
        constant = r.max() == r.min()
        volatility = (
            0.0 if constant else float(np.std(r, ddof=1)) * math.sqrt(TRADING_DAYS_PER_YEAR)
        )
        excess = r - daily_rf
        sharpe = _sharpe(excess)
        sortino = _sortino(excess)
    return ReturnStats(
        annualized_volatility=volatility,
        sharpe_ratio=sharpe,
        sortino_ratio=sortino,
        max_drawdown=_max_drawdown(r),
        beta=_beta(r_all, m_all),
    )


def _sharpe(excess: Float64Array) -> float:
    # A constant series has a sample deviation of a few ulps rather than 0 (the mean it is
    # centred on is rounded); test constancy directly, as empyrical does.
    if excess.max() == excess.min():
        return math.nan
    deviation = float(np.std(excess, ddof=1))
    return float(np.mean(excess)) / deviation * math.sqrt(TRADING_DAYS_PER_YEAR)


def _sortino(excess: Float64Array) -> float:
    downside = np.minimum(excess, 0.0)
    downside_risk = math.sqrt(float(np.mean(downside * downside))) * math.sqrt(
        TRADING_DAYS_PER_YEAR
    )
    if downside_risk == 0.0:
        return math.nan
    return float(np.mean(excess)) * TRADING_DAYS_PER_YEAR / downside_risk


def _max_drawdown(r: Float64Array) -> float:
    return float(np.min(drawdowns(r))) if r.size else math.nan


def _beta(r: Float64Array, m: Float64Array) -> float:
    both = np.isfinite(r) & np.isfinite(m)
    if both.sum() < 2:
        return math.nan
    y, x = r[both], m[both]
    centred = x - x.mean()
    variance = float(np.mean(centred * centred))
    if variance < _TINY_VARIANCE:
        return math.nan
    return float(np.mean(centred * y)) / variance


# --- value at risk -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VarResult:
    """Value at Risk and Conditional VaR (expected shortfall) of a book."""

    var: float
    """Dollars, a loss as a POSITIVE number; 0 when the quantile is a gain."""
    cvar: float
    """Dollars, mean loss at or beyond the VaR, positive (0 when that mean is a gain); >= var."""
    confidence: float
    """0.95 or 0.99: the probability that the loss does not exceed `var`."""
    horizon_days: int
    """Trading days; figures beyond 1 day are the 1-day ones x sqrt(horizon_days)."""
    method: str
    """"HISTORICAL" (historical simulation, full revaluation) or "PARAMETRIC" (delta-normal)."""


def historical_pnl(holdings: Holdings, spot: npt.ArrayLike, moves: npt.ArrayLike) -> Float64Array:
    """[days] dollar P&L of today's book under each historical day's underlying returns.

    `spot` is today's price per underlying [underlyings]; `moves` the daily simple returns of the
    underlyings [underlyings x days]. Stock P&L is shares x spot x return (linear, so computed
    exactly, without repricing); options are repriced in full by `revaluation.position_pnl` at
    the moved spot with volatility, rate and time to expiry held, against today's model value.
    A day on which a held underlying's return is NaN gives NaN; returns of underlyings the book
    does not hold are never read.
    """
    spots = _vector(spot, "spot")
    change = np.asarray(moves, dtype=np.float64)
    if change.ndim != 2 or change.shape[0] != spots.size:
        raise ValueError(
            f"moves must be [underlyings x days] with {spots.size} underlyings, "
            f"got shape {change.shape}"
        )
    pnl = np.zeros(change.shape[1])
    stock = ~holdings.is_option
    if stock.any():
        # Net stock dollars per held underlying, then one matrix-vector product over the days.
        held, where = np.unique(holdings.underlying[stock], return_inverse=True)
        dollars = np.zeros(held.size)
        np.add.at(dollars, where, holdings.shares[stock] * spots[holdings.underlying[stock]])
        pnl += dollars @ change[held]
    if holdings.is_option.any():
        options = holdings.subset(holdings.is_option)
        pnl += position_pnl(options, spots, change).sum(axis=0)
    return pnl


def historical_var(pnl: npt.ArrayLike, confidence: float, *, horizon_days: int = 1) -> VarResult:
    """Historical VaR and CVaR from a [days] series of 1-day dollar P&L.

    VaR = -(the (1 - confidence) quantile of the P&L, numpy's default linear interpolation);
    CVaR = -(mean of the P&L at or below that quantile). Both are floored at 0 (a gain is no
    loss) and scaled by sqrt(horizon_days) (square-root-of-time). NaN days are left out; with no
    day left both are NaN.
    """
    _check(confidence, horizon_days)
    values = _vector(pnl, "pnl")
    values = values[np.isfinite(values)]
    if values.size == 0:
        return VarResult(math.nan, math.nan, confidence, horizon_days, HISTORICAL)
    cutoff = float(np.quantile(values, 1.0 - confidence))
    # The interpolated quantile is never below the smallest P&L, so the tail is never empty.
    tail = float(np.mean(values[values <= cutoff]))
    scale = math.sqrt(horizon_days)
    return VarResult(
        var=max(-cutoff, 0.0) * scale,
        cvar=max(-tail, 0.0) * scale,
        confidence=confidence,
        horizon_days=horizon_days,
        method=HISTORICAL,
    )


def parametric_var(
    dollar_deltas: npt.ArrayLike,
    covariance: npt.ArrayLike,
    confidence: float,
    *,
    horizon_days: int = 1,
) -> VarResult:
    """Delta-normal VaR and CVaR.

    `dollar_deltas` [underlyings]: the book's dollar delta per underlying (sum of shares x delta
    x spot), dollars; `covariance` [underlyings x underlyings]: covariance of their daily simple
    returns. sigma = sqrt(w' C w); VaR = z sigma, CVaR = pdf(z) / (1 - confidence) sigma with
    z = N^-1(confidence) and zero mean; both x sqrt(horizon_days). NaN in, NaN out.
    """
    _check(confidence, horizon_days)
    w = _vector(dollar_deltas, "dollar_deltas")
    c = np.asarray(covariance, dtype=np.float64)
    if c.shape != (w.size, w.size):
        raise ValueError(f"covariance must be {w.size} x {w.size}, got shape {c.shape}")
    # An underlying with no delta adds nothing, even where its covariance is unknown (NaN).
    held = w != 0.0
    variance = float(w[held] @ c[np.ix_(held, held)] @ w[held])
    # A covariance estimated from data is positive semi-definite; rounding can still leave a
    # flat book a few ulps below zero. NaN stays NaN.
    sigma = 0.0 if variance < 0.0 else math.sqrt(variance)
    z = float(ndtri(confidence))
    density = math.exp(-0.5 * z * z) * _INV_SQRT_2PI
    scale = math.sqrt(horizon_days)
    return VarResult(
        var=max(z, 0.0) * sigma * scale,  # below 50% confidence the quantile is a gain
        cvar=density / (1.0 - confidence) * sigma * scale,
        confidence=confidence,
        horizon_days=horizon_days,
        method=PARAMETRIC,
    )


# --- covariance and correlation ------------------------------------------------------------


def covariance(returns: npt.ArrayLike) -> Float64Array:
    """[n x n] sample covariance (ddof=1) of [n x days] daily returns, over the days on which
    every series is finite; all NaN with fewer than two such days."""
    rows = _complete_days(returns)
    n = rows.shape[0]
    if rows.shape[1] < 2:
        return np.full((n, n), np.nan)
    centred = rows - rows.mean(axis=1, keepdims=True)
    result: Float64Array = (centred @ centred.T) / (rows.shape[1] - 1)
    return result


def correlation(returns: npt.ArrayLike) -> Float64Array:
    """[n x n] Pearson correlation of [n x days] daily returns, over the days on which every
    series is finite. A series that does not vary on those days has a NaN row and column
    (its diagonal too); the rest of the diagonal is exactly 1 and every entry is in [-1, 1]."""
    rows = _complete_days(returns)
    n = rows.shape[0]
    cov = covariance(rows)
    if rows.shape[1] < 2:
        return cov
    flat = rows.max(axis=1) == rows.min(axis=1)
    deviation = np.sqrt(np.diag(cov))
    deviation[flat] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        corr: Float64Array = cov / np.outer(deviation, deviation)
    np.clip(corr, -1.0, 1.0, out=corr)
    diagonal = np.arange(n)
    corr[diagonal[~flat], diagonal[~flat]] = 1.0
    return corr


def average_correlation(corr: npt.ArrayLike, weights: npt.ArrayLike) -> float:
    """Exposure-weighted average pairwise correlation.

    sum_{i != j} w_i w_j rho_ij / sum_{i != j} w_i w_j with w = |weights| (gross dollar
    exposure per asset). Pairs whose correlation is NaN (a series that does not vary) and
    assets with a zero or NaN weight are left out; NaN when fewer than two weighted assets
    remain with a defined correlation between them.
    """
    rho = np.asarray(corr, dtype=np.float64)
    w = np.abs(_vector(weights, "weights"))
    if rho.shape != (w.size, w.size):
        raise ValueError(f"corr must be {w.size} x {w.size}, got shape {rho.shape}")
    w = np.where(np.isfinite(w), w, 0.0)
    pair = np.outer(w, w)
    usable = np.isfinite(rho) & (pair > 0)
    np.fill_diagonal(usable, False)
    denominator = float(pair[usable].sum())
    if denominator == 0.0:
        return math.nan
    return float((pair[usable] * rho[usable]).sum()) / denominator


# --- helpers -----------------------------------------------------------------------------


def _vector(values: npt.ArrayLike, name: str) -> Float64Array:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _complete_days(returns: npt.ArrayLike) -> Float64Array:
    rows = np.asarray(returns, dtype=np.float64)
    if rows.ndim != 2:
        raise ValueError(f"returns must be [series x days], got shape {rows.shape}")
    complete: Float64Array = rows[:, np.all(np.isfinite(rows), axis=0)]
    return complete


def _check(confidence: float, horizon_days: int) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence}")
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
