"""Risk profile: P&L grid over moves x dates and Greeks per move, checked against hand-computed
payoffs and Black-Scholes values."""

from __future__ import annotations

import numpy as np
import pytest

from sigmasight.analytics.bsm import bsm, bsm_price
from sigmasight.analytics.profile import risk_profile
from sigmasight.analytics.revaluation import Holdings
from tests.book_factory import holdings_of

RATE = 0.03
DIVIDEND = 0.01
MOVES = np.round(np.arange(-0.20, 0.2001, 0.05), 10)  # -20% .. +20%, 0 exactly in the middle
ZERO = int(np.flatnonzero(MOVES == 0.0)[0])


def book(*positions: dict[str, float | bool | int]) -> Holdings:
    return holdings_of(positions, rate=RATE, dividend_yield=DIVIDEND)


def test_long_stock_profile_is_a_straight_line() -> None:
    # given 300 shares at $150
    holdings = book({"shares": 300.0})
    # when profiled today and in two months
    profile = risk_profile(
        holdings, np.array([150.0]), np.ones(1), MOVES, np.array([0.0, 60 / 365])
    )
    # then P&L is shares x spot x move on every date, delta is the shares, other Greeks are 0
    expected = 300.0 * 150.0 * MOVES
    np.testing.assert_allclose(profile.pnl, np.vstack([expected, expected]), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(profile.delta, np.full(MOVES.size, 300.0))
    assert not profile.gamma.any() and not profile.theta.any() and not profile.vega.any()
    np.testing.assert_allclose(profile.dollar_delta, np.full(MOVES.size, 300.0 * 150.0 / 100))


def test_long_call_at_expiry_is_intrinsic_minus_premium() -> None:
    # given 2 call contracts struck at 105, 0.25 years out, spot 100
    years, strike, spot = 0.25, 105.0, 100.0
    holdings = book({"shares": 200.0, "strike": strike, "years": years, "vol": 0.3, "call": True})
    # when profiled today and at the expiry date
    profile = risk_profile(holdings, np.array([spot]), np.ones(1), MOVES, np.array([0.0, years]))
    # then at expiry P&L is intrinsic value minus today's premium, by hand
    premium = float(bsm_price(True, spot, strike, years, RATE, 0.3, DIVIDEND))
    intrinsic = np.maximum(spot * (1 + MOVES) - strike, 0.0)
    np.testing.assert_allclose(profile.pnl[1], (intrinsic - premium) * 200.0, rtol=1e-12, atol=1e-9)
    # and today the unmoved point is exactly 0
    assert profile.pnl[0, ZERO] == 0.0


def test_delta_at_no_move_equals_bsm_delta_times_shares() -> None:
    # given a long put and short calls on one underlying, plus stock
    holdings = book(
        {"shares": 100.0},
        {"shares": 300.0, "strike": 95.0, "years": 0.4, "vol": 0.25},
        {"shares": -200.0, "strike": 110.0, "years": 0.4, "vol": 0.22, "call": True},
    )
    # when profiled
    profile = risk_profile(holdings, np.array([100.0]), np.ones(1), MOVES, np.zeros(1))
    # then each Greek at move 0 is the BSM per-share Greek x shares, summed
    put = bsm(False, 100.0, 95.0, 0.4, RATE, 0.25, DIVIDEND)
    call = bsm(True, 100.0, 110.0, 0.4, RATE, 0.22, DIVIDEND)
    for name in ("delta", "gamma", "theta", "vega"):
        per_share_put, per_share_call = float(getattr(put, name)), float(getattr(call, name))
        stock = 100.0 if name == "delta" else 0.0
        expected = stock + per_share_put * 300.0 - per_share_call * 200.0
        assert getattr(profile, name)[ZERO] == pytest.approx(expected, rel=1e-12), name


def test_short_straddle_pnl_is_highest_at_no_move_today() -> None:
    # given a short at-the-money straddle
    holdings = book(
        {"shares": -100.0, "strike": 100.0, "years": 0.25, "vol": 0.25, "call": True},
        {"shares": -100.0, "strike": 100.0, "years": 0.25, "vol": 0.25},
    )
    # when profiled today and a month later
    profile = risk_profile(
        holdings, np.array([100.0]), np.ones(1), MOVES, np.array([0.0, 30 / 365])
    )
    # then today's P&L peaks at 0 (exactly 0 there) and every move loses; time decay earns
    today = profile.pnl[0]
    assert int(np.argmax(today)) == ZERO
    assert today[ZERO] == 0.0
    assert (np.delete(today, ZERO) < 0).all()
    assert profile.pnl[1, ZERO] > 0
    # and the position is short gamma, long theta
    assert profile.gamma[ZERO] < 0 < profile.theta[ZERO]


def test_move_weights_scale_each_underlyings_move() -> None:
    # given two stocks profiled against one market move with betas 1.0 and 0.5
    holdings = book({"underlying": 0, "shares": 10.0}, {"underlying": 1, "shares": 20.0})
    spot = np.array([400.0, 50.0])
    # when the market moves
    profile = risk_profile(holdings, spot, np.array([1.0, 0.5]), MOVES, np.zeros(1))
    # then each moves by its weight, and dollar delta adds them up in dollars
    np.testing.assert_allclose(profile.pnl[0], 10 * 400 * MOVES + 20 * 50 * 0.5 * MOVES, atol=1e-9)
    np.testing.assert_allclose(profile.dollar_delta, (10 * 400 + 20 * 50 * 0.5) / 100)


def test_dollar_delta_matches_the_slope_of_the_pnl_curve() -> None:
    # given a beta-weighted option book
    holdings = book(
        {"underlying": 0, "shares": 500.0, "strike": 420.0, "years": 0.3, "vol": 0.2},
        {
            "underlying": 1,
            "shares": -300.0,
            "strike": 180.0,
            "years": 0.1,
            "vol": 0.35,
            "call": True,
        },
    )
    spot, weights = np.array([410.0, 175.0]), np.array([1.0, 1.3])
    step = 1e-5
    # when profiled on a tiny grid around 0
    profile = risk_profile(holdings, spot, weights, np.array([-step, 0.0, step]), np.zeros(1))
    # then dollar delta is d pnl / d m per 1%
    slope = (profile.pnl[0, 2] - profile.pnl[0, 0]) / (2 * step) / 100
    assert profile.dollar_delta[1] == pytest.approx(slope, rel=1e-6)


def test_shape_of_the_grid_follows_dates_then_moves() -> None:
    holdings = book({"shares": 1.0, "strike": 100.0, "years": 1.0, "vol": 0.2, "call": True})
    dates = np.array([0.0, 0.1, 0.5])
    profile = risk_profile(holdings, np.array([100.0]), np.ones(1), MOVES, dates)
    assert profile.pnl.shape == (3, MOVES.size)
    # and each row is the repricing at that date: the at-the-money call loses time value
    assert profile.pnl[0, ZERO] == 0.0 > profile.pnl[1, ZERO] > profile.pnl[2, ZERO]
    np.testing.assert_array_equal(profile.years_passed, dates)
    np.testing.assert_array_equal(profile.moves, MOVES)


def test_mismatched_weights_are_refused() -> None:
    with pytest.raises(ValueError):
        risk_profile(book({"shares": 1.0}), np.array([100.0]), np.ones(2), MOVES, np.zeros(1))
