"""Daily snapshots, history and period performance through the API, checked by hand.

Closes are stored directly as bars on recent trading days, positions are added and closed through
the API, and the snapshots are written by `snapshots.write_days`, as the nightly batch and the
history backfill write them. Every expected P&L, net flow and return below is plain arithmetic on
those inputs: a day's P&L is the change in since-inception P&L from the previous close, and its
return that P&L over (previous close's total value + the day's net flow).
"""

from __future__ import annotations

import calendar as months
import math
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.analytics.bsm import bsm_price
from sigmasight.db import create_session_factory, transaction
from sigmasight.graphql.ids import parse_id
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.risk import snapshots
from sigmasight.risk.models import PortfolioSnapshot, PositionSnapshot
from sigmasight.settings import Settings
from tests.book_factory import bar_row
from tests.conftest import SignedIn
from tests.documents import CLOSE_POSITION, SET_POSITION_TAGS
from tests.helpers import add_position, create_portfolio, create_tag, occ_symbol

SNAPSHOTS = """query($id: ID!, $from: Date, $to: Date) { portfolio(id: $id) {
  snapshots(from: $from, to: $to) {
    date totalValue cash marketValue dailyPnl dailyReturn netFlow cumulativePnl
    grossExposure netExposure notional { long short gross net } positionCount complete
  } } }"""

PERFORMANCE = """query($id: ID!, $period: PerformancePeriod!, $from: Date, $to: Date) {
  portfolio(id: $id) { performance(period: $period, from: $from, to: $to) {
    period from to days pnl return returnMethod netFlow complete
    bestDay { date pnl dailyReturn } worstDay { date pnl dailyReturn }
    byPosition { key label pnl } byTag { key label pnl } byType { key label pnl }
  } } }"""

SET_CASH = """mutation($id: ID!, $cash: Float) {
  updatePortfolio(input: {id: $id, cash: $cash}) { __typename ... on UserError { message } } }"""

DOLLARS = 1e-9  # float noise on sums of a few thousand dollars
HALF_CENT = 0.005  # how far a served amount (rounded to cents) is from the exact one
FRACTION = 1e-12


def recent_trading_days(count: int) -> list[date]:
    """The last `count` completed trading days, oldest first."""
    return calendar.trading_days_back(calendar.last_completed_session(clock.now()), count)


def uuid_of(portfolio_id: str) -> uuid.UUID:
    found = parse_id(portfolio_id, "Portfolio")
    assert found is not None
    return found


async def store_closes(app: Starlette, symbol: str, closes: dict[date, float]) -> None:
    async with app.state.engine.begin() as conn:
        await conn.execute(insert(DailyBar), [bar_row(symbol, d, c) for d, c in closes.items()])


async def set_cash(user: SignedIn, portfolio_id: str, cash: float) -> None:
    result = (await user.api.gql(SET_CASH, {"id": portfolio_id, "cash": cash}))["updatePortfolio"]
    assert result["__typename"] == "UpdatePortfolioSuccess", result


async def hold(
    user: SignedIn, portfolio_id: str, symbol: str, quantity: float, price: float, entered: date
) -> str:
    """Add a position and return its id."""
    result = await add_position(
        user,
        portfolio_id,
        symbol=symbol,
        quantity=quantity,
        entryPrice=price,
        entryDate=entered.isoformat(),
    )
    assert result["__typename"] == "AddPositionSuccess", result
    return str(result["position"]["id"])


async def close(user: SignedIn, position_id: str, price: float, day: date) -> None:
    payload = {"id": position_id, "exitPrice": price, "exitDate": day.isoformat()}
    result = (await user.api.gql(CLOSE_POSITION, {"input": payload}))["closePosition"]
    assert result["__typename"] == "ClosePositionSuccess", result


async def tag(user: SignedIn, position_id: str, *tag_ids: str) -> None:
    variables = {"positionId": position_id, "tagIds": list(tag_ids)}
    result = (await user.api.gql(SET_POSITION_TAGS, variables))["setPositionTags"]
    assert result["__typename"] == "SetPositionTagsSuccess", result


