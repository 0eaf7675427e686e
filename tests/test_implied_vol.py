from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import pytest
from vollib.black_scholes_merton.implied_volatility import (
    implied_volatility as vollib_implied_volatility,
)

from sigmasight.analytics.bsm import bsm, bsm_price
from sigmasight.analytics.implied_vol import implied_volatility

Floats = npt.NDArray[np.float64]


def random_priced_contracts(
    count: int, seed: int
) -> tuple[npt.NDArray[np.bool_], Floats, Floats, Floats, Floats, Floats, Floats, Floats]:
    rng = np.random.default_rng(seed)
    is_call = rng.random(count) < 0.5
    spot = rng.uniform(5.0, 1000.0, count)
    strike = spot * np.exp(rng.uniform(np.log(0.3), np.log(3.0), count))
    years = rng.uniform(1.0 / 365.0, 3.0, count)
    rate = rng.uniform(0.0, 0.10, count)
    vol = rng.uniform(0.05, 2.0, count)
    dividend_yield = rng.uniform(0.0, 0.05, count)
    price = bsm_price(is_call, spot, strike, years, rate, vol, dividend_yield)
    return is_call, spot, strike, years, rate, vol, dividend_yield, price


def meaningful_vega(price: Floats, annual_vega: Floats) -> npt.NDArray[np.bool_]:
    # Where a 1-ulp change of the price moves the implied vol by more than ~1e-11, the vol is not
    # determined by the price to the precision the tests ask for (deep ITM, or a price of 1e-200).
    return (annual_vega >= 1e-5 * price) & (annual_vega >= 1e-6)


def test_price_to_implied_vol_to_price_round_trips_to_1e_9_on_random_contracts() -> None:
    # given
    is_call, spot, strike, years, rate, vol, dividend_yield, price = random_priced_contracts(
        10_000, seed=11
    )
    # when
    implied = implied_volatility(price, is_call, spot, strike, years, rate, dividend_yield)
    repriced = bsm_price(is_call, spot, strike, years, rate, implied, dividend_yield)
    # then
    annual_vega = 100 * bsm(is_call, spot, strike, years, rate, vol, dividend_yield).vega
    checked = meaningful_vega(price, annual_vega)
    assert checked.sum() > 9_000
    np.testing.assert_allclose(repriced[checked], price[checked], rtol=1e-9, atol=0)
    np.testing.assert_allclose(implied[checked], vol[checked], rtol=1e-9, atol=0)


def test_every_price_strictly_inside_the_no_arbitrage_bounds_solves_to_a_repricing_vol() -> None:
    # given: the same random book, including deep OTM prices of 1e-100 and deep ITM prices whose
    # time value is lost in rounding
    is_call, spot, strike, years, rate, _, dividend_yield, price = random_priced_contracts(
        10_000, seed=12
    )
    spot_pv = spot * np.exp(-dividend_yield * years)
    strike_pv = strike * np.exp(-rate * years)
    intrinsic = np.maximum(np.where(is_call, spot_pv - strike_pv, strike_pv - spot_pv), 0)
    upper = np.where(is_call, spot_pv, strike_pv)
    inside = (price > intrinsic) & (price < upper)
    # when
    implied = implied_volatility(price, is_call, spot, strike, years, rate, dividend_yield)
    # then
    np.testing.assert_array_equal(np.isnan(implied), ~inside)
    assert np.all(implied[inside] > 0)
    repriced = bsm_price(is_call, spot, strike, years, rate, implied, dividend_yield)
    np.testing.assert_allclose(repriced[inside], price[inside], rtol=1e-9, atol=0)


def test_implied_vol_agrees_with_vollib_where_vega_is_meaningful() -> None:
    # given
    is_call, spot, strike, years, rate, vol, dividend_yield, price = random_priced_contracts(
        3_000, seed=13
    )
    annual_vega = 100 * bsm(is_call, spot, strike, years, rate, vol, dividend_yield).vega
    checked = np.flatnonzero(meaningful_vega(price, annual_vega))
    reference = np.array(
        [
            vollib_implied_volatility(
                price[i],
                spot[i],
                strike[i],
                years[i],
                rate[i],
                dividend_yield[i],
                "c" if is_call[i] else "p",
            )
            for i in checked
        ]
    )
    # when
    implied = implied_volatility(price, is_call, spot, strike, years, rate, dividend_yield)
    # then
    assert checked.size > 2_500
    np.testing.assert_allclose(implied[checked], reference, rtol=1e-9, atol=0)


