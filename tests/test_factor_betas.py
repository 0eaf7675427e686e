from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from sigmasight.analytics.factors import (
    LOW_R2_BELOW,
    MIN_OBSERVATIONS,
    RIDGE_PENALTY,
    BetaQuality,
    factor_betas,
    simple_returns,
)

Float64Array = npt.NDArray[np.float64]

DAYS = 150
STYLES = 7  # MTUM VTV VUG QUAL IWM USMV TLT, as in the product


def market_and_styles(
    rng: np.random.Generator, days: int = DAYS, styles: int = STYLES
) -> tuple[Float64Array, Float64Array, Float64Array]:
    """Market returns (~1%/day), independent style spreads (~0.5%/day) and the raw style returns."""
    market = rng.normal(0.0003, 0.01, days)
    spreads = rng.normal(0.0, 0.005, (styles, days))
    factors = np.vstack([market, spreads + market])
    return market, spreads, factors


def plain_ols_betas(asset: Float64Array, factors: Float64Array) -> Float64Array:
    """Textbook OLS with an intercept on [1, market, style - market], by np.linalg.lstsq."""
    market = factors[0]
    design = np.column_stack([np.ones_like(market), market, (factors[1:] - market).T])
    coefficients, *_ = np.linalg.lstsq(design, asset, rcond=None)
    return np.asarray(coefficients[1:], dtype=np.float64)


def test_regression_recovers_the_betas_the_returns_were_built_with() -> None:
    # given: five assets with different market and style betas, plus idiosyncratic noise.
    # The noise is 0.03%/day: at 150 days a style beta's standard error is
    # noise / (0.5% x sqrt(150)), so the 1%/day of a real stock (standard error ~0.16) could not
    # be recovered to 0.05 by any estimator; the ridge bias (<= 0.3 x 0.05/1.05 = 0.014) is
    # inside the tolerance too.
    rng = np.random.default_rng(20240611)
    market, spreads, factors = market_and_styles(rng)
    true_betas = np.column_stack(
        [np.array([0.5, 0.9, 1.0, 1.4, 1.8]), rng.uniform(-0.3, 0.3, (5, STYLES))]
    )
    noise = rng.normal(0.0, 0.0003, (5, DAYS))
    assets = 0.0002 + true_betas[:, :1] * market + true_betas[:, 1:] @ spreads + noise
    # when
    result = factor_betas(assets, factors)
    # then
    np.testing.assert_allclose(result.betas, true_betas, rtol=0, atol=0.05)
    assert result.quality == [BetaQuality.OK] * 5
    np.testing.assert_array_equal(result.observations, [DAYS] * 5)
    assert np.all(result.r_squared > 0.99)


def test_an_asset_with_40_days_of_history_is_short_history_and_gets_no_beta() -> None:
    # given
    rng = np.random.default_rng(7)
    market, _, factors = market_and_styles(rng)
    listed_late = 1.2 * market + rng.normal(0.0, 0.01, DAYS)
    listed_late[: DAYS - 40] = np.nan
    # when
    result = factor_betas(listed_late[None, :], factors)
    # then
    assert result.quality == [BetaQuality.SHORT_HISTORY]
    assert result.observations[0] == 40
    assert np.isnan(result.betas).all()
    assert math.isnan(result.r_squared[0])


def test_an_asset_without_any_return_is_missing() -> None:
    # given
    rng = np.random.default_rng(8)
    market, _, factors = market_and_styles(rng)
    assets = np.vstack([np.full(DAYS, np.nan), market])
    # when
    result = factor_betas(assets, factors)
    # then
    assert result.quality[0] == BetaQuality.MISSING
    assert result.observations[0] == 0
    assert np.isnan(result.betas[0]).all()
    assert math.isnan(result.r_squared[0])
    assert result.quality[1] == BetaQuality.OK


def test_spy_regressed_on_itself_and_the_spreads_has_market_beta_one_and_no_style_beta() -> None:
    # given
    rng = np.random.default_rng(9)
    market, _, factors = market_and_styles(rng)
    # when
    result = factor_betas(market[None, :], factors)
    # then
    assert abs(result.betas[0, 0] - 1.0) <= 1e-9
    assert np.all(np.abs(result.betas[0, 1:]) <= 1e-9)
    assert abs(result.r_squared[0] - 1.0) <= 1e-12
    assert result.quality == [BetaQuality.OK]


def test_pure_noise_is_flagged_low_r2_with_its_betas_still_reported() -> None:
    # given
    rng = np.random.default_rng(10)
    _, _, factors = market_and_styles(rng)
    noise = rng.normal(0.0, 0.01, (1, DAYS))
    # when
    result = factor_betas(noise, factors)
    # then
    assert result.r_squared[0] < LOW_R2_BELOW
    assert result.quality == [BetaQuality.LOW_R2]
    assert np.isfinite(result.betas).all()


