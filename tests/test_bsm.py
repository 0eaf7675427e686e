from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest
import vollib.black_scholes_merton.greeks.analytical as vollib_greeks
from vollib.black_scholes_merton import black_scholes_merton as vollib_price

from sigmasight.analytics.bsm import BsmResult, bsm, bsm_price

GREEKS = ("price", "delta", "gamma", "theta", "vega", "rho")
RELATIVE = 1e-9
# Below this magnitude a relative comparison measures rounding noise, so compare absolutely.
TINY = 1e-6
ABSOLUTE = 1e-12


@dataclass(frozen=True)
class Contracts:
    is_call: npt.NDArray[np.bool_]
    spot: npt.NDArray[np.float64]
    strike: npt.NDArray[np.float64]
    years: npt.NDArray[np.float64]
    rate: npt.NDArray[np.float64]
    vol: npt.NDArray[np.float64]
    dividend_yield: npt.NDArray[np.float64]

    def priced(self) -> BsmResult:
        return bsm(
            self.is_call,
            self.spot,
            self.strike,
            self.years,
            self.rate,
            self.vol,
            self.dividend_yield,
        )


def random_contracts(count: int, seed: int) -> Contracts:
    rng = np.random.default_rng(seed)
    spot = rng.uniform(5.0, 1000.0, count)
    return Contracts(
        is_call=rng.random(count) < 0.5,
        spot=spot,
        # log-uniform moneyness so deep ITM and deep OTM are as common as near the money
        strike=spot * np.exp(rng.uniform(np.log(0.3), np.log(3.0), count)),
        years=rng.uniform(1.0 / 365.0, 3.0, count),
        rate=rng.uniform(0.0, 0.10, count),
        vol=rng.uniform(0.05, 2.0, count),
        dividend_yield=rng.uniform(0.0, 0.05, count),
    )


@pytest.fixture(scope="module")
def contracts() -> Contracts:
    return random_contracts(10_000, seed=20240601)


def vollib_reference(contracts: Contracts) -> dict[str, npt.NDArray[np.float64]]:
    functions = {
        "price": vollib_price,
        "delta": vollib_greeks.delta,
        "gamma": vollib_greeks.gamma,
        "theta": vollib_greeks.theta,
        "vega": vollib_greeks.vega,
        "rho": vollib_greeks.rho,
    }
    reference = {name: np.empty(contracts.spot.size) for name in functions}
    for i in range(contracts.spot.size):
        args = (
            "c" if contracts.is_call[i] else "p",
            float(contracts.spot[i]),
            float(contracts.strike[i]),
            float(contracts.years[i]),
            float(contracts.rate[i]),
            float(contracts.vol[i]),
            float(contracts.dividend_yield[i]),
        )
        for name, function in functions.items():
            reference[name][i] = function(*args)
    return reference


def mismatches(
    actual: npt.NDArray[np.float64], expected: npt.NDArray[np.float64]
) -> npt.NDArray[np.intp]:
    error = np.abs(actual - expected)
    tiny = np.abs(expected) < TINY
    allowed = np.where(tiny, ABSOLUTE, RELATIVE * np.abs(expected))
    return np.flatnonzero(~(error <= allowed))


def test_price_and_greeks_agree_with_vollib_on_10000_random_contracts(
    contracts: Contracts,
) -> None:
    # given
    reference = vollib_reference(contracts)
    # when
    result = contracts.priced()
    # then
    for name in GREEKS:
        actual = getattr(result, name)
        bad = mismatches(actual, reference[name])
        assert bad.size == 0, (
            f"{name}: {bad.size} contracts differ from vollib, e.g. index {bad[0]}: "
            f"{actual[bad[0]]!r} vs {reference[name][bad[0]]!r}"
        )


def test_put_call_parity_holds_for_price_and_greeks_on_the_random_contracts(
    contracts: Contracts,
) -> None:
    # given
    c = contracts
    calls = bsm(True, c.spot, c.strike, c.years, c.rate, c.vol, c.dividend_yield)
    puts = bsm(False, c.spot, c.strike, c.years, c.rate, c.vol, c.dividend_yield)
    spot_pv = c.spot * np.exp(-c.dividend_yield * c.years)
    strike_pv = c.strike * np.exp(-c.rate * c.years)
    # when
    parity_gap = (calls.price - puts.price) - (spot_pv - strike_pv)
    # then
    assert np.max(np.abs(parity_gap)) <= 1e-9
    np.testing.assert_allclose(
        calls.delta - puts.delta, np.exp(-c.dividend_yield * c.years), rtol=1e-12
    )
    np.testing.assert_allclose(calls.gamma, puts.gamma, rtol=1e-12)
    np.testing.assert_allclose(calls.vega, puts.vega, rtol=1e-12)
    np.testing.assert_allclose(calls.rho - puts.rho, c.years * strike_pv / 100, rtol=1e-9)


