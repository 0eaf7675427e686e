"""Benchmark: Value at Risk of a 1,000-position book over 250 days of 40 underlyings' returns.

Run with `uv run python -m tests.benchmarks.bench_var`. Not a pytest test. One core (numpy
ufuncs and scipy's ndtr are single-threaded; the only BLAS calls are small matrix products).
Prints, as measured in this run (best of several repeats), in the engine alone (no database):

- historical simulation with full revaluation: `historical_pnl` (every option repriced by
  Black-Scholes-Merton at each of the 250 days' moved spots) plus `historical_var` at 95% and
  99% (VaR and CVaR), against the issue's target of 50 ms, and how much of it is the repricing;
- parametric (delta-normal) VaR: `covariance` of the 40 underlyings plus `parametric_var` at
  95% and 99%, given the book's dollar delta per underlying (the service has it from the Greeks).
"""

from __future__ import annotations

import numpy as np

from sigmasight.analytics.bsm import bsm
from sigmasight.analytics.revaluation import Holdings, position_pnl
from sigmasight.analytics.risk import (
    covariance,
    historical_pnl,
    historical_var,
    parametric_var,
)
from tests.benchmarks.timing import best_seconds, verdict

POSITIONS = 1_000
OPTION_SHARE = 0.60
UNDERLYINGS = 40
DAYS = 250
REPEATS = 20

TARGET_HISTORICAL_MS = 50.0


def random_book(seed: int = 2024) -> tuple[Holdings, np.ndarray, np.ndarray]:
    """1,000 positions (60% options, calls and puts, long and short) on 40 underlyings, today's
    spots, and 250 days of correlated daily returns with a few crash days."""
    rng = np.random.default_rng(seed)
    spot = rng.uniform(20.0, 600.0, UNDERLYINGS)
    underlying = rng.integers(0, UNDERLYINGS, POSITIONS).astype(np.intp)
    is_option = np.zeros(POSITIONS, dtype=np.bool_)
    is_option[rng.permutation(POSITIONS)[: round(POSITIONS * OPTION_SHARE)]] = True
    sign = np.where(rng.random(POSITIONS) < 0.7, 1.0, -1.0)
    shares = np.where(
        is_option,
        sign * rng.integers(1, 50, POSITIONS) * 100.0,
        sign * rng.integers(10, 2_000, POSITIONS),
    )
    holdings = Holdings(
        underlying=underlying,
        shares=shares.astype(np.float64),
        is_option=is_option,
        is_call=rng.random(POSITIONS) < 0.5,
        strike=spot[underlying] * rng.uniform(0.7, 1.3, POSITIONS),
        years=rng.uniform(3.0, 400.0, POSITIONS) / 365.0,
        vol=rng.uniform(0.15, 0.80, POSITIONS),
        dividend_yield=rng.uniform(0.0, 0.03, POSITIONS),
        rate=0.04,
    )
    market = rng.normal(0.0004, 0.011, DAYS)
    market[rng.choice(DAYS, 4, replace=False)] = [-0.07, -0.09, -0.05, 0.06]
    betas = rng.uniform(0.5, 1.6, UNDERLYINGS)
    moves = betas[:, None] * market[None, :] + rng.normal(0.0, 0.012, (UNDERLYINGS, DAYS))
    return holdings, spot, moves


def main() -> None:
    holdings, spot, moves = random_book()
    options = int(holdings.is_option.sum())
    print(
        f"{POSITIONS:,} positions ({options} options, {POSITIONS - options} stock lines) on "
        f"{UNDERLYINGS} underlyings x {DAYS} days, one core, best of {REPEATS} runs\n"
    )

    def historical() -> None:
        pnl = historical_pnl(holdings, spot, moves)
        historical_var(pnl, 0.95)
        historical_var(pnl, 0.99)

    option_book = holdings.subset(holdings.is_option)
    historical_seconds = best_seconds(historical, REPEATS)
    repricing_seconds = best_seconds(lambda: position_pnl(option_book, spot, moves), REPEATS)
    historical_ms = historical_seconds * 1e3
    pnl = historical_pnl(holdings, spot, moves)
    var95, var99 = historical_var(pnl, 0.95), historical_var(pnl, 0.99)
    print("historical simulation, full revaluation (historical_pnl + VaR/CVaR at 95% and 99%)")
    print(
        f"  total:              {historical_ms:8.2f} ms"
        f"   target <= {TARGET_HISTORICAL_MS:.0f} ms: "
        f"{verdict(historical_ms <= TARGET_HISTORICAL_MS)}"
    )
    print(
        f"  of which repricing: {repricing_seconds * 1e3:8.2f} ms"
        f" ({options * DAYS:,} option revaluations + today's {options})"
    )
    print(
        f"  VaR95 {var95.var:,.0f}  CVaR95 {var95.cvar:,.0f}"
        f"  VaR99 {var99.var:,.0f}  CVaR99 {var99.cvar:,.0f} dollars"
    )

    delta = bsm(
        holdings.is_call,
        spot[holdings.underlying],
        holdings.strike,
        holdings.years,
        holdings.rate,
        holdings.vol,
        holdings.dividend_yield,
    ).delta
    per_share = np.where(holdings.is_option, delta, 1.0)
    dollar_delta = np.zeros(UNDERLYINGS)
    np.add.at(
        dollar_delta, holdings.underlying, holdings.shares * per_share * spot[holdings.underlying]
    )

    def parametric() -> None:
        cov = covariance(moves)
        parametric_var(dollar_delta, cov, 0.95)
        parametric_var(dollar_delta, cov, 0.99)

    parametric_seconds = best_seconds(parametric, REPEATS)
    cov = covariance(moves)
    p95, p99 = parametric_var(dollar_delta, cov, 0.95), parametric_var(dollar_delta, cov, 0.99)
    print("\nparametric delta-normal (covariance of 40 underlyings + VaR/CVaR at 95% and 99%)")
    print(f"  total:              {parametric_seconds * 1e3:8.2f} ms   (no target)")
    print(
        f"  VaR95 {p95.var:,.0f}  CVaR95 {p95.cvar:,.0f}"
        f"  VaR99 {p99.var:,.0f}  CVaR99 {p99.cvar:,.0f} dollars"
    )


if __name__ == "__main__":
    main()
