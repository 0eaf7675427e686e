from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from sigmasight.analytics.volatility import TRADING_DAYS_PER_YEAR, realized_volatility


def plain_realized_volatility(closes: list[float], window: int) -> float:
    prices = np.array(closes)
    returns = np.log(prices[1:] / prices[:-1])[-window:]
    deviations = returns - returns.mean()
    sample_variance = np.sum(deviations * deviations) / (returns.size - 1)
    return float(np.sqrt(sample_variance * 252))


def test_realized_volatility_is_the_annualised_sample_stdev_of_the_last_window_log_returns() -> (
    None
):
    # given
    rng = np.random.default_rng(3)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 300)))
    # when
    vol = realized_volatility(closes, window=20)
    # then
    assert TRADING_DAYS_PER_YEAR == 252
    assert vol == pytest.approx(plain_realized_volatility(list(closes), 20), rel=1e-12)


def test_only_the_last_window_returns_count() -> None:
    # given: a violent start followed by 21 calm closes
    calm = [100.0, 101.0, 100.5, 102.0, 101.0, 101.5, 103.0, 102.0, 102.5, 104.0, 103.0]
    calm += [103.5, 105.0, 104.0, 104.5, 106.0, 105.0, 105.5, 107.0, 106.0, 106.5]
    closes = np.array([10.0, 500.0, 3.0, *calm])
    # when
    vol = realized_volatility(closes, window=20)
    # then
    assert vol == pytest.approx(plain_realized_volatility(calm, 20), rel=1e-12)


def test_a_series_shorter_than_the_window_uses_every_return_it_has() -> None:
    # given
    closes = [100.0, 102.0, 99.0, 101.0]
    # when
    vol = realized_volatility(np.array(closes), window=60)
    # then
    assert vol == pytest.approx(plain_realized_volatility(closes, 3), rel=1e-12)


@pytest.mark.parametrize(
    ("closes", "window"),
    [([], 20), ([100.0], 20), ([100.0, 101.0], 20), ([100.0, 101.0, 102.0, 103.0], 1)],
)
def test_fewer_than_two_returns_give_nan(closes: list[float], window: int) -> None:
    # when
    vol = realized_volatility(np.array(closes, dtype=np.float64), window=window)
    # then
    assert math.isnan(vol)


def test_missing_or_non_positive_closes_give_nan_without_warnings() -> None:
    # given
    series = [np.array([100.0, np.nan, 101.0, 102.0]), np.array([100.0, 0.0, 101.0, 102.0])]
    # when
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vols = [realized_volatility(closes, window=10) for closes in series]
    # then
    assert all(math.isnan(vol) for vol in vols)


def test_a_window_below_one_return_is_a_programming_error() -> None:
    # when / then
    with pytest.raises(ValueError, match="window"):
        realized_volatility(np.array([100.0, 101.0, 102.0]), window=0)
