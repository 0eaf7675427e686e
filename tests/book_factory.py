"""Books of any size with stored prices, for statement counts and benchmarks.

Stocks long and short and options of every kind over a set of underlyings; each underlying and
each factor ETF has 130 trading days of closes, and each option one close (its Black-Scholes
price at 30% vol) on the last of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np

from sigmasight.analytics.bsm import bsm_price
from sigmasight.analytics.revaluation import Holdings
from sigmasight.analytics.scenarios import FACTOR_ETFS
from sigmasight.marketdata import calendar

UNDERLYINGS = [
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM", "XOM", "JNJ",
    "PG", "KO", "PEP", "WMT", "HD", "UNH", "V", "MA", "BAC", "CVX",
    "LLY", "AVGO", "COST", "MRK", "ABBV", "ORCL", "CRM", "AMD", "NFLX", "ADBE",
    "INTC", "CSCO", "QCOM", "TXN", "IBM", "GS", "MS", "CAT", "GE", "DIS",
]  # fmt: skip
HISTORY_DAYS = 130


def book_rows(
    portfolio_id: uuid.UUID, size: int, *, underlyings: int, last_day: date, seed: int = 7
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Position rows and bar rows for a book of `size` positions over `underlyings` stocks,
    valued on the last trading day up to `last_day`."""
    rng = np.random.default_rng(seed)
    names = UNDERLYINGS[:underlyings]
    days = calendar.trading_days_back(last_day, HISTORY_DAYS)
    last_day = days[-1]
    spots: dict[str, float] = {}
    bars: list[dict[str, Any]] = []
    for name in [*names, *FACTOR_ETFS]:
        closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.015, HISTORY_DAYS)))
        spots[name] = float(closes[-1])
        bars += [bar_row(name, d, float(c)) for d, c in zip(days, closes, strict=True)]
    positions: list[dict[str, Any]] = []
    for i in range(size):
        name = names[i % len(names)]
        spot = spots[name]
        round_ = i // len(names)
        kind = (i + round_) % 5  # every underlying gets every kind over the rounds
        entry = last_day - timedelta(days=5 + round_)
        if kind < 2:
            quantity = 100 if kind == 0 else -50
            positions.append(
                _position(portfolio_id, name, name, quantity, 1, round(spot, 2), entry)
            )
            continue
        call = kind != 3
        quantity = -2 if kind == 4 else 3
        strike = round(spot * (0.85 + 0.05 * (round_ % 7)))
        expiry = last_day + timedelta(days=30 + 7 * (round_ % 12))
        symbol = f"{name}{expiry:%y%m%d}{'C' if call else 'P'}{strike * 1000:08d}"
        years = (expiry - last_day).days / 365
        price = float(bsm_price(call, spot, strike, years, 0.04, 0.3, 0.0))
        bars.append(bar_row(symbol, last_day, max(price, 0.01)))
        row = _position(portfolio_id, symbol, name, quantity, 100, max(price, 0.01), entry)
        row |= {"option_type": "CALL" if call else "PUT", "strike": strike, "expiration": expiry}
        row["position_type"] = (
            ("LC" if call else "LP") if quantity > 0 else ("SC" if call else "SP")
        )
        positions.append(row)
    unique_bars = {(b["symbol"], b["day"]): b for b in bars}
    return positions, list(unique_bars.values())


def _position(
    portfolio_id: uuid.UUID,
    symbol: str,
    underlying: str,
    quantity: int,
    multiplier: int,
    price: float,
    entry: date,
) -> dict[str, Any]:
    return {
        "portfolio_id": portfolio_id,
        "symbol": symbol,
        "underlying": underlying,
        "position_type": "LONG" if quantity > 0 else "SHORT",
        "quantity": quantity,
        "multiplier": multiplier,
        "entry_price": round(price, 4),
        "entry_date": entry,
        "option_type": None,
        "strike": None,
        "expiration": None,
    }


def bar_row(symbol: str, day: date, close: float) -> dict[str, Any]:
    """A stored daily bar whose open, high, low and close are all `close`."""
    return {
        "symbol": symbol,
        "day": day,
        "open": close,
        "high": close,
        "low": close,
        "close": close,
        "volume": 1000,
        "source": "file",
    }


def holdings_of(
    positions: Sequence[Mapping[str, float | bool | int]], *, rate: float, dividend_yield: float
) -> Holdings:
    """Engine holdings from position dicts: `underlying` (index) and `shares`, and for options
    `call`, `strike`, `years` and `vol`."""

    def column(key: str, default: float | bool | int) -> list[float | bool | int]:
        return [p.get(key, default) for p in positions]

    return Holdings(
        underlying=np.array(column("underlying", 0), dtype=np.intp),
        shares=np.array(column("shares", 0.0), dtype=np.float64),
        is_option=np.array(["strike" in p for p in positions], dtype=np.bool_),
        is_call=np.array(column("call", False), dtype=np.bool_),
        strike=np.array(column("strike", 0.0), dtype=np.float64),
        years=np.array(column("years", 0.0), dtype=np.float64),
        vol=np.array(column("vol", 0.0), dtype=np.float64),
        dividend_yield=np.full(len(positions), dividend_yield),
        rate=rate,
    )


def walk_rows(starts: Mapping[str, float], days: Sequence[date]) -> list[dict[str, Any]]:
    """Stored bars on `days` for each symbol: a seeded random walk (1% daily) from its start,
    in cents, the same on every run."""
    rows: list[dict[str, Any]] = []
    for seed, (symbol, start) in enumerate(starts.items()):
        walk = start * np.exp(np.cumsum(np.random.default_rng(seed).normal(0, 0.01, len(days))))
        rows += [bar_row(symbol, d, round(float(c), 2)) for d, c in zip(days, walk, strict=True)]
    return rows