def test_textbook_price_recovers_the_volatility_that_generated_it() -> None:
    # given: vollib's docstring example, a 6-month ATM call at 20% vol worth 5.87602423383
    price = 5.87602423383
    # when
    implied = implied_volatility(price, True, 100.0, 100.0, 0.5, 0.01, 0.0)
    # then
    assert implied.shape == ()
    assert implied == pytest.approx(0.2, abs=1e-10)


@pytest.mark.parametrize(
    ("case", "price", "is_call", "years"),
    [
        ("put below discounted intrinsic", 9.0, False, 0.5),
        ("call above the discounted spot", 101.0, True, 0.5),
        ("put above the discounted strike", 115.0, False, 0.5),
        ("zero price", 0.0, True, 0.5),
        ("negative price", -1.0, True, 0.5),
        ("NaN price", np.nan, True, 0.5),
        ("infinite price", np.inf, True, 0.5),
        ("expired", 5.0, True, 0.0),
        ("negative years", 5.0, True, -0.1),
        ("NaN years", 5.0, True, np.nan),
    ],
)
def test_prices_without_an_implied_vol_give_nan_without_warnings(
    case: str, price: float, is_call: bool, years: float
) -> None:
    # given: spot 100, strike 110, no rates, so discounted intrinsic of the put is 10
    # when
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        implied = implied_volatility(price, is_call, 100.0, 110.0, years, 0.0, 0.0)
    # then
    assert np.isnan(implied), case


def test_all_invalid_inputs_in_one_array_give_nan_alongside_valid_ones() -> None:
    # given
    price = np.array([-1.0, 0.0, np.nan, 3.0, 500.0, 3.0])
    years = np.array([0.5, 0.5, 0.5, 0.0, 0.5, 0.5])
    # when
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        implied = implied_volatility(price, True, 100.0, 105.0, years, 0.03, 0.01)
    # then
    assert np.isnan(implied[:5]).all()
    assert implied[5] == pytest.approx(
        vollib_implied_volatility(3.0, 100.0, 105.0, 0.5, 0.03, 0.01, "c"), rel=1e-12
    )


def test_extreme_prices_either_solve_and_reprice_or_give_nan_never_garbage() -> None:
    # given: tails the random book rarely reaches; spot 100, rate 2%, dividend yield 1%
    is_call, strike, years, vol = (
        np.array([True, False, True, False, True, False, True, True, True]),
        np.array([300.0, 30.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]),
        np.array([1.0 / 365.0, 0.05, 5.0, 1e-6, 0.5, 0.5, 20.0, 0.5, 0.5]),
        np.array([0.5, 0.1, 3.0, 0.3, 0.01, 0.0005, 6.0, 0.0, 0.0005]),
    )
    price = bsm_price(is_call, 100.0, strike, years, 0.02, vol, 0.01)
    # ... plus far-OTM quotes that no listed vol produced
    is_call = np.append(is_call, [True, True, True])
    strike = np.append(strike, [150.0, 150.0, 150.0])
    years = np.append(years, [0.1, 0.1, 0.1])
    price = np.append(price, [1e-12, 1e-100, 1e-300])
    # when
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        implied = implied_volatility(price, is_call, 100.0, strike, years, 0.02, 0.01)
    # then: prices that underflowed to 0, or sit at the upper bound (600% vol for 20 years) or at
    # intrinsic (zero vol, or 0.05% vol on a forward 0.5% in the money) to the last bit, have no
    # implied vol ...
    assert np.isnan(implied[[0, 1, 6, 7, 8]]).all()
    # ... and every other price solves and reprices, including the 0.05% vol OTM put
    solved = [2, 3, 4, 5, 9, 10, 11]
    assert np.all(implied[solved] > 0)
    np.testing.assert_allclose(implied[[2, 3, 4, 5]], vol[[2, 3, 4, 5]], rtol=1e-9)
    repriced = bsm_price(is_call, 100.0, strike, years, 0.02, implied, 0.01)
    np.testing.assert_allclose(repriced[solved], price[solved], rtol=1e-9, atol=0)


def test_inputs_broadcast_and_the_result_keeps_their_shape() -> None:
    # given
    strikes = np.array([[90.0, 100.0, 110.0]])
    years = np.array([[0.25], [1.0]])
    prices = bsm_price(True, 100.0, strikes, years, 0.03, 0.35, 0.0)
    # when
    implied = implied_volatility(prices, True, 100.0, strikes, years, 0.03, 0.0)
    # then
    assert implied.shape == (2, 3)
    np.testing.assert_allclose(implied, 0.35, rtol=1e-12)
