"""Recognising option and pair strategies in a book. Pure: legs in, strategies out.

Each position joins at most one strategy; the more specific shapes are matched first (a collar
before a covered call or a protective put), and legs are visited in a fixed order so the same
book always gives the same answer: the legs of an underlying are sorted by expiry, strike and id,
and each shape in turn takes the first fitting set of free legs in that order (the set whose
earliest leg comes first, ties broken by the next leg), again and again, before the next shape.

Legs are indexed by what a shape needs to be equal (expiry, quantity, strike), and segment trees
answer "the first free leg with at most / at least / other than this value", so a book of n legs
costs O(n log n) rather than the O(n^3) of trying every combination.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from sigmasight.instruments.occ import OptionType

K = TypeVar("K", bound=Hashable)


class StrategyKind(StrEnum):
    COLLAR = "COLLAR"
    COVERED_CALL = "COVERED_CALL"
    PROTECTIVE_PUT = "PROTECTIVE_PUT"
    VERTICAL_CALL_SPREAD = "VERTICAL_CALL_SPREAD"
    VERTICAL_PUT_SPREAD = "VERTICAL_PUT_SPREAD"
    STRADDLE = "STRADDLE"
    STRANGLE = "STRANGLE"
    PAIRS = "PAIRS"  # a long and a short stock tagged together


_LABELS = {
    StrategyKind.COLLAR: "collar",
    StrategyKind.COVERED_CALL: "covered call",
    StrategyKind.PROTECTIVE_PUT: "protective put",
    StrategyKind.VERTICAL_CALL_SPREAD: "call spread",
    StrategyKind.VERTICAL_PUT_SPREAD: "put spread",
    StrategyKind.STRADDLE: "straddle",
    StrategyKind.STRANGLE: "strangle",
    StrategyKind.PAIRS: "pair",
}


@dataclass(frozen=True, slots=True)
class Leg:
    """What detection needs to know about an open position."""

    id: uuid.UUID
    underlying: str
    quantity: Decimal
    multiplier: int
    option_type: OptionType | None = None
    strike: Decimal | None = None
    expiration: date | None = None
    tags: frozenset[str] = frozenset()

    @property
    def is_stock(self) -> bool:
        return self.option_type is None

    @property
    def is_long(self) -> bool:
        return self.quantity > 0

    def is_option(self, option_type: OptionType, *, long: bool) -> bool:
        return self.option_type is option_type and self.is_long == long

    @property
    def shares(self) -> Decimal:
        """Shares controlled: stock quantity, or contracts x multiplier (unsigned)."""
        return abs(self.quantity) * self.multiplier


@dataclass(frozen=True, slots=True)
class Strategy:
    kind: StrategyKind
    label: str
    position_ids: tuple[uuid.UUID, ...]


class _Slots:
    """Legs in book order, each with a value; finds the first remaining leg whose value fits.

    A segment tree keeps the least and greatest value of the remaining legs under each node, so
    every query walks down one branch: O(log n) per query, per removal and per change.
    """

    def __init__(self, entries: Iterable[tuple[int, Decimal | None]]) -> None:
        items = list(entries)  # (position in the book, value or None for absent), in book order
        self._positions = [position for position, _ in items]
        self._slot = {position: n for n, position in enumerate(self._positions)}
        self._size = 1
        while self._size < len(items):
            self._size *= 2
        self._low: list[Decimal | None] = [None] * (2 * self._size)
        self._high: list[Decimal | None] = [None] * (2 * self._size)
        for n, (_, value) in enumerate(items):
            self._low[self._size + n] = self._high[self._size + n] = value
        for node in range(self._size - 1, 0, -1):
            self._pull(node)

    def _pull(self, node: int) -> None:
        lows = [v for v in (self._low[2 * node], self._low[2 * node + 1]) if v is not None]
        highs = [v for v in (self._high[2 * node], self._high[2 * node + 1]) if v is not None]
        self._low[node] = min(lows) if lows else None
        self._high[node] = max(highs) if highs else None

    def set(self, position: int, value: Decimal | None) -> None:
        """Change a leg's value; None removes it."""
        node = self._size + self._slot[position]
        self._low[node] = self._high[node] = value
        while node > 1:
            node //= 2
            self._pull(node)

    def discard(self, position: int) -> None:
        if position in self._slot:
            self.set(position, None)

    def lowest(self) -> Decimal | None:
        return self._low[1]

    def _first(self, fits: Callable[[Decimal, Decimal], bool]) -> int | None:
        # `fits(low, high)` must hold of a node exactly when some leg under it fits.
        def under(node: int) -> bool:
            low, high = self._low[node], self._high[node]
            return low is not None and high is not None and fits(low, high)

        if not under(1):
            return None
        node = 1
        while node < self._size:
            node = 2 * node if under(2 * node) else 2 * node + 1
        return self._positions[node - self._size]

    def first(self) -> int | None:
        return self._first(lambda low, high: True)

    def first_at_most(self, limit: Decimal) -> int | None:
        return self._first(lambda low, high: low <= limit)

    def first_other_than(self, value: Decimal) -> int | None:
        return self._first(lambda low, high: low != value or high != value)


