"""Greeks, exposures and totals through the API, checked against numbers worked out by hand.

Prices are stored directly as bars, so every input is known: the underlying's close on the
valuation day, and option closes made with the Black-Scholes formula written out below (an
independent reference, not the engine under test).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.marketdata.models import DailyBar, Security
from tests.book_factory import bar_row
from tests.conftest import SignedIn
from tests.helpers import add_position, cents, create_portfolio, days_ago, occ_symbol

RATE = 0.04  # the settings' default risk-free rate
VALUATION_DAY = clock.today() - timedelta(days=1)

BOOK = """query($id: ID!) { portfolio(id: $id) {
  cash equity totalValue totalPnl analyticsFlags
  greeks { delta gamma theta vega rho dollarDelta dollarGamma }
  notional: exposures(basis: NOTIONAL) {
    basis long short gross net longPercent shortPercent grossPercent netPercent
    longCount shortCount limit targetRange { min max } status flags }
  delta: exposures(basis: DELTA_ADJUSTED) {
    basis long short gross net longPercent shortPercent grossPercent netPercent
    longCount shortCount limit status flags }
  positions(first: 50) { edges { node {
    symbol lastPrice marketValue unrealizedPnl notionalExposure deltaAdjustedExposure
    greeks { delta gamma theta vega rho dollarDelta dollarGamma }
    option { expiration valuationDate daysToExpiry yearsToExpiry impliedVolatility
             realizedVolatility volatility volatilitySource underlyingPrice riskFreeRate
             dividendYield }
    dataQuality { flags }
  } } }
} }"""

SET_CASH = """mutation($id: ID!, $cash: Float) {
  updatePortfolio(input: {id: $id, cash: $cash}) { __typename ... on UserError { message } } }"""

SET_LIMITS = """mutation($input: SetRiskLimitsInput!) {
  setRiskLimits(input: $input) { __typename ... on UserError { message } } }"""


def _n(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def black_scholes(call: bool, s: float, k: float, t: float, vol: float) -> dict[str, float]:
    """Textbook Black-Scholes (no dividends) per share: price, delta, gamma, vega per vol point."""
    d1 = (math.log(s / k) + (RATE + vol * vol / 2) * t) / (vol * math.sqrt(t))
    d2 = d1 - vol * math.sqrt(t)
    pdf = math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi)
    if call:
        price = s * _n(d1) - k * math.exp(-RATE * t) * _n(d2)
        delta = _n(d1)
    else:
        price = k * math.exp(-RATE * t) * _n(-d2) - s * _n(-d1)
        delta = _n(d1) - 1
    return {
        "price": price,
        "delta": delta,
        "gamma": pdf / (s * vol * math.sqrt(t)),
        "vega": s * pdf * math.sqrt(t) / 100,
    }


async def store_closes(app: Starlette, symbol: str, closes: dict[date, float]) -> None:
    rows = [bar_row(symbol, day, close) for day, close in closes.items()]
    async with app.state.engine.begin() as conn:
        await conn.execute(insert(DailyBar), rows)


async def store_close(app: Starlette, symbol: str, close: float, day: date = VALUATION_DAY) -> None:
    await store_closes(app, symbol, {day: close})


async def option_priced_at(
    app: Starlette, underlying: str, days: int, cp: str, strike: float, spot: float, vol: float
) -> tuple[str, dict[str, float]]:
    """An option symbol whose stored close is its Black-Scholes price at `vol`."""
    symbol = occ_symbol(underlying, days, cp, strike)
    expiry = clock.today() + timedelta(days=days)
    years = (expiry - VALUATION_DAY).days / 365
    reference = black_scholes(cp == "C", spot, strike, years, vol)
    reference["price"] = round(reference["price"], 6)  # as stored: six decimals
    await store_close(app, symbol, reference["price"])
    return symbol, reference


async def book(user: SignedIn, portfolio_id: str) -> dict[str, Any]:
    data = await user.api.gql(BOOK, {"id": portfolio_id})
    portfolio: dict[str, Any] = data["portfolio"]
    portfolio["by_symbol"] = {
        e["node"]["symbol"]: e["node"] for e in portfolio["positions"]["edges"]
    }
    return portfolio


async def hold(
    user: SignedIn, portfolio_id: str, symbol: str, quantity: float, price: float
) -> None:
    result = await add_position(
        user, portfolio_id, symbol=symbol, quantity=quantity, entryPrice=price
    )
    assert result["__typename"] == "AddPositionSuccess", result


async def test_covered_call_net_delta_is_shares_less_the_calls_delta(
    app: Starlette, alice: SignedIn
) -> None:
    # given: 100 AAPL at 200 and one short 210 call priced at 30% vol
    await store_close(app, "AAPL", 200.0)
    call, ref = await option_priced_at(app, "AAPL", 60, "C", 210.0, 200.0, 0.30)
    pid = await create_portfolio(alice)
    await hold(alice, pid, "AAPL", 100, 190.0)
    await hold(alice, pid, call, -1, 5.0)
    # when
    result = await book(alice, pid)
    # then
    option = result["by_symbol"][call]["option"]
    assert option["impliedVolatility"] == pytest.approx(0.30, abs=1e-6)
    assert option["volatilitySource"] == "IMPLIED"
    assert option["underlyingPrice"] == 200.0
    assert option["riskFreeRate"] == RATE
    assert option["dividendYield"] == 0.0
    assert option["valuationDate"] == VALUATION_DAY.isoformat()
    assert option["yearsToExpiry"] == pytest.approx(option["daysToExpiry"] / 365)
    assert result["greeks"]["delta"] == pytest.approx(100 - 100 * ref["delta"], rel=1e-7)
    assert result["greeks"]["dollarDelta"] == cents((100 - 100 * ref["delta"]) * 200.0)
    assert result["greeks"]["gamma"] == pytest.approx(-100 * ref["gamma"], rel=1e-7)
    assert result["greeks"]["dollarGamma"] == cents(-100 * ref["gamma"] * 200.0**2 * 0.01)


async def test_long_straddle_is_near_delta_neutral_and_long_gamma_and_vega(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a long call and a long put struck at the money
    await store_close(app, "MSFT", 400.0)
    call, call_ref = await option_priced_at(app, "MSFT", 45, "C", 400.0, 400.0, 0.25)
    put, put_ref = await option_priced_at(app, "MSFT", 45, "P", 400.0, 400.0, 0.25)
    pid = await create_portfolio(alice)
    await hold(alice, pid, call, 2, 10.0)
    await hold(alice, pid, put, 2, 10.0)
    # when
    result = await book(alice, pid)
    # then: the legs' deltas nearly cancel; gamma and vega add up
    greeks = result["greeks"]
    assert greeks["delta"] == pytest.approx(200 * (call_ref["delta"] + put_ref["delta"]), rel=1e-6)
    assert abs(greeks["delta"]) < 0.15 * 200
    assert greeks["gamma"] == pytest.approx(200 * (call_ref["gamma"] + put_ref["gamma"]), rel=1e-6)
    assert greeks["vega"] == pytest.approx(200 * (call_ref["vega"] + put_ref["vega"]), rel=1e-6)
    assert greeks["theta"] < 0


async def test_short_put_has_positive_delta_and_negative_gamma_and_vega(
    app: Starlette, alice: SignedIn
) -> None:
    # given
    await store_close(app, "NVDA", 150.0)
    put, ref = await option_priced_at(app, "NVDA", 30, "P", 140.0, 150.0, 0.45)
    pid = await create_portfolio(alice)
    await hold(alice, pid, put, -3, 4.0)
    # when
    greeks = (await book(alice, pid))["by_symbol"][put]["greeks"]
    # then
    assert greeks["delta"] == pytest.approx(-300 * ref["delta"], rel=1e-7)
    assert greeks["delta"] > 0
    assert greeks["gamma"] < 0
    assert greeks["vega"] < 0
    assert greeks["theta"] > 0  # a written option earns its decay


async def test_long_put_is_long_notional_but_short_delta_adjusted_exposure(
    app: Starlette, alice: SignedIn
) -> None:
    # given
    await store_close(app, "SPY", 600.0)
    put, ref = await option_priced_at(app, "SPY", 90, "P", 580.0, 600.0, 0.18)
    pid = await create_portfolio(alice)
    await hold(alice, pid, put, 5, 12.0)
    # when
    result = await book(alice, pid)
    # then
    position = result["by_symbol"][put]
    assert position["notionalExposure"] == pytest.approx(5 * 100 * 600.0)
    assert position["deltaAdjustedExposure"] == pytest.approx(500 * ref["delta"] * 600.0, rel=1e-7)
    assert result["notional"]["long"] == pytest.approx(300_000.0)
    assert result["delta"]["long"] == 0
    assert result["delta"]["short"] == pytest.approx(position["deltaAdjustedExposure"])
    assert (result["delta"]["longCount"], result["delta"]["shortCount"]) == (0, 1)


async def test_pairs_trade_net_exposure_is_long_leg_less_short_leg(
    app: Starlette, alice: SignedIn
) -> None:
    # given: long 1,000 GM at 50, short 2,000 F at 12
    await store_close(app, "GM", 50.0)
    await store_close(app, "F", 12.0)
    pid = await create_portfolio(alice)
    await hold(alice, pid, "GM", 1000, 45.0)
    await hold(alice, pid, "F", -2000, 11.0)
    # when
    result = await book(alice, pid)
    # then
    for basis in ("notional", "delta"):
        assert result[basis]["long"] == pytest.approx(50_000.0)
        assert result[basis]["short"] == pytest.approx(-24_000.0)
        assert result[basis]["gross"] == pytest.approx(74_000.0)
        assert result[basis]["net"] == pytest.approx(26_000.0)


async def test_five_position_book_with_cash_totals_and_percentages_by_hand(
    app: Starlette, alice: SignedIn
) -> None:
    # given: three stocks, a long call and a short put, and $100,000 cash
    await store_close(app, "AAPL", 200.0)
    await store_close(app, "JPM", 250.0)
    await store_close(app, "TSLA", 300.0)
    call, call_ref = await option_priced_at(app, "AAPL", 60, "C", 220.0, 200.0, 0.30)
    put, put_ref = await option_priced_at(app, "JPM", 60, "P", 240.0, 250.0, 0.25)
    pid = await create_portfolio(alice)
    assert (await alice.api.gql(SET_CASH, {"id": pid, "cash": 100_000}))["updatePortfolio"][
        "__typename"
    ] == "UpdatePortfolioSuccess"
    await hold(alice, pid, "AAPL", 500, 180.0)  # +100,000
    await hold(alice, pid, "JPM", 200, 230.0)  # +50,000
    await hold(alice, pid, "TSLA", -100, 320.0)  # -30,000
    await hold(alice, pid, call, 4, 3.0)  # 400 shares of AAPL
    await hold(alice, pid, put, -2, 6.0)  # 200 shares of JPM, written
    # when
    result = await book(alice, pid)
    # then: market value and equity
    call_value = 400 * call_ref["price"]
    put_value = -200 * put_ref["price"]
    total_value = 100_000 + 50_000 - 30_000 + call_value + put_value
    equity = 100_000 + total_value
    assert result["cash"] == 100_000
    assert result["totalValue"] == cents(total_value)
    assert result["equity"] == cents(equity)
    # notional: by side; the written put is short 200 x 250
    notional = result["notional"]
    long_n = 100_000 + 50_000 + 400 * 200.0
    short_n = -30_000 - 200 * 250.0
    assert notional["long"] == pytest.approx(long_n)
    assert notional["short"] == pytest.approx(short_n)
    assert notional["gross"] == pytest.approx(long_n - short_n)
    assert notional["net"] == pytest.approx(long_n + short_n)
    assert notional["longPercent"] == pytest.approx(long_n / equity * 100)
    assert notional["shortPercent"] == pytest.approx(short_n / equity * 100)
    assert notional["grossPercent"] == pytest.approx((long_n - short_n) / equity * 100)
    assert notional["netPercent"] == pytest.approx((long_n + short_n) / equity * 100)
    assert (notional["longCount"], notional["shortCount"]) == (3, 2)
    # delta-adjusted: the written put is long delta
    call_da = 400 * call_ref["delta"] * 200.0
    put_da = -200 * put_ref["delta"] * 250.0
    long_d = 100_000 + 50_000 + call_da + put_da
    assert put_da > 0
    delta = result["delta"]
    assert delta["long"] == pytest.approx(long_d, rel=1e-7)
    assert delta["short"] == pytest.approx(-30_000)
    assert delta["net"] == pytest.approx(long_d - 30_000, rel=1e-7)
    assert delta["netPercent"] == pytest.approx((long_d - 30_000) / equity * 100, rel=1e-7)
    assert (delta["longCount"], delta["shortCount"]) == (4, 1)
    assert result["analyticsFlags"] == []


IMPORT_POSITIONS = """
mutation($input: ImportPositionsInput!) { importPositions(input: $input) { __typename } }
"""


async def _import_position(user: SignedIn, pid: str, row: str) -> None:
    """Hold the `ticker,quantity,entry_price,entry_date` row; an import (unlike addPosition)
    takes an option that has already expired, as a broker statement lists one."""
    csv = "ticker,quantity,entry_price,entry_date\n" + row + "\n"
    result = await user.api.gql(IMPORT_POSITIONS, {"input": {"portfolioId": pid, "csv": csv}})
    assert result["importPositions"]["__typename"] == "ImportPositionsSuccess", result


async def test_expired_option_is_worth_intrinsic_at_expiry_with_zero_greeks(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a 200 call that expired 10 days before the valuation day with the stock at 220,
    # and the option's last stored quote (35.00) from before expiry
    expiry = VALUATION_DAY - timedelta(days=10)
    call = f"AAPL{expiry:%y%m%d}C00200000"
    await store_closes(app, "AAPL", {expiry - timedelta(days=1): 215.0, expiry: 220.0})
    await store_close(app, "AAPL", 230.0)
    await store_close(app, call, 35.0, expiry - timedelta(days=2))
    pid = await create_portfolio(alice)
    await _import_position(alice, pid, f"{call},2,8.0,{days_ago(40)}")
    # when
    position = (await book(alice, pid))["by_symbol"][call]
    # then
    assert position["lastPrice"] == 20.0
    assert position["marketValue"] == pytest.approx(2 * 100 * 20.0)
    assert position["unrealizedPnl"] == pytest.approx(2 * 100 * (20.0 - 8.0))
    assert position["greeks"] == dict.fromkeys(
        ("delta", "gamma", "theta", "vega", "rho", "dollarDelta", "dollarGamma"), 0.0
    )
    assert position["notionalExposure"] == 0
    assert "EXPIRED" in position["dataQuality"]["flags"]
    assert position["option"]["daysToExpiry"] == -10


async def test_unusable_option_price_falls_back_to_realized_volatility(
    app: Starlette, alice: SignedIn
) -> None:
    # given: 41 closes of the underlying, and a call quoted below its intrinsic value
    days = [VALUATION_DAY - timedelta(days=i) for i in range(40, -1, -1)]
    moves = np.r_[0.0, np.tile([0.01, -0.012, 0.007, -0.004], 10)]
    closes = np.round(100.0 * np.exp(np.cumsum(moves)), 6)  # as stored: six decimals
    await store_closes(app, "AMD", dict(zip(days, closes.tolist(), strict=True)))
    call = occ_symbol("AMD", 30, "C", 80.0)
    await store_close(app, call, 1.0)  # intrinsic is about 20
    pid = await create_portfolio(alice)
    await hold(alice, pid, call, 1, 2.0)
    # when
    position = (await book(alice, pid))["by_symbol"][call]
    # then: 30 daily log returns, sample deviation, x sqrt(252)
    expected = float(np.std(np.diff(np.log(closes))[-30:], ddof=1) * math.sqrt(252))
    option = position["option"]
    assert option["volatilitySource"] == "REALIZED"
    assert option["impliedVolatility"] is None
    assert option["realizedVolatility"] == pytest.approx(expected, rel=1e-12)
    assert option["volatility"] == option["realizedVolatility"]
    assert "OPTION_PRICE_OUT_OF_BOUNDS" in position["dataQuality"]["flags"]
    assert position["greeks"]["delta"] > 0.9 * 100


async def test_option_without_price_or_history_has_null_greeks_and_says_why(
    app: Starlette, alice: SignedIn
) -> None:
    # given: the underlying has one close and the option none
    await store_close(app, "ORCL", 180.0)
    call = occ_symbol("ORCL", 30, "C", 190.0)
    pid = await create_portfolio(alice)
    await hold(alice, pid, call, 1, 2.0)
    # when
    result = await book(alice, pid)
    # then
    position = result["by_symbol"][call]
    assert position["greeks"] is None
    assert position["marketValue"] is None
    assert position["deltaAdjustedExposure"] is None
    assert position["notionalExposure"] == pytest.approx(100 * 180.0)
    assert position["option"]["volatilitySource"] == "NONE"
    assert set(position["dataQuality"]["flags"]) == {"OPTION_PRICE_MISSING", "MISSING_VOLATILITY"}
    assert "INCOMPLETE" in result["analyticsFlags"]


async def test_exposure_status_follows_the_portfolios_limits(
    app: Starlette, alice: SignedIn
) -> None:
    # given: $100,000 long on $50,000 equity (cash -50,000): gross 200%, net 200%
    await store_close(app, "AAPL", 200.0)
    pid = await create_portfolio(alice)
    await alice.api.gql(SET_CASH, {"id": pid, "cash": -50_000})
    await hold(alice, pid, "AAPL", 500, 200.0)
    limits = {"portfolioId": pid, "grossLimitPercent": 210, "netTargetMinPercent": 0}
    cases = [
        ({**limits, "netTargetMaxPercent": 400}, "NEAR"),  # gross at 95% of its limit
        ({**limits, "grossLimitPercent": 300, "netTargetMaxPercent": 400}, "WITHIN"),
        ({**limits, "netTargetMaxPercent": 150}, "BREACHED"),  # net above the range
    ]
    for given, status in cases:
        result = await alice.api.gql(SET_LIMITS, {"input": given})
        assert result["setRiskLimits"]["__typename"] == "SetRiskLimitsSuccess", result
        # when
        notional = (await book(alice, pid))["notional"]
        # then
        assert notional["grossPercent"] == pytest.approx(200.0)
        assert notional["limit"] == given["grossLimitPercent"]
        assert notional["targetRange"] == {"min": 0, "max": given["netTargetMaxPercent"]}
        assert notional["status"] == status


async def test_percentages_are_null_and_flagged_when_equity_is_not_positive(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a $10,000 stock bought with $20,000 of margin debt
    await store_close(app, "KO", 100.0)
    pid = await create_portfolio(alice)
    await alice.api.gql(SET_CASH, {"id": pid, "cash": -20_000})
    await hold(alice, pid, "KO", 100, 70.0)
    # when
    result = await book(alice, pid)
    # then
    assert result["equity"] == pytest.approx(-10_000)
    assert result["notional"]["grossPercent"] is None
    assert "NON_POSITIVE_EQUITY" in result["notional"]["flags"]
    assert "NON_POSITIVE_EQUITY" in result["analyticsFlags"]


GROUPS = """query($id: ID!) { portfolio(id: $id) {
  positionGroups(by: STRATEGY) { label marketValue unrealizedPnl
    exposures(basis: DELTA_ADJUSTED) { net } greeks { delta vega } positions { symbol } }
  sectorExposures { sector positionCount marketValue exposures { gross } }
} }"""


async def test_groups_and_sectors_sum_their_positions(app: Starlette, alice: SignedIn) -> None:
    # given: a straddle on MSFT and a lone JPM holding
    await store_close(app, "MSFT", 400.0)
    await store_close(app, "JPM", 250.0)
    call, call_ref = await option_priced_at(app, "MSFT", 45, "C", 400.0, 400.0, 0.25)
    put, put_ref = await option_priced_at(app, "MSFT", 45, "P", 400.0, 400.0, 0.25)
    pid = await create_portfolio(alice)
    await hold(alice, pid, call, 1, 10.0)
    await hold(alice, pid, put, 1, 10.0)
    await hold(alice, pid, "JPM", 10, 200.0)
    # when
    data = (await alice.api.gql(GROUPS, {"id": pid}))["portfolio"]
    # then
    straddle = next(g for g in data["positionGroups"] if "straddle" in g["label"])
    assert straddle["marketValue"] == pytest.approx(100 * (call_ref["price"] + put_ref["price"]))
    assert straddle["greeks"]["delta"] == pytest.approx(
        100 * (call_ref["delta"] + put_ref["delta"]), rel=1e-6
    )
    assert straddle["exposures"]["net"] == pytest.approx(
        100 * (call_ref["delta"] + put_ref["delta"]) * 400.0, rel=1e-6
    )
    sectors = {s["sector"]: s for s in data["sectorExposures"]}
    assert sum(s["positionCount"] for s in sectors.values()) == 3
    assert sum(s["exposures"]["gross"] for s in sectors.values()) == pytest.approx(
        2 * 100 * 400.0 + 2_500.0
    )


async def test_option_past_its_expiry_is_expired_even_when_the_underlying_prices_lag(
    app: Starlette, alice: SignedIn
) -> None:
    # given: the underlying's last stored close is 20 days old, and the call expired 5 days ago
    stale_day = clock.today() - timedelta(days=20)
    expiry = clock.today() - timedelta(days=5)
    call = f"MSFT{expiry:%y%m%d}C00300000"
    await store_close(app, "MSFT", 320.0, stale_day)
    await store_close(app, call, 25.0, stale_day)
    pid = await create_portfolio(alice)
    await _import_position(alice, pid, f"{call},1,10.0,{days_ago(30)}")
    # when
    position = (await book(alice, pid))["by_symbol"][call]
    # then: intrinsic on the last close on or before expiry, never the stale quote
    assert "EXPIRED" in position["dataQuality"]["flags"]
    assert position["lastPrice"] == 20.0
    assert position["greeks"]["delta"] == 0


async def test_dividend_yield_from_the_security_master_prices_the_option(
    app: Starlette, alice: SignedIn
) -> None:
    # given: PEP yields 2% a year, and a call quoted at its Black-Scholes-Merton price at 25%
    await store_close(app, "PEP", 150.0)
    async with app.state.engine.begin() as conn:
        await conn.execute(
            insert(Security).values(symbol="PEP", dividend_yield=0.02, source="file")
        )
    call = occ_symbol("PEP", 90, "C", 155.0)
    years = (clock.today() + timedelta(days=90) - VALUATION_DAY).days / 365
    s, k, q, vol = 150.0, 155.0, 0.02, 0.25
    d1 = (math.log(s / k) + (RATE - q + vol * vol / 2) * years) / (vol * math.sqrt(years))
    d2 = d1 - vol * math.sqrt(years)
    price = s * math.exp(-q * years) * _n(d1) - k * math.exp(-RATE * years) * _n(d2)
    await store_close(app, call, round(price, 6))
    pid = await create_portfolio(alice)
    await hold(alice, pid, call, 1, 5.0)
    # when
    position = (await book(alice, pid))["by_symbol"][call]
    # then
    assert position["option"]["dividendYield"] == 0.02
    assert position["option"]["impliedVolatility"] == pytest.approx(vol, abs=1e-6)
    assert position["greeks"]["delta"] == pytest.approx(
        100 * math.exp(-q * years) * _n(d1), rel=1e-6
    )
