"""What-if modeling sessions through the API: trades on paper, the pro-forma book and its impact.

Prices are stored directly: seeded random walks (to the cent) for a few stocks and the factor
ETFs over the trading days up to the valuation day, and Black-Scholes closes for two options, so
a second, real portfolio holding the pro-forma positions can be valued by the same engine.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert, select
from starlette.applications import Starlette
from vollib.black_scholes import black_scholes

from sigmasight import clock
from sigmasight.analytics.scenarios import FACTOR_ETFS
from sigmasight.graphql.ids import to_global_id
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.modeling.models import ProFormaTrade, SavedModelingSnapshot
from sigmasight.settings import Settings
from tests.book_factory import bar_row
from tests.conftest import SignedIn
from tests.helpers import add_position, create_portfolio, days_ago, occ_symbol

VALUATION_DAY = calendar.latest_trading_day(clock.today() - timedelta(days=1))
DAYS = calendar.trading_days_back(VALUATION_DAY, 121)  # 120 daily returns
STOCKS = {"AAA": 150.0, "BBB": 80.0, "CCC": 45.0, "DDD": 220.0, "EEE": 60.0}
BASE_CASH = Decimal("1000000.00")
REL, ABS = 1e-6, 1e-6  # tolerance of figures compared across books
# Figures served in cents on one side (a book's) and unrounded on the other (an impact's
# before/after), so they agree within half a cent; `.factors.*` are dollar exposures.
MONEY_FIGURES = {
    "equity", "totalValue", "totalPnl", "long", "short", "gross", "net", "betaAdjusted",
    "dollarDelta", "dollarGamma", "dollarExposure", "var95", "var99", "cvar95", "cvar99",
    "marketValue", "unrealizedPnl", "pnl",
}  # fmt: skip

SET_CASH = """
mutation($id: ID!, $cash: Float!) {
  updatePortfolio(input: {id: $id, cash: $cash}) {
    __typename
    ... on UserError { field code message }
  }
}
"""

CREATE_SESSION = """
mutation($portfolioId: ID!, $name: String!) {
  createModelingSession(portfolioId: $portfolioId, name: $name) {
    __typename
    ... on ModelingSessionSuccess { session { id name status asOf } }
    ... on UserError { field code message }
  }
}
"""

ADD_TRADES = """
mutation($input: AddProFormaTradeInput!) {
  addProFormaTrade(input: $input) {
    __typename
    ... on AddProFormaTradeSuccess {
      trades { id action symbol quantity price priceSource origin }
    }
    ... on UserError { field code message }
  }
}
"""

REMOVE_TRADE = """
mutation($id: ID!) {
  removeProFormaTrade(tradeId: $id) {
    __typename
    ... on UserError { field code message }
  }
}
"""

RESET_SESSION = """
mutation($id: ID!) {
  resetModelingSession(sessionId: $id) {
    __typename
    ... on UserError { field code message }
  }
}
"""

COMPLETE_SESSION = """
mutation($id: ID!) {
  completeModelingSession(sessionId: $id) {
    __typename
    ... on ModelingSessionSuccess { session { id status } }
    ... on UserError { field code message }
  }
}
"""

CANCEL_SESSION = """
mutation($id: ID!) {
  cancelModelingSession(sessionId: $id) {
    __typename
    ... on ModelingSessionSuccess { session { id status } }
    ... on UserError { field code message }
  }
}
"""

SAVE_SESSION = """
mutation($id: ID!, $name: String!) {
  saveModelingSession(sessionId: $id, name: $name) {
    __typename
    ... on SaveModelingSessionSuccess { snapshotId session { id } }
    ... on UserError { field code message }
  }
}
"""

SESSION_TRADES = """
query($id: ID!) {
  modelingSession(id: $id) { id status trades { id action symbol quantity price } }
}
"""

SESSIONS = """
query($status: ModelingSessionStatus) {
  modelingSessions(status: $status, first: 50) { totalCount edges { node { id name status } } }
}
"""

CHANGE = "{ before after change }"

IMPACT = f"""
impact {{
  equity {CHANGE} totalValue {CHANGE}
  greeks {{ name change {CHANGE} }}
  notional {{ name change {CHANGE} }}
  deltaAdjusted {{ name change {CHANGE} }}
  var95 {CHANGE} var99 {CHANGE} cvar95 {CHANGE} beta {CHANGE} annualizedVolatility {CHANGE}
  factors {{ name change {CHANGE} }}
  sectors {{ name change {CHANGE} }}
  limitChanges {{ basis before after effect }}
}}
"""

EXPOSURE = "{ long short gross net betaAdjusted }"

ANALYTICS = f"""
equity totalValue cash analyticsFlags
greeks {{ delta gamma theta vega rho dollarDelta dollarGamma }}
notional: exposures(basis: NOTIONAL) {EXPOSURE}
deltaAdjusted: exposures(basis: DELTA_ADJUSTED) {EXPOSURE}
factorExposures {{ factor {{ name }} dollarExposure beta }}
riskMetrics(window: 90, method: HISTORICAL, horizonDays: 1) {{
  observations var95 var99 cvar95 beta annualizedVolatility }}