def _grouped(entries: Iterable[tuple[K, int, Decimal]]) -> dict[K, _Slots]:
    """Slots per key, from (key, position in the book, value) in book order."""
    items: dict[K, list[tuple[int, Decimal]]] = {}
    for key, position, value in entries:
        items.setdefault(key, []).append((position, value))
    return {key: _Slots(group) for key, group in items.items()}


def _free(book: Sequence[Leg], free: list[bool]) -> Iterator[tuple[int, Leg]]:
    # Reads `free` as it goes: a leg taken by an earlier hit is skipped.
    for position, leg in enumerate(book):
        if free[position]:
            yield position, leg


def _long_stock(leg: Leg) -> bool:
    return leg.is_stock and leg.is_long


def _strike_ranks(book: Sequence[Leg]) -> dict[Decimal | None, Decimal]:
    # Equal strikes (100 and 100.0) share a rank; only equality of strikes matters to the shapes.
    ranks: dict[Decimal | None, Decimal] = {}
    for leg in book:
        ranks.setdefault(leg.strike, Decimal(len(ranks)))
    return ranks


# Each finder takes the legs of one underlying in book order and which of them are still free,
# and returns its hits (positions in the shape's leg order), marking their legs as taken.
#
# Why scanning once in book order finds exactly what the all-combinations search found (the
# first fitting set of legs in book order, again and again): when leg i is reached, no fitting
# set made of free legs starts before i (the legs before it either found theirs then, or had
# none, and taking legs never creates one), so the first fitting set containing i starts at i,
# and each finder picks the first such set, comparing the other positions in ascending order.
_Finder = Callable[[Sequence[Leg], list[bool]], list[tuple[int, ...]]]


def _take(free: list[bool], hit: tuple[int, ...]) -> tuple[int, ...]:
    for position in hit:
        free[position] = False
    return hit