def test_without_collinearity_the_betas_are_ols_shrunk_by_the_documented_ridge_bias() -> None:
    # given: uncorrelated spreads and 20,000 days, where OLS needs no help
    rng = np.random.default_rng(11)
    days = 20_000
    market, spreads, factors = market_and_styles(rng, days=days)
    true_betas = np.array([1.1, 0.6, -0.4, 0.3, 0.0, -0.7, 0.5, 0.2])
    asset = true_betas[0] * market + true_betas[1:] @ spreads + rng.normal(0.0, 0.01, days)
    ols = plain_ols_betas(asset, factors)
    # when
    betas = factor_betas(asset[None, :], factors).betas[0]
    # then: the market beta is not penalised; each style beta is OLS x 1/(1 + lambda)
    assert betas[0] == pytest.approx(ols[0], abs=1e-3)
    bias = RIDGE_PENALTY / (1 + RIDGE_PENALTY) * np.abs(ols[1:])
    assert np.all(np.abs(betas[1:] - ols[1:]) <= bias + 1e-3)
    np.testing.assert_allclose(betas[1:], ols[1:] / (1 + RIDGE_PENALTY), rtol=0, atol=1e-3)


def test_nearly_collinear_spreads_share_the_beta_instead_of_exploding() -> None:
    # given: growth and a near-copy of it (correlation ~0.999); the asset loads 0.4 on growth only
    rng = np.random.default_rng(12)
    market = rng.normal(0.0, 0.01, DAYS)
    growth = rng.normal(0.0, 0.005, DAYS)
    near_copy = growth + rng.normal(0.0, 0.0002, DAYS)
    factors = np.vstack([market, market + growth, market + near_copy])
    asset = market + 0.4 * growth + rng.normal(0.0, 0.001, DAYS)
    # when
    betas = factor_betas(asset[None, :], factors).betas[0]
    # then: the pair's total is kept (less the small shrinkage) and split about evenly
    assert betas[0] == pytest.approx(1.0, abs=0.02)
    assert betas[1] + betas[2] == pytest.approx(0.4, abs=0.03)
    np.testing.assert_allclose(betas[1:], [0.2, 0.2], rtol=0, atol=0.03)


def test_only_days_where_the_asset_and_every_factor_are_finite_are_used() -> None:
    # given: the asset misses days 0-9, one style ETF misses days 5-14 and the market day 149
    rng = np.random.default_rng(13)
    market, spreads, factors = market_and_styles(rng)
    asset = 0.8 * market + 0.3 * spreads[2]
    asset[:10] = np.nan
    factors[3, 5:15] = np.nan
    factors[0, 149] = np.nan
    # when
    result = factor_betas(asset[None, :], factors)
    # then: days 15..148 are left, and the fit on them is exact up to the ridge shrinkage
    assert result.observations[0] == 134
    assert result.betas[0, 0] == pytest.approx(0.8, abs=0.02)
    assert result.betas[0, 3] == pytest.approx(0.3 / (1 + RIDGE_PENALTY), abs=0.02)


def test_a_style_etf_that_moves_exactly_with_spy_gets_beta_zero() -> None:
    # given: the third "style" is SPY itself, so its spread is identically zero
    rng = np.random.default_rng(14)
    market, spreads, _ = market_and_styles(rng, styles=2)
    factors = np.vstack([market, market + spreads[0], market + spreads[1], market])
    asset = 1.3 * market + 0.5 * spreads[0] + rng.normal(0.0, 0.001, DAYS)
    # when
    result = factor_betas(asset[None, :], factors)
    # then
    assert result.betas[0, 3] == 0.0
    assert result.betas[0, 0] == pytest.approx(1.3, abs=0.03)
    assert result.quality == [BetaQuality.OK]


def test_min_observations_is_the_short_history_threshold() -> None:
    # given: 60 usable days exactly, against a threshold of 60 and of 61
    rng = np.random.default_rng(15)
    market, _, factors = market_and_styles(rng)
    asset = 0.9 * market + rng.normal(0.0, 0.002, DAYS)
    asset[: DAYS - MIN_OBSERVATIONS] = np.nan
    # when
    at_threshold = factor_betas(asset[None, :], factors)
    above = factor_betas(asset[None, :], factors, min_observations=MIN_OBSERVATIONS + 1)
    # then
    assert at_threshold.quality == [BetaQuality.OK]
    assert above.quality == [BetaQuality.SHORT_HISTORY]


def test_mismatched_days_are_refused() -> None:
    # given
    assets = np.zeros((2, 100))
    factors = np.zeros((8, 99))
    # when / then
    with pytest.raises(ValueError, match="days"):
        factor_betas(assets, factors)


def test_simple_returns_match_a_hand_computation_with_gaps() -> None:
    # given
    closes = np.array(
        [
            [100.0, 110.0, 99.0, np.nan, 120.0, 126.0],
            [50.0, np.nan, 55.0, 44.0, 0.0, 10.0],
        ]
    )
    # when
    returns = simple_returns(closes)
    # then: 110/100-1, 99/110-1, gap, gap, 126/120-1; a zero close is bad data, not -100%
    expected = np.array(
        [
            [0.10, -0.10, np.nan, np.nan, 0.05],
            [np.nan, np.nan, -0.20, np.nan, np.nan],
        ]
    )
    np.testing.assert_allclose(returns, expected, rtol=1e-12, atol=0, equal_nan=True)