async def write_snapshots(
    app: Starlette, settings: Settings, portfolio_id: str, days: Sequence[date]
) -> None:
    """Write (and commit) the portfolio's snapshots of these days, as the nightly batch does."""
    factory = create_session_factory(app.state.engine)
    async with transaction(factory) as session:
        outcome = await snapshots.write_days(
            session,
            app.state.redis,
            portfolio_ids=[uuid_of(portfolio_id)],
            days=days,
            settings=settings,
            risk=False,
            snapshots=True,
        )
    assert outcome.failed == {}


async def snapshots_of(
    user: SignedIn, portfolio_id: str, start: date, end: date
) -> list[dict[str, Any]]:
    variables = {"id": portfolio_id, "from": start.isoformat(), "to": end.isoformat()}
    rows: list[dict[str, Any]] = (await user.api.gql(SNAPSHOTS, variables))["portfolio"][
        "snapshots"
    ]
    return rows


async def performance_of(
    user: SignedIn,
    portfolio_id: str,
    period: str = "CUSTOM",
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    variables = {
        "id": portfolio_id,
        "period": period,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
    }
    result: dict[str, Any] = (await user.api.gql(PERFORMANCE, variables))["portfolio"][
        "performance"
    ]
    return result


def approx_dollars(values: Any) -> Any:
    return pytest.approx(values, abs=DOLLARS)


def approx_fractions(values: Any) -> Any:
    return pytest.approx(values, rel=FRACTION, abs=FRACTION)


async def test_one_stock_held_ten_days_has_the_return_computed_by_hand(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given: $10,000 cash and 100 AAPL bought at 50.00 on d0, held through d9
    d = recent_trading_days(10)
    closes = [51.00, 50.50, 52.25, 51.75, 53.00, 52.00, 54.10, 53.60, 55.00, 54.40]
    await store_closes(app, "AAPL", dict(zip(d, closes, strict=True)))
    pid = await create_portfolio(alice)
    await set_cash(alice, pid, 10_000.00)
    position_id = await hold(alice, pid, "AAPL", 100, 50.00, d[0])
    await write_snapshots(app, settings, pid, d)
    # when
    rows = await snapshots_of(alice, pid, d[0], d[9])
    result = await performance_of(alice, pid, "CUSTOM", d[0], d[9])
    # then: by hand, day 0 from the entry price over cash + cost, then close to close over
    # cash + the previous close's market value
    pnl = [
        (51.00 - 50.00) * 100,  # 100
        (50.50 - 51.00) * 100,  # -50
        (52.25 - 50.50) * 100,  # 175
        (51.75 - 52.25) * 100,  # -50
        (53.00 - 51.75) * 100,  # 125
        (52.00 - 53.00) * 100,  # -100
        (54.10 - 52.00) * 100,  # 210
        (53.60 - 54.10) * 100,  # -50
        (55.00 - 53.60) * 100,  # 140
        (54.40 - 55.00) * 100,  # -60
    ]
    bases = [
        10_000 + 50.00 * 100,  # previous close: cash only; net flow: the $5,000 cost
        10_000 + 51.00 * 100,
        10_000 + 50.50 * 100,
        10_000 + 52.25 * 100,
        10_000 + 51.75 * 100,
        10_000 + 53.00 * 100,
        10_000 + 52.00 * 100,
        10_000 + 54.10 * 100,
        10_000 + 53.60 * 100,
        10_000 + 55.00 * 100,
    ]
    returns = [p / b for p, b in zip(pnl, bases, strict=True)]
    assert [r["date"] for r in rows] == [day.isoformat() for day in d]
    assert [r["dailyPnl"] for r in rows] == approx_dollars(pnl)
    assert [r["dailyReturn"] for r in rows] == approx_fractions(returns)
    assert [r["netFlow"] for r in rows] == approx_dollars([5_000.0] + [0.0] * 9)
    assert [r["cash"] for r in rows] == [10_000.0] * 10
    assert [r["marketValue"] for r in rows] == approx_dollars([c * 100 for c in closes])
    assert [r["totalValue"] for r in rows] == approx_dollars([10_000 + c * 100 for c in closes])
    assert [r["cumulativePnl"] for r in rows] == approx_dollars([(c - 50.00) * 100 for c in closes])
    assert [r["positionCount"] for r in rows] == [1] * 10
    assert all(r["complete"] for r in rows)
    assert rows[9]["notional"] == approx_dollars(
        {"long": 5_440.0, "short": 0.0, "gross": 5_440.0, "net": 5_440.0}
    )

    total = (54.40 - 50.00) * 100  # 440
    linked = (
        (1 + 100 / 15_000)
        * (1 - 50 / 15_100)
        * (1 + 175 / 15_050)
        * (1 - 50 / 15_225)
        * (1 + 125 / 15_175)
        * (1 - 100 / 15_300)
        * (1 + 210 / 15_200)
        * (1 - 50 / 15_410)
        * (1 + 140 / 15_360)
        * (1 - 60 / 15_500)
    ) - 1
    assert linked == approx_fractions(math.prod(1 + r for r in returns) - 1)
    assert result["period"] == "CUSTOM"
    assert (result["from"], result["to"]) == (d[0].isoformat(), d[9].isoformat())
    assert result["days"] == 10
    assert result["pnl"] == approx_dollars(total)
    assert result["return"] == approx_fractions(linked)
    assert result["netFlow"] == approx_dollars(5_000.0)
    assert result["bestDay"] == {
        "date": d[6].isoformat(),
        "pnl": approx_dollars(210.0),
        "dailyReturn": approx_fractions(210 / 15_200),
    }
    assert result["worstDay"] == {
        "date": d[5].isoformat(),
        "pnl": approx_dollars(-100.0),
        "dailyReturn": approx_fractions(-100 / 15_300),
    }
    [only] = result["byPosition"]
    assert parse_id(only["key"], "Position") == parse_id(position_id, "Position")
    assert (only["label"], only["pnl"]) == ("AAPL", approx_dollars(total))
    assert result["byTag"] == [
        {"key": "Untagged", "label": "Untagged", "pnl": approx_dollars(total)}
    ]
    assert result["byType"] == [{"key": "LONG", "label": "LONG", "pnl": approx_dollars(total)}]
    assert result["complete"] is True
    assert "time-weighted" in result["returnMethod"]


async def test_positions_closed_and_added_mid_period_count_as_flows_not_performance(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given: $20,000 cash; held since the day before the period: 100 MSFT at 300.00 and
    # 200 KO at 60.00 (KO sold on d3 at 62.50); 40 XOM shorted on d2 at 110.00; 10 NVDA
    # bought and sold on d4 (120.00 -> 125.00); 50 PEP bought on d5 at 170.00
    before, *d = recent_trading_days(9)
    await store_closes(
        app,
        "MSFT",
        dict(zip([before, *d], [301, 303, 302, 305, 304, 306, 303, 307, 308], strict=True)),
    )
    ko = [60.50, 61.00, 61.50, 60.75, 62.00, 63.00, 63.00, 63.00, 63.00]
    await store_closes(app, "KO", dict(zip([before, *d], ko, strict=True)))
    xom = [109.00, 111.00, 108.50, 108.00, 110.50, 107.00]
    await store_closes(app, "XOM", dict(zip(d[2:], xom, strict=True)))
    await store_closes(app, "NVDA", {d[4]: 122.00})
    await store_closes(app, "PEP", dict(zip(d[5:], [171.00, 169.50, 172.00], strict=True)))
    pid = await create_portfolio(alice)
    await set_cash(alice, pid, 20_000.00)
    await hold(alice, pid, "MSFT", 100, 300.00, before)
    ko_id = await hold(alice, pid, "KO", 200, 60.00, before)
    await close(alice, ko_id, 62.50, d[3])
    await hold(alice, pid, "XOM", -40, 110.00, d[2])
    nvda_id = await hold(alice, pid, "NVDA", 10, 120.00, d[4])
    await close(alice, nvda_id, 125.00, d[4])
    await hold(alice, pid, "PEP", 50, 170.00, d[5])
    await write_snapshots(app, settings, pid, d)
    # when
    rows = await snapshots_of(alice, pid, d[0], d[7])
    result = await performance_of(alice, pid, "CUSTOM", d[0], d[7])
    # then: by hand
    value_before = 20_000 + 100 * 301 + 200 * 60.50  # 62,200
    pnl = [
        100 * (303 - 301) + 200 * (61.00 - 60.50),  # 300
        100 * (302 - 303) + 200 * (61.50 - 61.00),  # 0
        100 * (305 - 302) + 200 * (60.75 - 61.50) - 40 * (109.00 - 110.00),  # 190
        100 * (304 - 305) + 200 * (62.50 - 60.75) - 40 * (111.00 - 109.00),  # 170: KO to exit
        100 * (306 - 304) - 40 * (108.50 - 111.00) + 10 * (125.00 - 120.00),  # 350
        100 * (303 - 306) - 40 * (108.00 - 108.50) + 50 * (171.00 - 170.00),  # -230
        100 * (307 - 303) - 40 * (110.50 - 108.00) + 50 * (169.50 - 171.00),  # 225
        100 * (308 - 307) - 40 * (107.00 - 110.50) + 50 * (172.00 - 169.50),  # 365
    ]
    flows = [
        0.0,
        0.0,
        -40 * 110.00,  # the short sale brings in 4,400
        -200 * 62.50,  # KO's proceeds, 12,500
        10 * 120.00 - 10 * 125.00,  # NVDA in and out the same day
        50 * 170.00,  # PEP's cost, 8,500
        0.0,
        0.0,
    ]
    values = [
        20_000 + 100 * 303 + 200 * 61.00,  # 62,500
        20_000 + 100 * 302 + 200 * 61.50,  # 62,500
        20_000 + 100 * 305 + 200 * 60.75 - 40 * 109.00,  # 58,290
        20_000 + 100 * 304 - 40 * 111.00,  # 45,960
        20_000 + 100 * 306 - 40 * 108.50,  # 46,260
        20_000 + 100 * 303 - 40 * 108.00 + 50 * 171.00,  # 54,530
        20_000 + 100 * 307 - 40 * 110.50 + 50 * 169.50,  # 54,755
        20_000 + 100 * 308 - 40 * 107.00 + 50 * 172.00,  # 55,120
    ]
    returns = [pnl[k] / ((values[k - 1] if k else value_before) + flows[k]) for k in range(len(d))]
    assert [r["date"] for r in rows] == [day.isoformat() for day in d]
    assert [r["dailyPnl"] for r in rows] == approx_dollars(pnl)
    assert [r["netFlow"] for r in rows] == approx_dollars(flows)
    assert [r["totalValue"] for r in rows] == approx_dollars(values)
    assert [r["dailyReturn"] for r in rows] == approx_fractions(returns)
    assert returns[3] == approx_fractions(170 / (58_290 - 12_500))
    assert [r["positionCount"] for r in rows] == [2, 2, 3, 2, 2, 3, 3, 3]
    # since inception at d7: MSFT 800, KO realised 500, XOM 120, NVDA realised 50, PEP 100
    assert rows[7]["cumulativePnl"] == approx_dollars(800 + 500 + 120 + 50 + 100)
    assert rows[7]["notional"] == approx_dollars(
        {"long": 30_800.0 + 8_600.0, "short": -4_280.0, "gross": 43_680.0, "net": 35_120.0}
    )
    assert result["days"] == 8
    assert result["pnl"] == approx_dollars(sum(pnl))
    assert result["pnl"] == approx_dollars(1_570 - (100 * (301 - 300) + 200 * (60.50 - 60.00)))
    assert result["netFlow"] == approx_dollars(-4_400 - 12_500 - 50 + 8_500)
    assert result["return"] == approx_fractions(math.prod(1 + r for r in returns) - 1)
    assert result["bestDay"]["date"] == d[7].isoformat()
    assert result["worstDay"]["date"] == d[5].isoformat()
    by_label = {p["label"]: p["pnl"] for p in result["byPosition"]}
    assert by_label == approx_dollars(
        {
            "MSFT": 100 * (308 - 301),
            "KO": 200 * (62.50 - 60.50),
            "XOM": -40 * (107.00 - 110.00),
            "NVDA": 10 * (125.00 - 120.00),
            "PEP": 50 * (172.00 - 170.00),
        }
    )
    assert {t["key"]: t["pnl"] for t in result["byType"]} == approx_dollars(
        {"LONG": 700 + 400 + 50 + 100, "SHORT": 120}
    )


async def tagged_book(
    app: Starlette, alice: SignedIn, days: Sequence[date]
) -> tuple[str, str, str]:
    """Stocks long and short and options long and short over `days` (the first is the close
    before the period): AAPL tagged Tech and Core, MSFT Tech, a long AAPL call bought on day 3
    and a short MSFT put closed on day 9 tagged Hedges, KO Core held from day 5 to day 11, JNJ
    untagged. Returns the portfolio's id and the call's and the put's symbols."""
    spots = {"AAPL": 187.3141, "MSFT": 402.7183, "KO": 61.0427, "JNJ": 151.6659}
    paths: dict[str, list[float]] = {}
    for n, (symbol, spot) in enumerate(spots.items()):
        paths[symbol] = [spot * (1 + 0.011 * math.sin(1.7 * k + n)) for k in range(len(days))]
        await store_closes(app, symbol, dict(zip(days, paths[symbol], strict=True)))
    call = occ_symbol("AAPL", 90, "C", 190.0)
    put = occ_symbol("MSFT", 60, "P", 390.0)
    for symbol, underlying, is_call, strike, days_ahead in (
        (call, "AAPL", True, 190.0, 90),
        (put, "MSFT", False, 390.0, 60),
    ):
        expiry = clock.today() + timedelta(days=days_ahead)
        years = [(expiry - day).days / 365 for day in days]
        prices = bsm_price(is_call, paths[underlying], strike, years, 0.04, 0.3, 0.0)
        await store_closes(
            app, symbol, {day: round(float(p), 4) for day, p in zip(days, prices, strict=True)}
        )
    pid = await create_portfolio(alice)
    await set_cash(alice, pid, 50_000.00)
    tech, core, hedges = [await create_tag(alice, name) for name in ("Tech", "Core", "Hedges")]
    aapl = await hold(alice, pid, "AAPL", 100, 185.1234, days[0])
    msft = await hold(alice, pid, "MSFT", -50, 405.4321, days[0])
    call_id = await hold(alice, pid, call, 3, 9.8765, days[3])
    put_id = await hold(alice, pid, put, -2, 7.6543, days[0])
    ko = await hold(alice, pid, "KO", 80, 60.9876, days[5])
    await hold(alice, pid, "JNJ", 37, 150.1111, days[0])
    await close(alice, put_id, 6.4321, days[9])
    await close(alice, ko, 61.7777, days[11])
    await tag(alice, aapl, tech, core)
    await tag(alice, msft, tech)
    await tag(alice, call_id, hedges)
    await tag(alice, put_id, hedges)
    await tag(alice, ko, core)
    return pid, call, put


async def test_attribution_sums_to_total_pnl_to_the_cent(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given: 15 days of snapshots of a tagged book of stocks and options, some added and
    # closed in the period
    days = recent_trading_days(16)
    pid, call, put = await tagged_book(app, alice, days)
    await write_snapshots(app, settings, pid, days[1:])
    # when
    rows = await snapshots_of(alice, pid, days[1], days[-1])
    result = await performance_of(alice, pid, "CUSTOM", days[1], days[-1])
    # then
    pnl = result["pnl"]
    assert result["days"] == 15
    # (each served amount is within half a cent of its exact value, so a sum of n of them is
    # within n half-cents of the exact sum)
    assert pnl == pytest.approx(sum(r["dailyPnl"] for r in rows), abs=HALF_CENT * 16)
    # ... which is the change in since-inception P&L over the period
    first = rows[0]["cumulativePnl"] - rows[0]["dailyPnl"]
    assert pnl == pytest.approx(rows[-1]["cumulativePnl"] - first, abs=HALF_CENT * 4)
    assert abs(pnl) > 1.0
    for kind in ("byPosition", "byTag", "byType"):
        slices = result[kind]
        assert sum(s["pnl"] for s in slices) == pytest.approx(
            pnl, abs=HALF_CENT * (len(slices) + 1)
        ), kind
    by_position = {p["label"]: p["pnl"] for p in result["byPosition"]}
    assert len(by_position) == 6
    by_tag = {t["key"]: t["pnl"] for t in result["byTag"]}
    assert by_tag == pytest.approx(
        {
            "Tech": by_position["AAPL"] / 2 + by_position["MSFT"],
            "Core": by_position["AAPL"] / 2 + by_position["KO"],
            "Hedges": by_position[call] + by_position[put],
            "Untagged": by_position["JNJ"],
        },
        abs=HALF_CENT * 4,
    )
    by_type = {t["key"]: t["pnl"] for t in result["byType"]}
    assert by_type == pytest.approx(
        {
            "LONG": by_position["AAPL"] + by_position["KO"] + by_position["JNJ"],
            "SHORT": by_position["MSFT"],
            "LC": by_position[call],
            "SP": by_position[put],
        },
        abs=HALF_CENT * 4,
    )
    assert [abs(p["pnl"]) for p in result["byPosition"]] == sorted(
        (abs(p["pnl"]) for p in result["byPosition"]), reverse=True
    )
    assert result["complete"] is True


def _stored(rows: Sequence[Any], *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    skip = {"id", "created_at", "updated_at"}
    return {
        tuple(getattr(r, k) for k in keys): {
            c: v for c, v in vars(r).items() if not c.startswith("_") and c not in skip
        }
        for r in rows
    }


async def test_rerunning_the_same_days_replaces_the_rows(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given: a book's snapshots written once
    days = recent_trading_days(16)
    pid, _, _ = await tagged_book(app, alice, days)
    await write_snapshots(app, settings, pid, days[1:])
    factory = create_session_factory(app.state.engine)

    async def stored() -> tuple[dict[Any, Any], dict[Any, Any]]:
        async with factory() as session:
            portfolio = await session.scalars(select(PortfolioSnapshot))
            positions = await session.scalars(select(PositionSnapshot))
            return (
                _stored(list(portfolio), "day"),
                _stored(list(positions), "day", "position_id"),
            )

    first_portfolio, first_positions = await stored()
    # when
    await write_snapshots(app, settings, pid, days[1:])
    await write_snapshots(app, settings, pid, days[3:5])
    # then
    portfolio, positions = await stored()
    assert len(first_portfolio) == 15
    assert len(first_positions) > 15
    assert portfolio == first_portfolio
    assert positions == first_positions


def snapshot_row(portfolio_id: uuid.UUID, day: date, pnl: float, ret: float) -> dict[str, Any]:
    """A stored snapshot with this P&L and return and nothing else."""
    zeros = dict.fromkeys(
        [
            "cash",
            "market_value",
            "total_value",
            "net_flow",
            "cumulative_pnl",
            "long_exposure",
            "short_exposure",
            "gross_exposure",
            "net_exposure",
            "delta_long_exposure",
            "delta_short_exposure",
            "delta_gross_exposure",
            "delta_net_exposure",
        ],
        0.0,
    )
    return {
        "portfolio_id": portfolio_id,
        "day": day,
        "daily_pnl": pnl,
        "daily_return": ret,
        "position_count": 0,
        "complete": True,
        **zeros,
    }


async def store_snapshots(app: Starlette, rows: list[dict[str, Any]]) -> None:
    async with app.state.engine.begin() as conn:
        await conn.execute(insert(PortfolioSnapshot), rows)


async def test_more_than_366_snapshots_in_the_range_is_an_error(
    app: Starlette, alice: SignedIn
) -> None:
    # given: 367 daily rows
    pid = await create_portfolio(alice)
    last = clock.today() - timedelta(days=1)
    first = last - timedelta(days=366)
    await store_snapshots(
        app,
        [snapshot_row(uuid_of(pid), first + timedelta(days=k), 1.0, 0.0) for k in range(367)],
    )
    # when
    variables = {"id": pid, "from": first.isoformat(), "to": last.isoformat()}
    too_many = await alice.api.raw(SNAPSHOTS, variables)
    just_enough = await snapshots_of(alice, pid, first + timedelta(days=1), last)
    # then
    assert too_many["errors"][0]["extensions"]["code"] == "RANGE_TOO_LONG", too_many
    assert "367" in too_many["errors"][0]["message"]
    assert len(just_enough) == 366


def month_back(day: date) -> date:
    """The same day of the month before (the month's last day when it has fewer days)."""
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


async def test_named_periods_end_on_the_latest_snapshot(app: Starlette, alice: SignedIn) -> None:
    # given: a snapshot (P&L $1, return 0.1%) every trading day of the last 400 calendar days
    # up to a week ago, none since
    pid = await create_portfolio(alice)
    latest = recent_trading_days(6)[0]
    stored = calendar.trading_days(latest - timedelta(days=400), latest)
    await store_snapshots(app, [snapshot_row(uuid_of(pid), d, 1.0, 0.001) for d in stored])
    # when
    month = await performance_of(alice, pid, "MONTH")
    ytd = await performance_of(alice, pid, "YTD")
    day = await performance_of(alice, pid, "DAY")
    # then
    for result, start in (
        (month, month_back(latest) + timedelta(days=1)),
        (ytd, date(latest.year, 1, 1)),
        (day, latest),
    ):
        count = len([d for d in stored if start <= d <= latest])
        assert (result["from"], result["to"]) == (start.isoformat(), latest.isoformat())
        assert result["days"] == count
        assert result["pnl"] == approx_dollars(float(count))
        assert result["return"] == approx_fractions(1.001**count - 1)


async def test_a_custom_period_needs_both_dates(alice: SignedIn) -> None:
    # given
    pid = await create_portfolio(alice)
    today = clock.today()
    # when
    without = await alice.api.raw(
        PERFORMANCE, {"id": pid, "period": "CUSTOM", "from": today.isoformat()}
    )
    backwards = await alice.api.raw(
        PERFORMANCE,
        {
            "id": pid,
            "period": "CUSTOM",
            "from": today.isoformat(),
            "to": (today - timedelta(days=1)).isoformat(),
        },
    )
    # then
    assert without["errors"][0]["extensions"]["code"] == "REQUIRED", without
    assert backwards["errors"][0]["extensions"]["code"] == "INVALID_RANGE", backwards


DRAWDOWNS = """query($id: ID!, $from: Date, $to: Date) { portfolio(id: $id) {
  snapshots(from: $from, to: $to) { date dailyReturn drawdown } } }"""


async def test_snapshots_serve_the_drawdown_from_the_first_day_of_the_range(
    app: Starlette, alice: SignedIn
) -> None:
    # given: five closes with returns +10%, -20%, unknown, +5%, +30%
    pid = await create_portfolio(alice)
    days = recent_trading_days(5)
    returns = [0.10, -0.20, None, 0.05, 0.30]
    rows = [snapshot_row(uuid_of(pid), d, 1.0, 0.0) for d in days]
    for row, ret in zip(rows, returns, strict=True):
        row["daily_return"] = ret
    await store_snapshots(app, rows)
    # when: the whole range, and the range from the second day
    variables = {"id": pid, "from": days[0].isoformat(), "to": days[-1].isoformat()}
    whole = (await alice.api.gql(DRAWDOWNS, variables))["portfolio"]["snapshots"]
    later = await alice.api.gql(DRAWDOWNS, {**variables, "from": days[1].isoformat()})
    # then: by hand, wealth 1.1, 0.88, (unknown), 0.924, 1.2012 against peaks 1.1, 1.1, -, 1.1, 1.2012
    assert [s["drawdown"] for s in whole] == pytest.approx(
        [0.0, 0.88 / 1.1 - 1, None, 0.924 / 1.1 - 1, 0.0]
    )
    # and from the second day, the first loss is measured from that day's start
    assert [s["drawdown"] for s in later["portfolio"]["snapshots"]] == pytest.approx(
        [-0.2, None, 0.8 * 1.05 - 1, 0.0]
    )