def test_hull_example_17_call_matches_the_textbook_and_vollib_docstring_values() -> None:
    # given: Hull, Options, Futures and Other Derivatives, examples 17.1-17.7
    spot, strike, rate, years, vol, dividend_yield = 49.0, 50.0, 0.05, 0.3846, 0.20, 0.0
    # when
    call = bsm(True, spot, strike, years, rate, vol, dividend_yield)
    put = bsm(False, spot, strike, years, rate, vol, dividend_yield)
    # then: the textbook's rounded figures ...
    assert call.price == pytest.approx(2.40, abs=0.005)
    assert call.delta == pytest.approx(0.522, abs=0.0005)
    assert call.gamma == pytest.approx(0.066, abs=0.0005)
    assert call.theta * 365 == pytest.approx(-4.31, abs=0.005)
    assert call.vega == pytest.approx(0.121, abs=0.0005)  # 12.1 per unit of vol
    assert call.rho == pytest.approx(0.0891, abs=0.00005)  # 8.91 per unit of rate
    # ... and the unrounded values quoted in vollib's docstrings
    assert call.delta == pytest.approx(0.521601633972, abs=1e-11)
    assert call.gamma == pytest.approx(0.0655453772525, abs=1e-12)
    assert call.theta * 365 == pytest.approx(-4.30538996455, abs=1e-10)
    assert put.theta * 365 == pytest.approx(-1.8530056722, abs=1e-9)
    assert call.vega == pytest.approx(0.121052427542, abs=1e-11)
    assert call.rho == pytest.approx(0.089065740988, abs=1e-11)


def test_haug_put_with_dividend_yield_matches_the_published_price() -> None:
    # given: Haug, The Complete Guide to Option Pricing Formulas, p. 4
    spot, strike, years, rate, vol, dividend_yield = 100.0, 95.0, 0.5, 0.10, 0.20, 0.05
    # when
    price = bsm_price(False, spot, strike, years, rate, vol, dividend_yield)
    # then
    assert price == pytest.approx(2.4648, abs=5e-5)


def test_bsm_price_is_the_price_that_bsm_returns(contracts: Contracts) -> None:
    # given
    c = contracts
    # when
    price = bsm_price(c.is_call, c.spot, c.strike, c.years, c.rate, c.vol, c.dividend_yield)
    # then
    np.testing.assert_array_equal(price, c.priced().price)


def test_expired_and_zero_vol_contracts_get_intrinsic_value_and_zero_greeks() -> None:
    # given: ITM call, OTM call, ITM put, OTM put, ATM call; expired, then alive with zero vol
    is_call = np.array([True, True, False, False, True])
    strike = np.array([90.0, 110.0, 110.0, 90.0, 100.0])
    for years, vol in ((0.0, 0.3), (-0.01, 0.3), (0.5, 0.0), (0.5, -0.1)):
        # when
        result = bsm(is_call, 100.0, strike, years, 0.05, vol, 0.02)
        # then
        np.testing.assert_array_equal(result.price, [10.0, 0.0, 10.0, 0.0, 0.0])
        np.testing.assert_array_equal(result.delta, [1.0, 0.0, -1.0, 0.0, 0.0])
        for name in ("gamma", "theta", "vega", "rho"):
            np.testing.assert_array_equal(getattr(result, name), np.zeros(5))


def test_scalars_and_arrays_broadcast_to_one_result_shape() -> None:
    # given
    spots = np.array([[90.0], [100.0], [110.0]])
    strikes = np.array([95.0, 105.0])
    # when
    result = bsm(np.array([True, False]), spots, strikes, 0.25, 0.04, 0.3, 0.0)
    # then
    for name in GREEKS:
        assert getattr(result, name).shape == (3, 2)
    expected = bsm(False, 110.0, 105.0, 0.25, 0.04, 0.3, 0.0)
    assert result.theta[2, 1] == expected.theta
    assert result.gamma[0, 0] == bsm(True, 90.0, 95.0, 0.25, 0.04, 0.3, 0.0).gamma


def test_extreme_but_finite_positive_inputs_never_produce_nan_or_warnings() -> None:
    # given
    grid = np.meshgrid(
        [True, False],
        [1e-3, 1.0, 100.0, 1e6],  # spot
        [1e-3, 1.0, 100.0, 1e6],  # strike
        [1e-12, 1.0 / 365.0, 1.0, 100.0],  # years
        [0.0, 0.05, 1.0],  # rate
        [1e-8, 0.2, 10.0, 1e3],  # vol
        [0.0, 0.05],  # dividend yield
        indexing="ij",
    )
    is_call, spot, strike, years, rate, vol, dividend_yield = (axis.ravel() for axis in grid)
    # when
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = bsm(is_call.astype(bool), spot, strike, years, rate, vol, dividend_yield)
    # then
    for name in GREEKS:
        assert not np.isnan(getattr(result, name)).any(), name
    assert np.all(result.price >= 0)
    assert np.all(np.where(is_call, result.delta >= 0, result.delta <= 0))
    assert np.all(result.gamma >= 0)
    assert np.all(result.vega >= 0)


def test_deep_out_of_the_money_puts_keep_full_relative_precision() -> None:
    # given: a put so far out of the money that 1 - N(d) would round to zero
    spot, strike, years, rate, vol = 100.0, 40.0, 0.1, 0.01, 0.2
    # when
    result = bsm(False, spot, strike, years, rate, vol, 0.0)
    # then
    expected_price = vollib_price("p", spot, strike, years, rate, vol, 0.0)
    assert 0 < expected_price < 1e-40
    assert result.price == pytest.approx(expected_price, rel=1e-9)
    assert result.delta == pytest.approx(
        vollib_greeks.delta("p", spot, strike, years, rate, vol, 0.0), rel=1e-9
    )
