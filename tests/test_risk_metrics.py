"""Return statistics checked against empyrical-reloaded, and covariance / correlation /
average correlation checked against numpy and numbers worked out by hand."""

from __future__ import annotations

import math

import empyrical
import numpy as np
import pytest

from sigmasight.analytics.risk import (
    TRADING_DAYS_PER_YEAR,
    average_correlation,
    correlation,
    covariance,
    return_stats,
)

RISK_FREE = 0.04
DAILY_RF = RISK_FREE / 252


def seeded_series(days: int = 90, seed: int = 20_240_917) -> tuple[np.ndarray, np.ndarray]:
    """A book and a market with some drift, a beta of about 1.3 and fat-ish tails."""
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0004, 0.011, days)
    book = 0.0002 + 1.3 * market + rng.standard_t(4, days) * 0.006
    return book, market


@pytest.mark.parametrize("risk_free", [RISK_FREE, 0.0])
def test_return_stats_agree_with_empyrical_on_a_seeded_series(risk_free: float) -> None:
    # given 90 seeded daily returns of a book and of the market
    book, market = seeded_series()
    daily = risk_free / 252
    # when
    stats = return_stats(book, market, risk_free_rate=risk_free)
    # then every figure is empyrical-reloaded's to 1e-10
    expected = {
        "annualized_volatility": empyrical.annual_volatility(book, period="daily"),
        "sharpe_ratio": empyrical.sharpe_ratio(book, risk_free=daily, period="daily"),
        "sortino_ratio": empyrical.sortino_ratio(book, required_return=daily, period="daily"),
        "max_drawdown": empyrical.max_drawdown(book),
        "beta": empyrical.beta(book, market),
    }
    for name, value in expected.items():
        assert getattr(stats, name) == pytest.approx(value, rel=1e-10, abs=1e-12), name
    assert stats.max_drawdown < 0
    assert 1.0 < stats.beta < 1.6


def test_annualised_volatility_is_sample_deviation_times_root_252() -> None:
    # given
    book, market = seeded_series()
    # when
    stats = return_stats(book, market, risk_free_rate=RISK_FREE)
    # then
    assert TRADING_DAYS_PER_YEAR == 252
    assert stats.annualized_volatility == pytest.approx(np.std(book, ddof=1) * math.sqrt(252))


def test_max_drawdown_counts_a_first_day_loss_from_the_starting_value() -> None:
    # given +10%, -20%, +5%, -10%: wealth 1, 1.1, 0.88, 0.924, 0.8316
    returns = np.array([0.10, -0.20, 0.05, -0.10])
    # when
    stats = return_stats(returns, np.array([0.01, -0.02, 0.0, 0.01]), risk_free_rate=0.0)
    # then the worst fall is from the 1.1 peak to 0.8316
    assert stats.max_drawdown == pytest.approx(0.8316 / 1.1 - 1.0, rel=1e-12)
    # and a loss on the very first day is measured from the starting value
    first = return_stats(np.array([-0.05, 0.01]), np.array([0.0, 0.01]), risk_free_rate=0.0)
    assert first.max_drawdown == pytest.approx(-0.05, rel=1e-12)


def test_nan_returns_are_left_out_as_empyrical_does() -> None:
    # given the seeded series with two days missing in the book and one in the market
    book, market = seeded_series()
    book[[3, 40]] = np.nan
    market[10] = np.nan
    # when
    stats = return_stats(book, market, risk_free_rate=RISK_FREE)
    # then
    assert stats.sharpe_ratio == pytest.approx(
        empyrical.sharpe_ratio(book, risk_free=DAILY_RF), rel=1e-10
    )
    assert stats.max_drawdown == pytest.approx(empyrical.max_drawdown(book), rel=1e-10)
    assert stats.beta == pytest.approx(empyrical.beta(book, market), rel=1e-10)