def _collar(book: Sequence[Leg], free: list[bool]) -> list[tuple[int, ...]]:
    """Long stock, a long put and a short call of one expiry, the stock covering both:
    (stock, put, call)."""
    puts = _grouped(
        (leg.expiration, n, leg.shares)
        for n, leg in _free(book, free)
        if leg.is_option(OptionType.PUT, long=True)
    )
    calls = _grouped(
        (leg.expiration, n, leg.shares)
        for n, leg in _free(book, free)
        if leg.is_option(OptionType.CALL, long=False)
    )
    # A stock's first collar uses the first expiry whose smallest put and smallest call it covers:
    # the book is sorted by expiry (every option has one), so the options of one expiry sit
    # together and an earlier expiry's come first.
    expiries = [
        e for e in dict.fromkeys(leg.expiration for leg in book) if e in puts and e in calls
    ]
    month = {e: n for n, e in enumerate(expiries)}

    def need(expiry: date | None) -> Decimal | None:
        put, call = puts[expiry].lowest(), calls[expiry].lowest()
        return None if put is None or call is None else max(put, call)

    months = _Slots((n, need(e)) for n, e in enumerate(expiries))
    hits: list[tuple[int, ...]] = []
    # Stocks sort before every option of their underlying, so a shape is always found from its
    # stock: an option reached later could only pair with a stock that already found none.
    for n, leg in _free(book, free):
        if not _long_stock(leg):
            continue
        first_month = months.first_at_most(leg.shares)
        if first_month is None:
            continue
        expiry = expiries[first_month]
        put = puts[expiry].first_at_most(leg.shares)
        call = calls[expiry].first_at_most(leg.shares)
        assert put is not None and call is not None
        puts[expiry].discard(put)
        calls[expiry].discard(call)
        months.set(month[expiry], need(expiry))
        hits.append(_take(free, (n, put, call)))
    return hits


def _covering(option_type: OptionType, *, long: bool) -> _Finder:
    """Long stock and an option on it that the stock covers (as many shares or more):
    (stock, option). A covered call sells a call; a protective put buys a put."""

    def find(book: Sequence[Leg], free: list[bool]) -> list[tuple[int, ...]]:
        options = _Slots(
            (n, leg.shares) for n, leg in _free(book, free) if leg.is_option(option_type, long=long)
        )
        hits: list[tuple[int, ...]] = []
        for n, leg in _free(book, free):  # stocks come first (see `_collar`)
            option = options.first_at_most(leg.shares) if _long_stock(leg) else None
            if option is not None:
                options.discard(option)
                hits.append(_take(free, (n, option)))
        return hits

    return find


def _vertical(option_type: OptionType) -> _Finder:
    """Two options of one type and expiry at different strikes, one bought and one sold in the
    same size: the two legs in book order."""

    def find(book: Sequence[Leg], free: list[bool]) -> list[tuple[int, ...]]:
        rank = _strike_ranks(book)
        legs = _grouped(
            ((leg.expiration, leg.quantity), n, rank[leg.strike])
            for n, leg in _free(book, free)
            if leg.option_type is option_type
        )
        hits: list[tuple[int, ...]] = []
        for n, leg in _free(book, free):
            if leg.option_type is not option_type:
                continue
            others = legs.get((leg.expiration, -leg.quantity))
            other = None if others is None else others.first_other_than(rank[leg.strike])
            if others is not None and other is not None:
                legs[(leg.expiration, leg.quantity)].discard(n)
                others.discard(other)
                hits.append(_take(free, (n, other)))
        return hits

    return find


def _call_and_put(*, same_strike: bool) -> _Finder:
    """A call and a put of one expiry and the same quantity: (call, put). A straddle has them
    at one strike, a strangle at two."""

    def find(book: Sequence[Leg], free: list[bool]) -> list[tuple[int, ...]]:
        rank = _strike_ranks(book)

        def key(leg: Leg) -> Hashable:
            if same_strike:
                return (leg.expiration, leg.quantity, rank[leg.strike])
            return (leg.expiration, leg.quantity)

        sides = {
            kind: _grouped(
                (key(leg), n, rank[leg.strike])
                for n, leg in _free(book, free)
                if leg.option_type is kind
            )
            for kind in OptionType
        }
        hits: list[tuple[int, ...]] = []
        for n, leg in _free(book, free):
            if leg.option_type is None:
                continue
            mine = sides[leg.option_type]
            other_kind = OptionType.PUT if leg.option_type is OptionType.CALL else OptionType.CALL
            others = sides[other_kind].get(key(leg))
            if others is None:
                continue
            strike = rank[leg.strike]
            other = others.first() if same_strike else others.first_other_than(strike)
            if other is None:
                continue
            mine[key(leg)].discard(n)
            others.discard(other)
            hits.append(
                _take(free, (n, other) if leg.option_type is OptionType.CALL else (other, n))
            )
        return hits

    return find