"""

SESSION_BOOKS = f"""
query($id: ID!) {{
  modelingSession(id: $id) {{
    proForma {{ {ANALYTICS} positions {{ symbol quantity notionalExposure }} }}
    {IMPACT}
  }}
}}
"""

SESSION_IMPACT = f"query($id: ID!) {{ modelingSession(id: $id) {{ {IMPACT} }} }}"

PORTFOLIO_ANALYTICS = f"query($id: ID!) {{ portfolio(id: $id) {{ {ANALYTICS} }} }}"

PRO_FORMA_POSITIONS = """
query($id: ID!) {
  modelingSession(id: $id) {
    proForma { positions { symbol quantity entryPrice entryDate notionalExposure } }
  }
}
"""


# --- market data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Market:
    closes: dict[str, np.ndarray]  # per stock and ETF, oldest first, ending on VALUATION_DAY
    call: str  # AAA call, 60 days, with a stored close
    put: str  # AAA put, 45 days, with a stored close
    option_closes: dict[str, float]

    def price(self, symbol: str) -> Decimal:
        """The stored close on the valuation day, exactly as stored (to the cent)."""
        close = self.option_closes.get(symbol)
        return Decimal(f"{self.closes[symbol][-1] if close is None else close:.2f}")


def cents_walk(seed: int, start: float, vol: float = 0.015) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.round(start * np.exp(np.cumsum(rng.normal(0.0, vol, len(DAYS)))), 2)


async def store_market(app: Starlette) -> Market:
    closes = {etf: cents_walk(i + 1, 100.0, 0.01) for i, etf in enumerate(FACTOR_ETFS)}
    closes |= {s: cents_walk(50 + i, start) for i, (s, start) in enumerate(STOCKS.items())}
    rows = [
        bar_row(symbol, day, float(close))
        for symbol, series in closes.items()
        for day, close in zip(DAYS, series, strict=True)
    ]
    spot = float(closes["AAA"][-1])
    call = occ_symbol("AAA", 60, "C", round(spot))
    put = occ_symbol("AAA", 45, "P", round(spot * 0.95))
    option_closes = {}
    for symbol, days, flag, strike in ((call, 60, "c", round(spot)), (put, 45, "p", 0)):
        strike = strike or round(spot * 0.95)
        years = (clock.today() + timedelta(days=days) - VALUATION_DAY).days / 365
        option_closes[symbol] = round(black_scholes(flag, spot, strike, years, 0.04, 0.30), 2)
        rows.append(bar_row(symbol, VALUATION_DAY, option_closes[symbol]))
    async with app.state.engine.begin() as conn:
        await conn.execute(insert(DailyBar), rows)
    return Market(closes, call, put, option_closes)


# --- helpers --------------------------------------------------------------------------------


async def portfolio_with(
    user: SignedIn, holdings: dict[str, float], cash: Decimal = BASE_CASH, name: str = "Core"
) -> str:
    pid = await create_portfolio(user, name)
    result = (await user.api.gql(SET_CASH, {"id": pid, "cash": float(cash)}))["updatePortfolio"]
    assert result["__typename"] == "UpdatePortfolioSuccess", result
    for symbol, quantity in holdings.items():
        added = await add_position(user, pid, symbol=symbol, quantity=quantity, entryPrice=10.0)
        assert added["__typename"] == "AddPositionSuccess", added
    return pid


async def start_session(user: SignedIn, pid: str, name: str = "What if") -> str:
    data = await user.api.gql(CREATE_SESSION, {"portfolioId": pid, "name": name})
    result = data["createModelingSession"]
    assert result["__typename"] == "ModelingSessionSuccess", result
    return str(result["session"]["id"])


async def add(user: SignedIn, session_id: str, **given: Any) -> dict[str, Any]:
    data = await user.api.gql(ADD_TRADES, {"input": {"sessionId": session_id, **given}})
    result: dict[str, Any] = data["addProFormaTrade"]
    return result


async def add_ok(user: SignedIn, session_id: str, **given: Any) -> list[dict[str, Any]]:
    result = await add(user, session_id, **given)
    assert result["__typename"] == "AddProFormaTradeSuccess", result
    trades: list[dict[str, Any]] = result["trades"]
    return trades


def trade(action: str, symbol: str, quantity: float, **more: Any) -> dict[str, Any]:
    return {"action": action, "symbol": symbol, "quantity": quantity, **more}


async def session_trades(user: SignedIn, session_id: str) -> list[dict[str, Any]]:
    found = (await user.api.gql(SESSION_TRADES, {"id": session_id}))["modelingSession"]
    trades: list[dict[str, Any]] = found["trades"]
    return trades


async def impact_of(user: SignedIn, session_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await user.api.gql(SESSION_IMPACT, {"id": session_id}))[
        "modelingSession"
    ]["impact"]
    return found


def changes(impact: dict[str, Any]) -> dict[str, Any]:
    """Every `change` of an impact, by figure (and name)."""
    found: dict[str, Any] = {}
    for key, value in impact.items():
        if isinstance(value, list):
            found |= {f"{key}.{n['name']}": n["change"]["change"] for n in value if "name" in n}
        elif isinstance(value, dict):
            found[key] = value["change"]
    return found


def side(impact: dict[str, Any], which: str) -> dict[str, Any]:
    """The impact's before or after figures, shaped like the `ANALYTICS` fields they mirror."""

    def named(key: str) -> dict[str, Any]:
        return {n["name"]: n["change"][which] for n in impact[key]}

    greek_names = {"dollar_delta": "dollarDelta", "dollar_gamma": "dollarGamma"}
    return {
        "equity": impact["equity"][which],
        "totalValue": impact["totalValue"][which],
        "greeks": {greek_names.get(k, k): v for k, v in named("greeks").items()},
        "notional": named("notional"),
        "deltaAdjusted": named("deltaAdjusted"),
        "var95": impact["var95"][which],
        "var99": impact["var99"][which],
        "cvar95": impact["cvar95"][which],
        "beta": impact["beta"][which],
        "annualizedVolatility": impact["annualizedVolatility"][which],
        "factors": named("factors"),
    }


