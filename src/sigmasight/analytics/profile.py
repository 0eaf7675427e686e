"""Risk profile (a broker's "analyze" view): book P&L on a grid of underlying moves x valuation
dates, options repriced at every point, plus the book's Greeks at each move.

Pure: arrays in, numbers out. Each underlying i moves by ``move_weights[i] * m`` for every ``m``
in `moves`: weights of 1 on one underlying (0 elsewhere) give a single-underlying profile; market
betas as weights give a whole book mapped onto one market move. At each (move, date) the options
are repriced by Black-Scholes-Merton through `revaluation.position_pnl` with the time passed
(volatility and rate held); an option that has expired by a date is worth its intrinsic value.
P&L is against today's model value, so the (0 move, today) point is exactly 0. Stock carries no
dividends or financing over time.

Greeks are "today" (no time passed) at each moved spot, summed over positions: per-share BSM
Greeks x shares for options (shares = signed quantity x multiplier), and delta = shares for
stock. Delta and gamma are share-equivalents per underlying, so their sums only mean something
for a single-underlying profile; `dollar_delta` is the sum that compares across underlyings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sigmasight.analytics.bsm import bsm
from sigmasight.analytics.revaluation import Holdings, position_pnl

__all__ = ["RiskProfile", "risk_profile"]

Float64Array = npt.NDArray[np.float64]

_PER_PERCENT = 0.01


@dataclass(frozen=True, slots=True)
class RiskProfile:
    """P&L grid and Greeks of a book; see the module docstring for the model."""

    moves: Float64Array
    """[M] simple returns of the profile's underlying(s), e.g. -0.2..0.2."""
    years_passed: Float64Array
    """[D] years from the valuation date for each requested date (0 = today)."""
    pnl: Float64Array
    """[D x M] dollars: book P&L against today at each date (row) and move (column)."""
    delta: Float64Array
    """[M] position delta in share-equivalents at each move, today."""
    gamma: Float64Array
    """[M] change of `delta` per $1 move of the underlying, at each move, today."""
    theta: Float64Array
    """[M] dollars per calendar day, at each move, today."""
    vega: Float64Array
    """[M] dollars per 1 volatility point, at each move, today."""
    dollar_delta: Float64Array
    """[M] dollars per +0.01 of m (a further 1% move of the profile), at each move, today:
    sum of delta x weight x today's spot / 100, i.e. d pnl / d m / 100. Unlike `delta` it adds up
    across underlyings (the beta-weighted delta of a whole book, in dollars)."""


def risk_profile(
    holdings: Holdings,
    spot: npt.ArrayLike,
    move_weights: npt.ArrayLike,
    moves: npt.ArrayLike,
    years_passed: npt.ArrayLike,
) -> RiskProfile:
    """P&L of `holdings` on the grid `years_passed` [D] x `moves` [M], and Greeks at each move.

    `spot` [underlyings] in dollars; underlying i moves by `move_weights[i] * m` (weights = 1 for a
    single-underlying profile, = market beta for a beta-mapped whole book); `years_passed` are
    years after today (ACT/365) at which to value. Options are repriced at each (move, date) via
    `revaluation.position_pnl`; Greeks come from `bsm.bsm` (per-share Greeks x shares; stock delta
    = shares), summed over positions. A NaN weight gives NaN wherever a position depends on it.
    """
    base = np.asarray(spot, dtype=np.float64)
    weights = np.asarray(move_weights, dtype=np.float64)
    grid_moves = np.asarray(moves, dtype=np.float64).reshape(-1)
    dates = np.asarray(years_passed, dtype=np.float64).reshape(-1)
    if weights.shape != base.shape or base.ndim != 1:
        raise ValueError(
            f"spot and move_weights must be [underlyings]: {base.shape}, {weights.shape}"
        )
    if np.any(dates < 0):
        raise ValueError("years_passed must not be negative")
    count, days = grid_moves.size, dates.size

    # Every (date, move) pair is one scenario column: column d * M + j is move j at date d.
    per_move = weights[:, None] * grid_moves[None, :]  # [underlyings x M]
    pnl = position_pnl(
        holdings,
        base,
        np.tile(per_move, (1, days)),
        years_passed=np.repeat(dates, count),
    )
    grid = pnl.sum(axis=0).reshape(days, count)

    delta, gamma, theta, vega, dollar_delta = _greeks(holdings, base, weights, grid_moves)
    return RiskProfile(
        moves=grid_moves,
        years_passed=dates,
        pnl=grid,
        delta=delta,
        gamma=gamma,
        theta=theta,
        vega=vega,
        dollar_delta=dollar_delta,
    )


def _greeks(
    holdings: Holdings, spot: Float64Array, weights: Float64Array, moves: Float64Array
) -> tuple[Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]:
    """Book delta, gamma, theta, vega and dollar delta at each move, today ([M] each)."""
    where = holdings.underlying
    shares = holdings.shares[:, None]
    today_spot = spot[where][:, None]
    weight = weights[where][:, None]
    moved = today_spot * (1.0 + weight * moves[None, :])  # [positions x M]

    delta = np.broadcast_to(shares, moved.shape).copy()  # stock: one share-equivalent per share
    gamma = np.zeros_like(moved)
    theta = np.zeros_like(moved)
    vega = np.zeros_like(moved)
    options = np.flatnonzero(holdings.is_option)
    if options.size:
        greeks = bsm(
            holdings.is_call[options, None],
            moved[options],
            holdings.strike[options, None],
            holdings.years[options, None],
            holdings.rate,
            holdings.vol[options, None],
            holdings.dividend_yield[options, None],
        )
        held = shares[options]
        delta[options] = greeks.delta * held
        gamma[options] = greeks.gamma * held
        theta[options] = greeks.theta * held
        vega[options] = greeks.vega * held
    # d pnl / d m = sum delta x dS/dm, and dS/dm = today's spot x weight.
    dollars = delta * today_spot * weight * _PER_PERCENT
    return (
        delta.sum(axis=0),
        gamma.sum(axis=0),
        theta.sum(axis=0),
        vega.sum(axis=0),
        dollars.sum(axis=0),
    )