# Most specific first: a collar before a covered call or a protective put.
_SINGLE_NAME_SHAPES: list[tuple[StrategyKind, _Finder]] = [
    (StrategyKind.COLLAR, _collar),
    (StrategyKind.COVERED_CALL, _covering(OptionType.CALL, long=False)),
    (StrategyKind.PROTECTIVE_PUT, _covering(OptionType.PUT, long=True)),
    (StrategyKind.VERTICAL_CALL_SPREAD, _vertical(OptionType.CALL)),
    (StrategyKind.VERTICAL_PUT_SPREAD, _vertical(OptionType.PUT)),
    (StrategyKind.STRADDLE, _call_and_put(same_strike=True)),
    (StrategyKind.STRANGLE, _call_and_put(same_strike=False)),
]


def _order(leg: Leg) -> tuple[str, date, Decimal, str]:
    return (leg.underlying, leg.expiration or date.min, leg.strike or Decimal(0), str(leg.id))


def _strategy(kind: StrategyKind, legs: Sequence[Leg]) -> Strategy:
    if kind is StrategyKind.PAIRS:
        label = f"{legs[0].underlying}/{legs[1].underlying} {_LABELS[kind]}"
    else:
        label = f"{legs[0].underlying} {_LABELS[kind]}"
    return Strategy(kind, label, tuple(leg.id for leg in legs))


def _single_name(book: list[Leg], found: list[Strategy]) -> list[Leg]:
    """Take the option shapes out of one underlying's legs into `found`; returns the rest."""
    free = [True] * len(book)
    for kind, find in _SINGLE_NAME_SHAPES:
        found.extend(_strategy(kind, [book[n] for n in hit]) for hit in find(book, free))
    return [leg for leg, is_free in zip(book, free, strict=True) if is_free]


def _pairs(stocks: list[Leg], pair_tags: frozenset[str]) -> list[Strategy]:
    """A long and a short stock on different names sharing a pair tag: (long, short)."""
    holders: dict[str, list[int]] = {}
    for n, leg in enumerate(stocks):
        for tag in leg.tags & pair_tags:
            holders.setdefault(tag, []).append(n)
    free = [True] * len(stocks)
    found: list[Strategy] = []
    for n, leg in _free(stocks, free):
        partners = [
            other
            for tag in leg.tags & pair_tags
            for other in holders[tag]
            if free[other]
            and stocks[other].is_long != leg.is_long
            and stocks[other].underlying != leg.underlying
        ]
        if partners:
            hit = (n, min(partners)) if leg.is_long else (min(partners), n)
            found.append(_strategy(StrategyKind.PAIRS, [stocks[i] for i in _take(free, hit)]))
    return found


def detect_strategies(legs: Sequence[Leg]) -> list[Strategy]:
    """The strategies formed by open positions; a position belongs to at most one."""
    found: list[Strategy] = []
    by_underlying: dict[str, list[Leg]] = {}
    for leg in sorted(legs, key=_order):
        by_underlying.setdefault(leg.underlying, []).append(leg)
    # Option shapes live within one underlying, so each bucket is searched on its own.
    leftover = [leg for bucket in by_underlying.values() for leg in _single_name(bucket, found)]
    # A pair is tagged together: by a tag on exactly two positions, not a shared sector label.
    tag_counts = Counter(tag for leg in legs for tag in leg.tags)
    pair_tags = frozenset(tag for tag, count in tag_counts.items() if count == 2)
    found.extend(
        _pairs([leg for leg in leftover if leg.is_stock and leg.tags & pair_tags], pair_tags)
    )
    return found