def figures(book: dict[str, Any]) -> dict[str, Any]:
    """A book's analytics, shaped like `side`."""
    metrics = book["riskMetrics"]
    return {
        "equity": book["equity"],
        "totalValue": book["totalValue"],
        "greeks": book["greeks"],
        "notional": {k: book["notional"][k] for k in ("long", "short", "gross", "net")},
        "deltaAdjusted": {k: book["deltaAdjusted"][k] for k in ("long", "short", "gross", "net")},
        "var95": metrics["var95"],
        "var99": metrics["var99"],
        "cvar95": metrics["cvar95"],
        "beta": metrics["beta"],
        "annualizedVolatility": metrics["annualizedVolatility"],
        "factors": {f["factor"]["name"]: f["dollarExposure"] for f in book["factorExposures"]},
    }


def assert_close(actual: Any, expected: Any, path: str = "") -> None:
    """Equal structure; numbers within 1e-6 relative (or 1e-6 absolute near zero, half a
    cent for money)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), path
        for key in expected:
            assert_close(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{path}[{i}]")
    elif isinstance(expected, float | int) and not isinstance(expected, bool):
        money = path.startswith(".factors.") or path.rsplit(".", 1)[-1] in MONEY_FIGURES
        tolerance = 0.005 if money else ABS
        assert actual == pytest.approx(expected, rel=REL, abs=tolerance), path
    else:
        assert actual == expected, path


def analytics_of(book: dict[str, Any]) -> dict[str, Any]:
    """A book's figures without its position list (ids differ between a view and a twin)."""
    return {k: v for k, v in book.items() if k != "positions"}


def net_by_symbol(positions: list[dict[str, Any]]) -> dict[str, float]:
    found: dict[str, float] = {}
    for p in positions:
        found[p["symbol"]] = found.get(p["symbol"], 0.0) + p["quantity"]
    return found


# --- tests ----------------------------------------------------------------------------------


