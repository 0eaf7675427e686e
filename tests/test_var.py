"""Value at Risk: historical VaR/CVaR against quantiles written out in the test, delta-normal
VaR against its closed form, and full revaluation against delta-normal on a crash."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sigmasight.analytics.bsm import bsm, bsm_price
from sigmasight.analytics.revaluation import Holdings
from sigmasight.analytics.risk import (
    covariance,
    historical_pnl,
    historical_var,
    parametric_var,
)
from tests.book_factory import holdings_of

RATE = 0.04
# Standard normal quantiles from the tables (N^-1(0.95), N^-1(0.99)).
Z = {0.95: 1.6448536269514722, 0.99: 2.3263478740408408}


def book(*positions: dict[str, float | bool | int]) -> Holdings:
    """Holdings from position dicts: underlying (index), shares, and for options
    call/strike/years/vol; no dividends."""

    return holdings_of(positions, rate=RATE, dividend_yield=0.0)


def linear_quantile(values: np.ndarray, p: float) -> float:
    """The p-quantile with linear interpolation between order statistics, written out:
    position h = (n - 1) p in the sorted sample, between its floor and ceiling."""
    ordered = np.sort(values)
    h = (ordered.size - 1) * p
    below = math.floor(h)
    above = min(below + 1, ordered.size - 1)
    return float(ordered[below] + (h - below) * (ordered[above] - ordered[below]))


def seeded_pnl(days: int = 250, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_t(3, days) * 12_000.0 + 800.0


# --- historical ------------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.95, 0.99])
def test_historical_var_is_the_negated_empirical_quantile(confidence: float) -> None:
    # given 250 days of fat-tailed dollar P&L
    pnl = seeded_pnl()
    # when
    result = historical_var(pnl, confidence)
    # then VaR is minus the (1 - c) quantile and CVaR minus the mean of the days at or below it
    cutoff = linear_quantile(pnl, 1.0 - confidence)
    tail = pnl[pnl <= cutoff]
    assert result.var == pytest.approx(-cutoff, rel=1e-12)
    assert result.cvar == pytest.approx(-tail.mean(), rel=1e-12)
    assert result.cvar >= result.var > 0
    assert (result.confidence, result.horizon_days, result.method) == (
        confidence,
        1,
        "HISTORICAL",
    )


def test_historical_var_on_a_hundred_known_days() -> None:
    # given P&L of -100, -99, ..., -1 dollars (100 days)
    pnl = -np.arange(100.0, 0.0, -1.0)
    # when
    var95 = historical_var(pnl, 0.95)
    var99 = historical_var(pnl, 0.99)
    # then by hand: h = 99 x 0.05 = 4.95 -> -96 + 0.95 x 1 = -95.05; tail -100..-96
    assert var95.var == pytest.approx(95.05, rel=1e-14)
    assert var95.cvar == pytest.approx(98.0, rel=1e-14)
    # h = 0.99 -> -100 + 0.99 = -99.01; tail is the -100 day alone
    assert var99.var == pytest.approx(99.01, rel=1e-14)
    assert var99.cvar == pytest.approx(100.0, rel=1e-14)


@pytest.mark.parametrize("confidence", [0.95, 0.99])
def test_historical_var_scales_with_the_square_root_of_the_horizon(confidence: float) -> None:
    # given
    pnl = seeded_pnl()
    one_day = historical_var(pnl, confidence)
    # when
    ten_day = historical_var(pnl, confidence, horizon_days=10)
    # then
    assert ten_day.var == pytest.approx(one_day.var * math.sqrt(10), rel=1e-14)
    assert ten_day.cvar == pytest.approx(one_day.cvar * math.sqrt(10), rel=1e-14)
    assert ten_day.horizon_days == 10


def test_a_book_that_only_gains_has_zero_var() -> None:
    # given
    pnl = np.linspace(10.0, 500.0, 100)
    # when
    result = historical_var(pnl, 0.99)
    # then a gain is no loss
    assert result.var == 0.0
    assert result.cvar == 0.0


def test_nan_days_are_left_out_of_historical_var() -> None:
    # given
    pnl = seeded_pnl()
    holes = pnl.copy()
    holes[[5, 80]] = np.nan
    # then
    assert historical_var(holes, 0.99) == historical_var(np.delete(pnl, [5, 80]), 0.99)
    assert math.isnan(historical_var(np.full(3, np.nan), 0.95).var)


def test_confidence_and_horizon_are_checked() -> None:
    with pytest.raises(ValueError, match="confidence"):
        historical_var(seeded_pnl(), 99.0)
    with pytest.raises(ValueError, match="horizon"):
        parametric_var(np.ones(1), np.eye(1), 0.99, horizon_days=0)


# --- parametric ------------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.95, 0.99])
def test_parametric_var_matches_the_closed_form_on_two_assets(confidence: float) -> None:
    # given $1m of delta long A (1.5% daily vol) and $400k short B (2.2%), correlation 0.6
    a, b = 1_000_000.0, -400_000.0
    s1, s2, rho = 0.015, 0.022, 0.6
    cov = np.array([[s1 * s1, rho * s1 * s2], [rho * s1 * s2, s2 * s2]])
    # when
    result = parametric_var(np.array([a, b]), cov, confidence)
    ten_day = parametric_var(np.array([a, b]), cov, confidence, horizon_days=10)
    # then by hand
    sigma = math.sqrt(a**2 * s1**2 + b**2 * s2**2 + 2 * a * b * rho * s1 * s2)
    z = Z[confidence]
    pdf = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    assert result.var == pytest.approx(z * sigma, rel=1e-12)
    assert result.cvar == pytest.approx(pdf / (1 - confidence) * sigma, rel=1e-12)
    assert (result.confidence, result.horizon_days, result.method) == (
        confidence,
        1,
        "PARAMETRIC",
    )
    assert ten_day.var == pytest.approx(z * sigma * math.sqrt(10), rel=1e-12)
    assert ten_day.cvar == pytest.approx(result.cvar * math.sqrt(10), rel=1e-12)


def test_parametric_var_ignores_an_underlying_without_delta() -> None:
    # given a covariance whose second underlying is unknown, and no delta on it
    cov = np.array([[0.0004, np.nan], [np.nan, np.nan]])
    # when
    result = parametric_var(np.array([50_000.0, 0.0]), cov, 0.99)
    # then
    assert result.var == pytest.approx(Z[0.99] * 50_000.0 * 0.02, rel=1e-12)


# --- historical P&L with full revaluation ------------------------------------------------------


def test_stock_only_book_pnl_is_shares_times_spot_times_returns() -> None:
    # given 300 shares of an underlying at 187.31 and 250 days of its returns (two underlyings)
    rng = np.random.default_rng(3)
    moves = rng.normal(0.0, 0.015, (2, 250))
    spot = np.array([55.2, 187.31])
    holdings = book({"underlying": 1, "shares": 300.0})
    # when
    pnl = historical_pnl(holdings, spot, moves)
    # then exactly
    np.testing.assert_array_equal(pnl, 300.0 * 187.31 * moves[1])


def test_stock_book_pnl_adds_up_long_and_short_lines() -> None:
    # given long and short lines on two underlyings
    rng = np.random.default_rng(4)
    moves = rng.normal(0.0, 0.015, (3, 120))
    spot = np.array([55.2, 187.31, 12.0])
    holdings = book(
        {"underlying": 0, "shares": 1_000.0},
        {"underlying": 1, "shares": -250.0},
        {"underlying": 0, "shares": -400.0},
    )
    # when
    pnl = historical_pnl(holdings, spot, moves)
    # then
    expected = 600.0 * 55.2 * moves[0] - 250.0 * 187.31 * moves[1]
    np.testing.assert_allclose(pnl, expected, rtol=1e-12, atol=1e-9)


def test_option_pnl_is_the_bsm_repricing_at_each_days_move() -> None:
    # given a long call held over three historical days
    spot = np.array([100.0])
    moves = np.array([[-0.05, 0.0, 0.03]])
    holdings = book(
        {"underlying": 0, "shares": 200.0, "strike": 105.0, "call": True, "years": 0.25, "vol": 0.3}
    )
    # when
    pnl = historical_pnl(holdings, spot, moves)
    # then each day is the same option repriced at the moved spot, vol, rate and time held
    today = bsm_price(True, 100.0, 105.0, 0.25, RATE, 0.3, 0.0)
    for day, move in enumerate(moves[0]):
        moved = bsm_price(True, 100.0 * (1 + move), 105.0, 0.25, RATE, 0.3, 0.0)
        assert pnl[day] == pytest.approx(200.0 * (moved - today), rel=1e-12, abs=1e-9)
    assert pnl[1] == 0.0


def test_a_nan_return_of_an_unheld_underlying_does_not_reach_the_book() -> None:
    # given
    moves = np.array([[0.01, -0.02], [np.nan, np.nan]])
    holdings = book(
        {"underlying": 0, "shares": 10.0},
        {"underlying": 0, "shares": -1.0, "strike": 100.0, "years": 0.1, "vol": 0.2},
    )
    # when
    pnl = historical_pnl(holdings, np.array([100.0, 50.0]), moves)
    # then
    assert np.all(np.isfinite(pnl))


def crash_series(days: int = 250, seed: int = 2020) -> np.ndarray:
    """Mostly quiet days (0.8% daily vol) and five crash days of -8% to -12%."""
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.0003, 0.008, days)
    crash_days = rng.choice(days, 5, replace=False)
    returns[crash_days] = [-0.08, -0.09, -0.10, -0.11, -0.12]
    return returns


def test_short_put_historical_var_exceeds_delta_normal_on_a_crash_series() -> None:
    # given short 10 contracts of a 10%-out-of-the-money 30-day put (shares = -1000)
    spot = np.array([100.0])
    put = {"underlying": 0, "shares": -1_000.0, "strike": 90.0, "years": 30 / 365, "vol": 0.25}
    holdings = book(put)
    moves = crash_series()[None, :]
    # and its dollar delta from the engine: shares x BSM delta x spot (positive for a short put)
    delta = float(bsm(False, 100.0, 90.0, 30 / 365, RATE, 0.25, 0.0).delta)
    dollar_delta = np.array([-1_000.0 * delta * 100.0])
    # when
    pnl = historical_pnl(holdings, spot, moves)
    historical = historical_var(pnl, 0.99)
    delta_normal = parametric_var(dollar_delta, covariance(moves), 0.99)
    # then full revaluation sees the put go into the money; delta-normal does not
    assert dollar_delta[0] > 0
    assert historical.var > 2 * delta_normal.var
    assert historical.cvar > 2 * delta_normal.cvar
    # and the loss on the worst day is the repriced put, far beyond delta x move
    worst = int(np.argmin(moves[0]))
    repriced = bsm_price(False, 100.0 * (1 - 0.12), 90.0, 30 / 365, RATE, 0.25, 0.0)
    today = bsm_price(False, 100.0, 90.0, 30 / 365, RATE, 0.25, 0.0)
    assert pnl[worst] == pytest.approx(-1_000.0 * (repriced - today), rel=1e-12)
    assert -pnl[worst] > 2 * dollar_delta[0] * 0.12
