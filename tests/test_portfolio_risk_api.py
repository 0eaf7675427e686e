"""Factor exposures, risk metrics, correlations, scenarios and risk profiles through the API.

Histories are stored directly: seeded random walks for the factor ETFs and a few stocks over
the trading days up to the valuation day, so each expected number is computed in the test
from the same closes with plain numpy or the textbook formulas.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert, update
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.analytics.scenarios import FACTOR_ETFS
from sigmasight.db import create_session_factory, transaction
from sigmasight.marketdata import calendar
from sigmasight.marketdata import service as market_data
from sigmasight.marketdata.models import DailyBar
from sigmasight.marketdata.prices import forget_latest_prices
from sigmasight.marketdata.providers.synthetic import SyntheticProvider
from sigmasight.portfolios.positions import held_symbols
from sigmasight.seed import seed_demo
from tests.book_factory import bar_row
from tests.conftest import Api, SignedIn
from tests.documents import LOGIN
from tests.helpers import add_position, cents, create_portfolio, occ_symbol
from tests.test_risk_api import black_scholes

VALUATION_DAY = calendar.latest_trading_day(clock.today() - timedelta(days=1))
DAYS = calendar.trading_days_back(VALUATION_DAY, 121)  # 120 daily returns

RISK = """query($id: ID!, $method: VarMethod!) { portfolio(id: $id) {
  equity
  factorExposures { factor { name etf } beta dollarExposure rSquared observations quality }
  riskMetrics(window: 90, method: $method) {
    window view observations varMethod horizonDays annualizedVolatility beta sharpeRatio
    sortinoRatio maxDrawdown var95 var99 cvar95 cvar99 var95Percent averageCorrelation }
  scenarios(ids: ["market_down_10"]) { scenario { id name } pnl pnlPercent
    positions { pnl position { symbol } } }
  exposures(basis: DELTA_ADJUSTED) { net betaAdjusted }
} }"""


def random_walk(seed: int, days: int, start: float = 100.0, vol: float = 0.012) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.round(start * np.exp(np.cumsum(rng.normal(0.0, vol, days))), 6)


async def store_history(app: Starlette, closes: dict[str, np.ndarray], days: list[date]) -> None:
    rows = [
        bar_row(symbol, day, float(close))
        for symbol, series in closes.items()
        for day, close in zip(days[-len(series) :], series, strict=True)
    ]
    async with app.state.engine.begin() as conn:
        await conn.execute(insert(DailyBar), rows)


def market_history() -> dict[str, np.ndarray]:
    return {etf: random_walk(i + 1, len(DAYS)) for i, etf in enumerate(FACTOR_ETFS)}


async def portfolio_risk(user: SignedIn, pid: str, method: str = "HISTORICAL") -> dict[str, Any]:
    data = await user.api.gql(RISK, {"id": pid, "method": method})
    result: dict[str, Any] = data["portfolio"]
    return result


async def hold(user: SignedIn, pid: str, symbol: str, quantity: float, price: float) -> None:
    result = await add_position(user, pid, symbol=symbol, quantity=quantity, entryPrice=price)
    assert result["__typename"] == "AddPositionSuccess", result


async def test_spy_book_has_market_beta_one_and_loses_ten_percent_in_a_ten_percent_fall(
    app: Starlette, alice: SignedIn
) -> None:
    # given: 100 SPY and $10,000 cash
    closes = market_history()
    await store_history(app, closes, DAYS)
    pid = await create_portfolio(alice)
    await alice.api.gql(
        "mutation($id: ID!) { updatePortfolio(input: {id: $id, cash: 10000}) { __typename } }",
        {"id": pid},
    )
    await hold(alice, pid, "SPY", 100, 90.0)
    spy_value = 100 * float(closes["SPY"][-1])
    # when
    result = await portfolio_risk(alice, pid)
    # then
    market = result["factorExposures"][0]
    assert market["factor"] == {"name": "Market Beta", "etf": "SPY"}
    assert market["dollarExposure"] == cents(spy_value)
    assert market["beta"] == pytest.approx(spy_value / result["equity"], rel=1e-6)
    assert market["rSquared"] == pytest.approx(1.0, abs=1e-9)
    assert market["quality"] == "OK"
    assert all(abs(f["dollarExposure"]) < 1e-6 for f in result["factorExposures"][1:])
    scenario = result["scenarios"][0]
    assert scenario["scenario"]["id"] == "market_down_10"
    assert scenario["pnl"] == cents(-0.10 * spy_value)
    assert result["exposures"]["betaAdjusted"] == cents(spy_value)


async def test_long_spy_put_gains_its_black_scholes_price_change_in_a_ten_percent_fall(
    app: Starlette, alice: SignedIn
) -> None:
    # given: 2 SPY puts struck at the money, priced at 20% vol
    closes = market_history()
    await store_history(app, closes, DAYS)
    spot = float(closes["SPY"][-1])
    strike = round(spot)
    put = occ_symbol("SPY", 60, "P", strike)
    expiry = clock.today() + timedelta(days=60)
    years = (expiry - VALUATION_DAY).days / 365
    price = round(black_scholes(False, spot, strike, years, 0.20)["price"], 6)
    await store_history(app, {put: np.array([price])}, DAYS)
    pid = await create_portfolio(alice)
    await hold(alice, pid, put, 2, 3.0)
    # when
    result = await portfolio_risk(alice, pid)
    # then: repriced at the new spot with the solved volatility and the same time
    vol = 0.20  # solved back from the stored price to within 1e-6
    gain = 200 * (
        black_scholes(False, spot * 0.9, strike, years, vol)["price"]
        - black_scholes(False, spot, strike, years, vol)["price"]
    )
    assert gain > 0
    assert result["scenarios"][0]["pnl"] == pytest.approx(gain, rel=1e-5)


async def test_stock_with_forty_days_of_history_gets_no_beta_and_is_flagged(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a newly listed stock
    await store_history(app, market_history(), DAYS)
    await store_history(app, {"NEWCO": random_walk(99, 41)}, DAYS)
    pid = await create_portfolio(alice)
    await hold(alice, pid, "NEWCO", 10, 100.0)
    # when
    result = await portfolio_risk(alice, pid)
    # then
    market = result["factorExposures"][0]
    assert market["quality"] == "SHORT_HISTORY"
    assert market["dollarExposure"] == 0
    assert result["scenarios"][0]["positions"] == []


async def test_a_recent_listing_is_left_out_of_risk_instead_of_cutting_the_history(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a stock with full history and one listed 40 days ago
    await store_history(app, market_history() | {"AAA": random_walk(50, len(DAYS))}, DAYS)
    await store_history(app, {"NEWCO": random_walk(99, 41)}, DAYS)
    pid = await create_portfolio(alice)
    await hold(alice, pid, "AAA", 100, 90.0)
    await hold(alice, pid, "NEWCO", 10, 100.0)
    # when
    data = await alice.api.gql(
        """query($id: ID!) { portfolio(id: $id) {
          riskMetrics { observations excludedPositions var95 } } }""",
        {"id": pid},
    )
    # then
    metrics = data["portfolio"]["riskMetrics"]
    assert (metrics["observations"], metrics["excludedPositions"]) == (90, 1)
    assert metrics["var95"] > 0


async def test_risk_arguments_out_of_range_are_clear_errors(
    app: Starlette, alice: SignedIn
) -> None:
    # given
    await store_history(app, market_history(), DAYS)
    pid = await create_portfolio(alice)
    await hold(alice, pid, "SPY", 10, 90.0)
    for field in (
        "riskMetrics(window: 5) { var95 }",
        "riskProfile(moves: [-1.5]) { pnl }",
        'riskProfile(dates: ["2000-01-03"]) { pnl }',
        "scenarios(custom: [{factorPercent: {SPY: -5}}]) { pnl }",
    ):
        # when
        body = await alice.api.raw(
            f"query($id: ID!) {{ portfolio(id: $id) {{ {field} }} }}", {"id": pid}
        )
        # then
        assert body["errors"][0]["extensions"]["code"] in ("OUT_OF_RANGE", "INVALID"), field


async def test_stock_book_var_is_the_quantile_of_its_historical_pnl(
    app: Starlette, alice: SignedIn
) -> None:
    # given: 100 AAA and -50 BBB over 120 days of returns
    closes = market_history() | {"AAA": random_walk(50, len(DAYS)), "BBB": random_walk(51, 121)}
    await store_history(app, closes, DAYS)
    pid = await create_portfolio(alice)
    await hold(alice, pid, "AAA", 100, 90.0)
    await hold(alice, pid, "BBB", -50, 90.0)
    # when
    historical = (await portfolio_risk(alice, pid))["riskMetrics"]
    parametric = (await portfolio_risk(alice, pid, "PARAMETRIC"))["riskMetrics"]
    # then: the last 90 days' P&L of today's holdings, computed here with numpy
    returns = {s: np.diff(closes[s]) / closes[s][:-1] for s in ("AAA", "BBB")}
    spot = {s: float(closes[s][-1]) for s in ("AAA", "BBB")}
    pnl = 100 * spot["AAA"] * returns["AAA"][-90:] - 50 * spot["BBB"] * returns["BBB"][-90:]
    assert historical["observations"] == 90
    assert historical["varMethod"] == "HISTORICAL"
    assert historical["var95"] == cents(-np.quantile(pnl, 0.05))
    assert historical["var99"] == cents(-np.quantile(pnl, 0.01))
    tail = pnl[pnl <= np.quantile(pnl, 0.05)]
    assert historical["cvar95"] == cents(-tail.mean())
    w = np.array([100 * spot["AAA"], -50 * spot["BBB"]])
    cov = np.cov(np.vstack([returns["AAA"][-90:], returns["BBB"][-90:]]), ddof=1)
    sigma = math.sqrt(w @ cov @ w)
    assert parametric["var95"] == cents(1.6448536269514722 * sigma)
    equity = 100 * spot["AAA"] - 50 * spot["BBB"]
    daily = pnl / equity
    assert historical["annualizedVolatility"] == pytest.approx(
        np.std(daily, ddof=1) * math.sqrt(252), rel=1e-9
    )


async def test_risk_follows_stored_prices_once_they_change(app: Starlette, alice: SignedIn) -> None:
    # given: a stock book whose risk has been read (and its returns cached)
    closes = market_history() | {"AAA": random_walk(50, len(DAYS))}
    await store_history(app, closes, DAYS)
    pid = await create_portfolio(alice)
    await hold(alice, pid, "AAA", 100, 90.0)
    before = (await portfolio_risk(alice, pid))["riskMetrics"]
    # when: a 30% fall replaces the last close, and the bars' writer says so
    async with app.state.engine.begin() as conn:
        await conn.execute(
            update(DailyBar)
            .where(DailyBar.symbol == "AAA", DailyBar.day == VALUATION_DAY)
            .values(close=float(closes["AAA"][-2]) * 0.7)
        )
    await forget_latest_prices(app.state.redis, ["AAA"])
    after = (await portfolio_risk(alice, pid))["riskMetrics"]
    # then: the crash is in the history, and today's smaller position is what is at risk
    spot = float(closes["AAA"][-2]) * 0.7
    assert after["cvar99"] == cents(100 * spot * 0.3)
    assert after["cvar99"] > 2 * before["cvar99"]


async def _demo_market(app: Starlette) -> None:
    """The demo books with 90 trading days of synthetic prices, as `dev` loads them."""
    factory = create_session_factory(app.state.engine)
    today = clock.today()
    async with transaction(factory) as session:
        await seed_demo(session, password="demo password for tests", today=today)
    async with transaction(factory) as session:
        symbols = [*await held_symbols(session), *market_data.FACTOR_ETF_SYMBOLS]
        end = calendar.last_completed_session(clock.now())
        await market_data.backfill(
            session,
            providers=[SyntheticProvider()],
            symbols=symbols,
            end=end,
            days=90,
            now=clock.now(),
        )


DEMO_RISK = """query { portfolios(first: 5) { edges { node {
  factorExposures { beta dollarExposure rSquared observations quality }
  riskMetrics { annualizedVolatility beta sharpeRatio sortinoRatio maxDrawdown
    var95 var99 cvar95 cvar99 averageCorrelation excludedPositions }
  parametric: riskMetrics(method: PARAMETRIC) { var95 var99 cvar95 cvar99 }
  correlationMatrix(limit: 5) { labels matrix }
  scenarios { scenario { id } pnl pnlPercent unpricedPositions }
  riskProfile { pnl delta dollarDelta }
  exposures(basis: DELTA_ADJUSTED) { betaAdjusted }
} } } }"""


async def test_every_risk_field_answers_for_the_four_demo_books(app: Starlette, api: Api) -> None:
    # given
    await _demo_market(app)
    for name in ("growth", "value", "balanced", "hedgefund"):
        login = await api.gql(
            LOGIN, {"email": f"demo_{name}@sigmasight.dev", "password": "demo password for tests"}
        )
        user = api.as_user(login["login"]["tokens"]["accessToken"])
        # when
        data = await user.gql(DEMO_RISK)
        # then: no nulls where data exists
        book = data["portfolios"]["edges"][0]["node"]
        assert all(f["quality"] in ("OK", "LOW_R2") for f in book["factorExposures"]), name
        assert book["factorExposures"][0]["beta"] is not None
        metrics = book["riskMetrics"]
        assert all(v is not None for v in metrics.values()), (name, metrics)
        assert metrics["excludedPositions"] == 0
        assert all(v is not None and v > 0 for v in book["parametric"].values()), name
        assert len(book["correlationMatrix"]["labels"]) == 5
        assert None not in book["correlationMatrix"]["matrix"]
        assert len(book["scenarios"]) >= 14
        assert all(s["unpricedPositions"] == 0 for s in book["scenarios"]), name
        assert book["riskProfile"]["pnl"] and book["riskProfile"]["dollarDelta"]
        assert book["riskProfile"]["delta"] is None  # shares of different stocks do not add
        assert book["exposures"]["betaAdjusted"] != 0


async def test_an_empty_book_answers_every_risk_field_without_inventing_numbers(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a portfolio with cash only
    await store_history(app, market_history(), DAYS)
    pid = await create_portfolio(alice)
    # when
    data = await alice.api.gql(
        """query($id: ID!) { portfolio(id: $id) {
          factorExposures { beta dollarExposure quality }
          riskMetrics { var95 annualizedVolatility observations }
          correlationMatrix { labels matrix }
          scenarios { pnl unpricedPositions }
          riskProfile { pnl }
          exposures { betaAdjusted } } }""",
        {"id": pid},
    )
    # then
    book = data["portfolio"]
    assert all(
        f["dollarExposure"] == 0 and f["quality"] == "MISSING" for f in book["factorExposures"]
    )
    assert (book["riskMetrics"]["var95"], book["riskMetrics"]["annualizedVolatility"]) == (
        None,
        None,
    )
    assert book["correlationMatrix"] == {"labels": [], "matrix": []}
    assert all(s["pnl"] == 0 for s in book["scenarios"])
    assert book["riskProfile"] is None
    assert book["exposures"]["betaAdjusted"] == 0