async def test_impact_equals_the_analytics_of_the_resulting_book(
    app: Starlette, alice: SignedIn
) -> None:
    # given: stocks long and short, a quoted call, and a session on them
    market = await store_market(app)
    base_holdings = {"AAA": 200.0, "BBB": -100.0, market.call: 5.0}
    base_pid = await portfolio_with(alice, base_holdings)
    sid = await start_session(alice, base_pid)
    # when: a buy, a short sale, a put bought to open and a partial close of AAA
    added = await add_ok(
        alice,
        sid,
        trades=[
            trade("BUY", "CCC", 30),
            trade("SELL_SHORT", "DDD", 40),
            trade("BUY_TO_OPEN", market.put, 3),
            trade("SELL", "AAA", 80),
        ],
    )
    # then: every trade at the session's stored mark
    assert [(t["symbol"], t["price"], t["priceSource"]) for t in added] == [
        ("CCC", float(market.price("CCC")), "QUOTE"),
        ("DDD", float(market.price("DDD")), "QUOTE"),
        (market.put, float(market.price(market.put)), "QUOTE"),
        ("AAA", float(market.price("AAA")), "QUOTE"),
    ]
    cost = sum(
        Decimal(str(t["quantity"]))
        * Decimal(str(t["price"]))
        * (100 if t["symbol"] == market.put else 1)
        * (1 if t["action"].startswith("BUY") else -1)
        for t in added
    )
    # and: a real portfolio holding exactly the resulting book, valued directly
    resulting = {"AAA": 120.0, "BBB": -100.0, "CCC": 30.0, "DDD": -40.0}
    resulting |= {market.call: 5.0, market.put: 3.0}
    twin_pid = await portfolio_with(alice, resulting, cash=BASE_CASH - cost, name="Twin")
    session = (await alice.api.gql(SESSION_BOOKS, {"id": sid}))["modelingSession"]
    twin = (await alice.api.gql(PORTFOLIO_ANALYTICS, {"id": twin_pid}))["portfolio"]
    base = (await alice.api.gql(PORTFOLIO_ANALYTICS, {"id": base_pid}))["portfolio"]
    pro_forma, impact = session["proForma"], session["impact"]
    assert net_by_symbol(pro_forma["positions"]) == resulting
    assert pro_forma["analyticsFlags"] == twin["analyticsFlags"] == []
    assert twin["riskMetrics"]["observations"] == 90
    assert twin["riskMetrics"]["var95"] > 0 and twin["riskMetrics"]["beta"] is not None
    assert any(abs(f["dollarExposure"]) > 1 for f in twin["factorExposures"])
    # the pro-forma view answers what the portfolio answers
    assert_close(analytics_of(pro_forma), analytics_of(twin))
    # the impact's "after" is the resulting book's figures, its "before" the base portfolio's
    assert_close(side(impact, "after"), figures(twin))
    assert_close(side(impact, "before"), figures(base))