def test_undefined_statistics_are_nan_not_numbers() -> None:
    # given a single return, a flat series, a series that never falls and a flat market
    one = return_stats(np.array([0.01]), np.array([0.02]), risk_free_rate=RISK_FREE)
    flat = return_stats(np.full(30, 0.001), np.linspace(-0.01, 0.01, 30), risk_free_rate=0.0)
    rising = return_stats(np.linspace(0.001, 0.01, 30), np.zeros(30), risk_free_rate=0.0)
    # then
    assert math.isnan(one.annualized_volatility)
    assert math.isnan(one.sharpe_ratio) and math.isnan(one.sortino_ratio)
    assert math.isnan(one.beta)
    assert one.max_drawdown == 0.0
    assert flat.annualized_volatility == 0.0
    assert math.isnan(flat.sharpe_ratio)
    assert flat.beta == pytest.approx(0.0, abs=1e-15)
    assert math.isnan(rising.sortino_ratio)  # no downside: infinite, reported as undefined
    assert math.isnan(rising.beta)  # the market did not move
    assert rising.max_drawdown == 0.0


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="length"):
        return_stats(np.zeros(10), np.zeros(9), risk_free_rate=0.0)


def test_covariance_and_correlation_use_only_days_where_every_series_is_known() -> None:
    # given three series over 60 days, one day missing in one of them
    rng = np.random.default_rng(7)
    returns = rng.normal(0.0, 0.01, (3, 60))
    returns[1] += 0.5 * returns[0]
    returns[2, 17] = np.nan
    complete = np.delete(returns, 17, axis=1)
    # when
    cov = covariance(returns)
    corr = correlation(returns)
    # then they are numpy's over the 59 complete days
    np.testing.assert_allclose(cov, np.cov(complete, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(corr, np.corrcoef(complete), rtol=1e-12)
    assert np.all(np.diag(corr) == 1.0)


def test_a_series_that_does_not_vary_has_a_nan_row_and_column() -> None:
    # given
    returns = np.array([[0.01, -0.02, 0.03, 0.0], [0.0, 0.0, 0.0, 0.0], [0.02, -0.01, 0.02, 0.01]])
    # when
    corr = correlation(returns)
    # then
    assert np.all(np.isnan(corr[1])) and np.all(np.isnan(corr[:, 1]))
    assert corr[0, 0] == 1.0 and corr[2, 2] == 1.0
    assert corr[0, 2] == pytest.approx(np.corrcoef(returns[[0, 2]])[0, 1], rel=1e-12)


def test_one_series_still_gives_a_matrix() -> None:
    # given
    returns = np.array([[0.01, -0.02, 0.03]])
    # then
    assert covariance(returns).shape == (1, 1)
    assert covariance(returns)[0, 0] == pytest.approx(np.var(returns, ddof=1))
    assert correlation(returns).tolist() == [[1.0]]


def test_average_correlation_weights_each_pair_by_both_exposures() -> None:
    # given three assets with correlations 0.5 (A,B), -0.2 (A,C), 0.8 (B,C)
    corr = np.array([[1.0, 0.5, -0.2], [0.5, 1.0, 0.8], [-0.2, 0.8, 1.0]])
    weights = np.array([100.0, -200.0, 300.0])  # a short is gross exposure too
    # when
    average = average_correlation(corr, weights)
    # then by hand: pairs weigh 100*200=20000, 100*300=30000, 200*300=60000
    expected = (20_000 * 0.5 + 30_000 * -0.2 + 60_000 * 0.8) / (20_000 + 30_000 + 60_000)
    assert average == pytest.approx(expected, rel=1e-15)
    assert average == pytest.approx(52_000 / 110_000, rel=1e-15)


def test_average_correlation_with_equal_weights_is_the_plain_mean_of_pairs() -> None:
    corr = np.array([[1.0, 0.5, -0.2], [0.5, 1.0, 0.8], [-0.2, 0.8, 1.0]])
    assert average_correlation(corr, np.ones(3)) == pytest.approx((0.5 - 0.2 + 0.8) / 3)


def test_average_correlation_needs_two_weighted_assets() -> None:
    # given a matrix where only one asset carries exposure, and one with an undefined pair
    corr = np.array([[1.0, 0.5, -0.2], [0.5, 1.0, 0.8], [-0.2, 0.8, 1.0]])
    nan_row = corr.copy()
    nan_row[1, :] = nan_row[:, 1] = np.nan
    # then
    assert math.isnan(average_correlation(corr, np.array([0.0, 0.0, 5.0])))
    assert math.isnan(average_correlation(corr[:1, :1], np.array([5.0])))
    # the undefined asset is left out: only the (A, C) pair remains
    assert average_correlation(nan_row, np.array([1.0, 1.0, 1.0])) == pytest.approx(-0.2)
