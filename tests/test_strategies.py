"""Strategy detection on hand-made books: one per strategy, and books where nothing is found."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from sigmasight.instruments.occ import OptionType
from sigmasight.portfolios.strategies import Leg, StrategyKind, detect_strategies

JAN = date(2027, 1, 15)
FEB = date(2027, 2, 19)
CALL, PUT = OptionType.CALL, OptionType.PUT


def stock(symbol: str, quantity: int, *tags: str) -> Leg:
    return Leg(uuid.uuid4(), symbol, Decimal(quantity), 1, tags=frozenset(tags))


def option(symbol: str, quantity: int, kind: OptionType, strike: int, expiry: date = JAN) -> Leg:
    return Leg(uuid.uuid4(), symbol, Decimal(quantity), 100, kind, Decimal(strike), expiry)


def kinds(legs: list[Leg]) -> list[StrategyKind]:
    return [s.kind for s in detect_strategies(legs)]


@pytest.mark.parametrize(
    ("book", "expected"),
    [
        ([stock("AAPL", 300), option("AAPL", -3, CALL, 300)], StrategyKind.COVERED_CALL),
        ([stock("AVGO", 1200), option("AVGO", 12, PUT, 300)], StrategyKind.PROTECTIVE_PUT),
        (
            [stock("AAPL", 2000), option("AAPL", 20, PUT, 250), option("AAPL", -20, CALL, 320)],
            StrategyKind.COLLAR,
        ),
        (
            [option("TSLA", 1, CALL, 400), option("TSLA", -1, CALL, 500)],
            StrategyKind.VERTICAL_CALL_SPREAD,
        ),
        (
            [option("KRE", 10, PUT, 60), option("KRE", -10, PUT, 55)],
            StrategyKind.VERTICAL_PUT_SPREAD,
        ),
        ([option("AMZN", 5, CALL, 250), option("AMZN", 5, PUT, 250)], StrategyKind.STRADDLE),
        ([option("META", -4, CALL, 850), option("META", -4, PUT, 650)], StrategyKind.STRANGLE),
        ([stock("GM", 3000, "autos pair"), stock("F", -15000, "autos pair")], StrategyKind.PAIRS),
    ],
)
def test_each_strategy_is_recognised(book: list[Leg], expected: StrategyKind) -> None:
    # when
    found = detect_strategies(book)
    # then
    assert [s.kind for s in found] == [expected]
    assert sorted(map(str, found[0].position_ids)) == sorted(str(leg.id) for leg in book)


def test_strategies_are_found_among_unrelated_positions() -> None:
    # given
    book = [
        stock("MSFT", 100),
        option("TSLA", -1, CALL, 500),
        stock("XOM", 50),
        option("TSLA", 1, CALL, 400),
        option("NVDA", 2, CALL, 200),
    ]
    # when
    found = detect_strategies(book)
    # then
    assert [(s.kind, s.label) for s in found] == [
        (StrategyKind.VERTICAL_CALL_SPREAD, "TSLA call spread")
    ]


@pytest.mark.parametrize(
    "book",
    [
        pytest.param([stock("AAPL", 100), stock("MSFT", 200)], id="two longs"),
        pytest.param(
            [stock("AAPL", 100), option("MSFT", -1, CALL, 400)], id="call on another name"
        ),
        pytest.param([stock("AAPL", 100), option("AAPL", -3, CALL, 300)], id="call not covered"),
        pytest.param(
            [stock("AAPL", -300), option("AAPL", -3, CALL, 300)], id="short stock, short call"
        ),
        pytest.param(
            [option("TSLA", 1, CALL, 400), option("TSLA", -1, CALL, 500, FEB)],
            id="calendar, not vertical",
        ),
        pytest.param(
            [option("TSLA", 1, CALL, 400), option("TSLA", -2, CALL, 500)], id="ratio spread"
        ),
        pytest.param(
            [option("AMZN", 5, CALL, 250), option("AMZN", -5, PUT, 250)],
            id="synthetic, not straddle",
        ),
        pytest.param(
            [option("AMZN", 5, CALL, 250), option("AMZN", 5, PUT, 250, FEB)],
            id="different expiries",
        ),
        pytest.param(
            [stock("GM", 100, "autos"), stock("F", -100, "energy")], id="pair without a shared tag"
        ),
        pytest.param(
            [stock("GM", 100, "autos"), stock("F", 100, "autos")], id="two longs sharing a tag"
        ),
        pytest.param(
            [
                stock("BAC", 100, "financials"),
                stock("ZION", -100, "financials"),
                stock("JPM", 50, "financials"),
            ],
            id="long and short sharing only a sector tag",
        ),
        pytest.param([], id="empty book"),
    ],
)
def test_nothing_is_detected_where_no_strategy_exists(book: list[Leg]) -> None:
    assert kinds(book) == []


def test_a_position_joins_one_strategy_only() -> None:
    # given: the stock could cover the call or protect with the put; together they are a collar
    book = [stock("AAPL", 100), option("AAPL", 1, PUT, 250), option("AAPL", -1, CALL, 320)]
    # when / then
    assert kinds(book) == [StrategyKind.COLLAR]


def test_detection_does_not_depend_on_input_order() -> None:
    # given
    book = [
        stock("AAPL", 300),
        option("AAPL", -3, CALL, 300),
        option("AAPL", 3, PUT, 250, FEB),
        stock("GM", 10, "pair"),
        stock("F", -10, "pair"),
    ]
    # when
    forwards = [(s.kind, set(s.position_ids)) for s in detect_strategies(book)]
    backwards = [(s.kind, set(s.position_ids)) for s in detect_strategies(book[::-1])]
    # then
    assert forwards == backwards