async def test_a_pro_forma_view_answers_beta_adjusted_exposure_from_its_own_book(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a session that doubles a stock book
    await store_market(app)
    pid = await portfolio_with(alice, {"AAA": 100.0, "BBB": 50.0})
    twin_pid = await portfolio_with(alice, {"AAA": 200.0, "BBB": 50.0}, name="Twin")
    sid = await start_session(alice, pid)
    await add_ok(alice, sid, trades=[trade("BUY", "AAA", 100)])
    # when
    session = (await alice.api.gql(SESSION_BOOKS, {"id": sid}))["modelingSession"]
    twin = (await alice.api.gql(PORTFOLIO_ANALYTICS, {"id": twin_pid}))["portfolio"]
    # then
    for basis in ("notional", "deltaAdjusted"):
        assert session["proForma"][basis]["betaAdjusted"] == pytest.approx(
            twin[basis]["betaAdjusted"], rel=REL, abs=ABS
        ), basis


async def test_adding_then_removing_a_trade_returns_impact_to_exactly_zero(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a session whose trade moves every figure
    market = await store_market(app)
    pid = await portfolio_with(alice, {"AAA": 200.0, "BBB": -100.0, market.call: 5.0})
    sid = await start_session(alice, pid)
    added = await add_ok(alice, sid, trades=[trade("BUY", "CCC", 30), trade("SELL", "AAA", 50)])
    moved = changes(await impact_of(alice, sid))
    assert moved["equity"] == 0  # bought and sold at the marks
    assert moved["notional.gross"] != 0 and moved["var95"] != 0
    # when: both are taken off
    for t in added:
        removed = await alice.api.gql(REMOVE_TRADE, {"id": t["id"]})
        assert removed["removeProFormaTrade"]["__typename"] == "ModelingSessionSuccess", removed
    after_remove = await impact_of(alice, sid)
    # then: nothing changes, exactly
    assert len(changes(after_remove)) > 20
    assert all(c == 0 for c in changes(after_remove).values()), changes(after_remove)
    assert after_remove["limitChanges"] == []
    # when: traded again, then reset
    await add_ok(alice, sid, trades=[trade("SELL_SHORT", "DDD", 40)])
    assert changes(await impact_of(alice, sid))["notional.short"] != 0
    reset = await alice.api.gql(RESET_SESSION, {"id": sid})
    # then
    assert reset["resetModelingSession"]["__typename"] == "ModelingSessionSuccess", reset
    after_reset = await impact_of(alice, sid)
    assert all(c == 0 for c in changes(after_reset).values()), changes(after_reset)
    assert await session_trades(alice, sid) == []


async def test_bad_trades_are_typed_user_errors_that_change_nothing(
    app: Starlette, alice: SignedIn, bob: SignedIn
) -> None:
    # given: a session with one trade, and a completed one
    market = await store_market(app)
    pid = await portfolio_with(alice, {"AAA": 200.0, "BBB": -100.0})
    sid = await start_session(alice, pid)
    await add_ok(alice, sid, trades=[trade("BUY", "CCC", 30)])
    before = await session_trades(alice, sid)
    closed = await start_session(alice, pid, "Done")
    done = await alice.api.gql(COMPLETE_SESSION, {"id": closed})
    assert done["completeModelingSession"]["session"]["status"] == "COMPLETED"
    expired = occ_symbol("AAA", -10, "C", 150)
    cases: list[tuple[str, dict[str, Any], str, str, str | None]] = [
        ("closes more than held", {"trades": [trade("SELL", "AAA", 201)]},
         "ValidationError", "CLOSES_MORE_THAN_HELD", "quantity"),
        ("covers a short never held", {"trades": [trade("BUY_TO_COVER", "CCC", 1)]},
         "ValidationError", "CLOSES_MORE_THAN_HELD", "quantity"),
        ("expired option", {"trades": [trade("BUY_TO_OPEN", expired, 1)]},
         "ValidationError", "EXPIRED_OPTION", "trades.0.symbol"),
        ("negative quantity", {"trades": [trade("BUY", "AAA", -5)]},
         "ValidationError", "NOT_POSITIVE", "trades.0.quantity"),
        ("zero quantity", {"trades": [trade("BUY", "AAA", 0)]},
         "ValidationError", "NOT_POSITIVE", "trades.0.quantity"),
        ("weights summing to 0.8",
         {"basket": {"symbols": ["CCC", "DDD"], "weights": [0.5, 0.3], "dollars": 10000}},
         "ValidationError", "WEIGHTS_SUM", "weights"),
        ("unknown symbol", {"trades": [trade("BUY", "ZZZZ", 10)]},
         "ValidationError", "UNKNOWN_SYMBOL", "trades.0.symbol"),
        ("option action on a stock", {"trades": [trade("BUY_TO_OPEN", "AAA", 1)]},
         "ValidationError", "ACTION_MISMATCH", "trades.0.action"),
        ("stock action on an option", {"trades": [trade("BUY", market.call, 1)]},
         "ValidationError", "ACTION_MISMATCH", "trades.0.action"),
        ("a bad second leg", {"trades": [trade("BUY", "DDD", 10), trade("BUY", "ZZZZ", 10)]},
         "ValidationError", "UNKNOWN_SYMBOL", "trades.1.symbol"),
        ("a second leg closing too much",
         {"trades": [trade("BUY", "DDD", 10), trade("SELL", "BBB", 1)]},
         "ValidationError", "CLOSES_MORE_THAN_HELD", "quantity"),
    ]  # fmt: skip
    for name, given, typename, code, field in cases:
        # when
        result = await add(alice, sid, **given)
        # then
        assert (result["__typename"], result.get("code")) == (typename, code), (name, result)
        assert result["field"] == field, (name, result)
        assert await session_trades(alice, sid) == before, name
    # when: the session is unknown, bob's view of alice's, or completed
    unknown = to_global_id("ModelingSession", uuid.uuid4())
    for user, session_id, typename, code in (
        (alice, unknown, "NotFoundError", "NOT_FOUND"),
        (bob, sid, "NotFoundError", "NOT_FOUND"),
        (alice, closed, "ValidationError", "SESSION_CLOSED"),
    ):
        result = await add(user, session_id, trades=[trade("BUY", "AAA", 1)])
        # then
        assert (result["__typename"], result["code"]) == (typename, code), result
    assert await session_trades(alice, sid) == before
    assert await session_trades(alice, closed) == []
    assert (await bob.api.gql(SESSION_TRADES, {"id": sid}))["modelingSession"] is None
    for document in (RESET_SESSION, COMPLETE_SESSION, CANCEL_SESSION):
        result = next(iter((await bob.api.gql(document, {"id": sid})).values()))
        assert result["__typename"] == "NotFoundError", (document, result)
    removed = await bob.api.gql(REMOVE_TRADE, {"id": before[0]["id"]})
    assert removed["removeProFormaTrade"]["__typename"] == "NotFoundError"
    assert await session_trades(alice, sid) == before
    status = (await alice.api.gql(SESSION_TRADES, {"id": sid}))["modelingSession"]["status"]
    assert status == "ACTIVE"


async def test_a_close_takes_the_oldest_lots_first(app: Starlette, alice: SignedIn) -> None:
    # given: five AAA lots entered 80, 60, 40, 20 and 5 days ago, at 10, 20, 30, 40 and 50
    await store_market(app)
    pid = await portfolio_with(alice, {})
    for age, price in ((20, 40.0), (80, 10.0), (5, 50.0), (60, 20.0), (40, 30.0)):
        lot = {"symbol": "AAA", "quantity": 10, "entryPrice": price, "entryDate": days_ago(age)}
        added = await add_position(alice, pid, **lot)
        assert added["__typename"] == "AddPositionSuccess", added
    sid = await start_session(alice, pid)
    # when: a new lot bought on paper, then 45 shares sold
    await add_ok(alice, sid, trades=[trade("BUY", "AAA", 10, price=60)])
    await add_ok(alice, sid, trades=[trade("SELL", "AAA", 45)])
    # then: the four oldest lots are gone, half of the fifth, and the new lot is whole
    view = await alice.api.gql(PRO_FORMA_POSITIONS, {"id": sid})
    positions = view["modelingSession"]["proForma"]["positions"]
    assert sorted((p["quantity"], p["entryPrice"]) for p in positions) == [(5, 50), (10, 60)]


async def test_trades_keep_the_order_they_were_added_in_after_a_removal(
    app: Starlette, alice: SignedIn
) -> None:
    # given: three trades, the first taken off
    await store_market(app)
    pid = await portfolio_with(alice, {"AAA": 100.0})
    sid = await start_session(alice, pid)
    first, second, third = [
        (await add_ok(alice, sid, trades=[trade("BUY", s, 10)]))[0] for s in ("CCC", "DDD", "EEE")
    ]
    removed = await alice.api.gql(REMOVE_TRADE, {"id": first["id"]})
    assert removed["removeProFormaTrade"]["__typename"] == "ModelingSessionSuccess", removed
    # when: two more are added
    fourth, fifth = await add_ok(
        alice, sid, trades=[trade("SELL", "DDD", 10), trade("SELL", "AAA", 1)]
    )
    # then: they apply after the others, each in its own place
    trades = await session_trades(alice, sid)
    assert [t["id"] for t in trades] == [t["id"] for t in (second, third, fourth, fifth)]
    async with app.state.engine.connect() as conn:
        seqs = list(
            await conn.scalars(
                select(ProFormaTrade.seq).order_by(ProFormaTrade.created_at, ProFormaTrade.seq)
            )
        )
    assert seqs == sorted(set(seqs)), seqs


async def test_a_basket_buys_whole_shares_of_each_weight_rounded_down(
    app: Starlette, alice: SignedIn
) -> None:
    # given
    market = await store_market(app)
    pid = await portfolio_with(alice, {"AAA": 200.0})
    sid = await start_session(alice, pid)
    weights = {"CCC": Decimal("0.5"), "DDD": Decimal("0.3"), "EEE": Decimal("0.2")}
    # when
    added = await add_ok(
        alice,
        sid,
        basket={
            "symbols": list(weights),
            "weights": [str(w) for w in weights.values()],
            "dollars": "100000",
        },
    )
    # then
    expected = {
        s: int((w * 100000 / market.price(s)).to_integral_value(rounding=ROUND_FLOOR))
        for s, w in weights.items()
    }
    assert {t["symbol"]: t["quantity"] for t in added} == expected
    assert {t["action"] for t in added} == {"BUY"}
    assert {t["origin"] for t in added} == {"BASKET"}
    assert [t["price"] for t in added] == [float(market.price(s)) for s in weights]
    spent = sum(q * market.price(s) for s, q in expected.items())
    assert Decimal(100000) - sum(market.price(s) for s in weights) < spent <= 100000


async def test_a_target_exposure_trades_the_stock_to_within_one_share_of_it(
    app: Starlette, alice: SignedIn
) -> None:
    # given: 200 AAA long
    market = await store_market(app)
    price = market.price("AAA")
    pid = await portfolio_with(alice, {"AAA": 200.0})
    for target, actions in (
        (Decimal("12345"), ["SELL"]),  # below the long: sells
        (Decimal("40000"), ["BUY"]),  # above it: buys
        (Decimal("-10000"), ["SELL", "SELL_SHORT"]),  # across zero: sells, then shorts
    ):
        sid = await start_session(alice, pid, f"Target {target}")
        # when
        added = await add_ok(
            alice,
            sid,
            target={"symbol": "AAA", "dollars": str(target), "basis": "NOTIONAL"},
        )
        # then
        assert [t["action"] for t in added] == actions, target
        assert {t["origin"] for t in added} == {"TARGET"}
        if actions[0] == "SELL" and len(actions) == 2:
            assert added[0]["quantity"] == 200  # the whole long goes first
        view = await alice.api.gql(PRO_FORMA_POSITIONS, {"id": sid})
        positions = view["modelingSession"]["proForma"]["positions"]
        exposure = sum(p["notionalExposure"] for p in positions if p["symbol"] == "AAA")
        assert abs(exposure - float(target)) <= float(price) / 2 + 1e-9, (target, exposure)
        assert exposure == pytest.approx(
            float(net_by_symbol(positions)["AAA"]) * float(price), rel=1e-12
        )


async def test_an_option_nobody_quotes_is_priced_by_black_scholes_at_realised_volatility(
    app: Starlette, alice: SignedIn, settings: Settings
) -> None:
    # given: AAA's closes, and an AAA call with no stored price
    market = await store_market(app)
    pid = await portfolio_with(alice, {"AAA": 100.0})
    sid = await start_session(alice, pid)
    spot = float(market.price("AAA"))
    strike = round(spot * 1.05)
    call = occ_symbol("AAA", 75, "C", strike)
    # when
    added = await add_ok(alice, sid, trades=[trade("BUY_TO_OPEN", call, 2)])
    # then
    closes = market.closes["AAA"]
    returns = np.diff(np.log(closes[-31:]))
    assert len(returns) == 30
    vol = float(np.std(returns, ddof=1) * math.sqrt(252))
    years = (clock.today() + timedelta(days=75) - VALUATION_DAY).days / 365
    expected = black_scholes("c", spot, strike, years, settings.risk_free_rate, vol)
    assert added[0]["priceSource"] == "MODEL"
    assert added[0]["price"] == pytest.approx(expected, abs=1e-3)
    # and: the pro-forma book holds the contracts, valued
    session = (await alice.api.gql(SESSION_BOOKS, {"id": sid}))["modelingSession"]
    assert net_by_symbol(session["proForma"]["positions"]) == {"AAA": 100.0, call: 2.0}
    assert session["proForma"]["analyticsFlags"] == []
    assert session["impact"]["equity"]["change"] == pytest.approx(0.0, abs=1e-6)


async def test_sessions_are_listed_by_status_for_their_owner_only_and_can_be_saved(
    app: Starlette, alice: SignedIn, bob: SignedIn
) -> None:
    # given: three sessions of alice's and one of bob's
    await store_market(app)
    pid = await portfolio_with(alice, {"AAA": 100.0})
    first, second, third = [await start_session(alice, pid, n) for n in ("One", "Two", "Three")]
    bobs = await start_session(bob, await portfolio_with(bob, {"BBB": 10.0}), "Bob's")
    await add_ok(alice, third, trades=[trade("BUY", "CCC", 30)])
    # when
    completed = await alice.api.gql(COMPLETE_SESSION, {"id": first})
    cancelled = await alice.api.gql(CANCEL_SESSION, {"id": second})
    saved = (await alice.api.gql(SAVE_SESSION, {"id": third, "name": "Idea"}))[
        "saveModelingSession"
    ]
    # then
    assert completed["completeModelingSession"]["session"] == {"id": first, "status": "COMPLETED"}
    assert cancelled["cancelModelingSession"]["session"] == {"id": second, "status": "CANCELLED"}

    async def listed(user: SignedIn, status: str | None) -> list[str]:
        found = (await user.api.gql(SESSIONS, {"status": status}))["modelingSessions"]
        assert found["totalCount"] == len(found["edges"])
        return [e["node"]["id"] for e in found["edges"]]

    assert await listed(alice, "ACTIVE") == [third]
    assert await listed(alice, "COMPLETED") == [first]
    assert await listed(alice, "CANCELLED") == [second]
    assert sorted(await listed(alice, None)) == sorted([first, second, third])
    assert await listed(bob, "ACTIVE") == [bobs]
    again = await alice.api.gql(CANCEL_SESSION, {"id": first})
    assert again["cancelModelingSession"]["code"] == "SESSION_CLOSED"
    assert saved["__typename"] == "SaveModelingSessionSuccess", saved
    assert saved["session"]["id"] == third
    async with app.state.engine.connect() as conn:
        row = (
            await conn.execute(
                select(SavedModelingSnapshot.name, SavedModelingSnapshot.data).where(
                    SavedModelingSnapshot.id == uuid.UUID(saved["snapshotId"])
                )
            )
        ).one()
    assert row.name == "Idea"
    assert {p["symbol"] for p in row.data["base"]} == {"AAA"}
    assert {p["symbol"]: Decimal(p["quantity"]) for p in row.data["proForma"]} == {
        "AAA": 100,
        "CCC": 30,
    }
    assert row.data["impact"]["equity"]["change"] == pytest.approx(0.0, abs=1e-6)


SUGGESTIONS = """
query($id: ID!) { modelingSession(id: $id) {
  suggestions { id kind legs { symbol shares } }
  proForma { greeks { delta } factorExposures { factor { etf } beta dollarExposure } }
} }
"""
ADD_SUGGESTED = """
mutation($sessionId: ID!, $suggestionId: String!) {
  addSuggestedTrade(sessionId: $sessionId, suggestionId: $suggestionId) {
    __typename
    ... on AddProFormaTradeSuccess { trades { action symbol quantity origin } }
    ... on UserError { field code message }
  }
}
"""


async def suggestions_of(user: SignedIn, session_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await user.api.gql(SUGGESTIONS, {"id": session_id}))["modelingSession"]
    return found


async def add_suggested(user: SignedIn, session_id: str, suggestion_id: str) -> dict[str, Any]:
    variables = {"sessionId": session_id, "suggestionId": suggestion_id}
    result: dict[str, Any] = (await user.api.gql(ADD_SUGGESTED, variables))["addSuggestedTrade"]
    return result


async def test_a_delta_hedge_leaves_net_delta_within_one_share_of_zero(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a book on one name, stock and calls, with a delta far from zero
    market = await store_market(app)
    pid = await portfolio_with(alice, {"AAA": 120.0})
    added = await add_position(alice, pid, symbol=market.call, quantity=7, entryPrice=5.0)
    assert added["__typename"] == "AddPositionSuccess", added
    sid = await start_session(alice, pid)
    before = await suggestions_of(alice, sid)
    assert abs(before["proForma"]["greeks"]["delta"]) > 100

    # when
    result = await add_suggested(alice, sid, "DELTA:AAA")

    # then
    assert result["__typename"] == "AddProFormaTradeSuccess", result
    assert {t["origin"] for t in result["trades"]} == {"SUGGESTION"}
    after = await suggestions_of(alice, sid)
    assert abs(after["proForma"]["greeks"]["delta"]) <= 1.0


async def test_a_beta_hedge_leaves_beta_to_spy_within_a_hundredth(
    app: Starlette, alice: SignedIn
) -> None:
    # given: a stock book with Market Beta exposure
    await store_market(app)
    pid = await portfolio_with(alice, {"AAA": 3000.0, "BBB": -1000.0, "SPY": 8000.0})
    sid = await start_session(alice, pid)
    before = await suggestions_of(alice, sid)
    market_beta = next(
        f for f in before["proForma"]["factorExposures"] if f["factor"]["etf"] == "SPY"
    )
    assert abs(market_beta["beta"]) > 0.1
    assert "BETA:SPY" in {s["id"] for s in before["suggestions"]}

    # when
    result = await add_suggested(alice, sid, "BETA:SPY")

    # then
    assert result["__typename"] == "AddProFormaTradeSuccess", result
    after = await suggestions_of(alice, sid)
    hedged = next(f for f in after["proForma"]["factorExposures"] if f["factor"]["etf"] == "SPY")
    assert abs(hedged["beta"]) <= 0.01


async def test_a_suggestion_the_session_no_longer_has_is_a_user_error(
    app: Starlette, alice: SignedIn
) -> None:
    # given
    await store_market(app)
    sid = await start_session(alice, await portfolio_with(alice, {"AAA": 100.0}))

    # when
    result = await add_suggested(alice, sid, "FACTOR:NOPE")

    # then
    assert result["__typename"] == "ValidationError"
    assert result["code"] == "UNKNOWN_SUGGESTION"
    assert await session_trades(alice, sid) == []


SUGGESTIONS_WITH = """
query($id: ID!, $with: String) { modelingSession(id: $id) {
  suggestions(hedgeWith: $with) { id kind legs { symbol shares } }
} }
"""


async def test_a_beta_hedge_with_a_chosen_etf_is_sized_by_its_own_beta(
    app: Starlette, alice: SignedIn
) -> None:
    # given: an ETF that moves with SPY (same daily returns at 1.5x the price), and a stock
    # that does not (an independent walk: no hedge is offered with it)
    market = await store_market(app)
    twin = [
        bar_row("XLK", day, round(float(close) * 1.5, 2))
        for day, close in zip(DAYS, market.closes["SPY"], strict=True)
    ]
    async with app.state.engine.begin() as conn:
        await conn.execute(insert(DailyBar), twin)
    pid = await portfolio_with(alice, {"AAA": 3000.0, "SPY": 8000.0})
    sid = await start_session(alice, pid)
    offered = (await alice.api.gql(SUGGESTIONS_WITH, {"id": sid, "with": "XLK"}))[
        "modelingSession"
    ]["suggestions"]
    unrelated = (await alice.api.gql(SUGGESTIONS_WITH, {"id": sid, "with": "EEE"}))[
        "modelingSession"
    ]["suggestions"]
    assert "BETA:XLK" in {s["id"] for s in offered}
    assert "BETA:EEE" not in {s["id"] for s in unrelated}

    # when
    result = await add_suggested(alice, sid, "BETA:XLK")

    # then
    assert result["__typename"] == "AddProFormaTradeSuccess", result
    assert [t["symbol"] for t in result["trades"]] == ["XLK"]
    after = await suggestions_of(alice, sid)
    hedged = next(f for f in after["proForma"]["factorExposures"] if f["factor"]["etf"] == "SPY")
    assert abs(hedged["beta"]) <= 0.01
