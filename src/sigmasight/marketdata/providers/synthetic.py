"""An offline market: deterministic, factor-structured daily prices for any symbol.

Every symbol's daily log return is a market factor times its beta, plus style-factor loadings
(momentum, value, growth, quality, size, low volatility, rates), plus its own noise. The factor
ETFs are built from the same factors, so betas, correlations and factor regressions computed on
this data mean what they would on real data. A symbol's path depends only on the seed and the
symbol, never on the range asked for. Options are priced with Black-Scholes on a volatility smile.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

import numpy as np
import numpy.typing as npt

from sigmasight import clock
from sigmasight.instruments import occ
from sigmasight.marketdata import calendar
from sigmasight.marketdata.providers.base import (
    AssetType,
    Bar,
    OptionQuote,
    SecurityProfile,
    UnknownSymbol,
)
from sigmasight.marketdata.providers.sectors import (
    KNOWN_SECURITIES,
    REFERENCE_PRICES,
    SECTOR_STYLE,
)

EPOCH = date(2015, 1, 2)  # first day of every synthetic series
ANCHOR = date(2026, 11, 20)  # the day each symbol trades at its reference price
FACTORS = ("market", "momentum", "value", "growth", "quality", "size", "low_vol", "rates")
FACTOR_DAILY_VOL = np.array([0.010, 0.006, 0.005, 0.005, 0.004, 0.006, 0.004, 0.007])
MARKET_DRIFT = 0.0003  # per trading day, about 8% a year
MAX_CACHED_SERIES = 1_000  # (symbol, last day) series kept: about 25 KB each
RISK_FREE_RATE = 0.04  # continuously compounded, used to price synthetic options

# ETF proxies: beta to the market and loadings on the style factors (in FACTORS order).
FACTOR_ETFS: dict[str, tuple[float, ...]] = {
    "SPY": (1.00, 0, 0, 0, 0, 0, 0, 0),
    "MTUM": (1.05, 1.0, 0, 0, 0, 0, 0, 0),
    "VTV": (0.90, 0, 1.0, 0, 0, 0, 0, 0),
    "VUG": (1.10, 0, 0, 1.0, 0, 0, 0, 0),
    "QUAL": (0.95, 0, 0, 0, 1.0, 0, 0, 0),
    "IWM": (1.15, 0, 0, 0, 0, 1.0, 0, 0),
    "USMV": (0.70, 0, 0, 0, 0, 0, 1.0, 0),
    "TLT": (-0.15, 0, 0, 0, 0, 0, 0, 1.0),
}
_ETF_NOISE = 0.0015  # tracking noise of the factor ETFs, per day


def _digest(*parts: object) -> int:
    text = "|".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


@dataclass(frozen=True, slots=True)
class _Loadings:
    factors: npt.NDArray[np.float64]  # beta to market, then style loadings
    idio_vol: float
    start_price: float


def _loadings(seed: int, symbol: str) -> _Loadings:
    rng = np.random.default_rng(_digest(seed, "loadings", symbol))
    price = REFERENCE_PRICES.get(symbol) or float(rng.uniform(15, 450))
    if symbol in FACTOR_ETFS:
        return _Loadings(np.array(FACTOR_ETFS[symbol]), _ETF_NOISE, price)
    sector = KNOWN_SECURITIES.get(symbol, (None, None, None, None))[1]
    style = np.array(SECTOR_STYLE.get(sector or "", (1.0, 0, 0, 0, 0, 0, 0, 0)), dtype=float)
    jitter = rng.normal(0, 0.15, size=len(FACTORS))
    idio = float(rng.uniform(0.010, 0.020))
    return _Loadings(style + jitter, idio, price)


@cache
def _trading_days_since_epoch(last: date) -> list[date]:
    return calendar.trading_days(EPOCH, last)


@cache
def _factor_returns(seed: int, days: int) -> npt.NDArray[np.float64]:
    # Drawn in one block per length; a longer draw starts with the same rows (the generator is
    # sequential), so a day's factor return never depends on how far ahead was asked for.
    rng = np.random.default_rng(_digest(seed, "factors"))
    returns: npt.NDArray[np.float64] = rng.standard_normal((days, len(FACTORS))) * FACTOR_DAILY_VOL
    returns[:, 0] += MARKET_DRIFT
    return returns


def _norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def black_scholes(
    *, spot: float, strike: float, years: float, rate: float, vol: float, call: bool
) -> float:
    """Black-Scholes price of a European option (dollars per share); intrinsic at expiry."""
    if years <= 0 or vol <= 0:
        return max(0.0, spot - strike) if call else max(0.0, strike - spot)
    sqrt_t = math.sqrt(years)
    d1 = (math.log(spot / strike) + (rate + vol * vol / 2) * years) / (vol * sqrt_t)
    d2 = d1 - vol * sqrt_t
    discount = math.exp(-rate * years)
    if call:
        return spot * _norm_cdf(d1) - strike * discount * _norm_cdf(d2)
    return strike * discount * _norm_cdf(-d2) - spot * _norm_cdf(-d1)


def smile_volatility(base_vol: float, *, spot: float, strike: float, years: float) -> float:
    """Implied volatility on a skewed smile: low strikes richer, both wings lifted.

    Moneyness is measured in standard deviations to expiry and capped at three either side.
    """
    spread = base_vol * math.sqrt(max(years, 1 / 365))
    m = max(-3.0, min(3.0, math.log(strike / spot) / spread))
    return base_vol * (1 - 0.08 * m + 0.03 * m * m)


class SyntheticProvider:
    """Deterministic prices for every symbol, for working offline; labelled `synthetic`."""

    name = "synthetic"
    quotes_past_options = True

    def __init__(self, *, seed: int = 42, today: Callable[[], date] = clock.today) -> None:
        self.seed = seed
        self._today = today
        # Each symbol's whole series, built once per day it ends on: option quotes for many
        # days of one underlying read it again and again.
        self._series: dict[tuple[str, date], tuple[list[date], npt.NDArray[np.float64]]] = {}

    def _closes(self, symbol: str, end: date) -> tuple[list[date], npt.NDArray[np.float64]]:
        last = max(end, self._today(), ANCHOR)  # one series per symbol and day, sliced
        key = (symbol, last)
        if key not in self._series:
            if len(self._series) >= MAX_CACHED_SERIES:
                self._series.clear()
            self._series[key] = self._build(symbol, last)
        days, closes = self._series[key]
        keep = bisect_right(days, end)
        return days[:keep], closes[:keep]

    def _build(self, symbol: str, last: date) -> tuple[list[date], npt.NDArray[np.float64]]:
        days = _trading_days_since_epoch(last)  # one list shared by every symbol
        factors = _factor_returns(self.seed, len(days))
        loadings = _loadings(self.seed, symbol)
        noise = self._stream(symbol, "noise").standard_normal(len(days))
        log_returns = factors @ loadings.factors + noise * loadings.idio_vol
        log_returns[0] = 0.0
        path = np.cumsum(log_returns)
        # Levels are pinned at the anchor day so that recent prices stay plausible.
        anchor = path[days.index(ANCHOR) if ANCHOR in days else bisect_left(days, ANCHOR)]
        return days, loadings.start_price * np.exp(path - anchor)

    def _stream(self, symbol: str, stream: str) -> np.random.Generator:
        return np.random.default_rng(_digest(self.seed, stream, symbol))

    def bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        """Daily bars for trading days in [start, end] (synchronous; cheap for one symbol)."""
        symbol = symbol.upper()
        if occ.looks_like_option(symbol):
            raise UnknownSymbol(self.name, f"{symbol} is an option; ask for option_quote")
        end = min(end, self._today())
        if end < start or end < EPOCH:
            return []
        days, closes = self._closes(symbol, end)
        n = len(days)
        # One generator per stream: a shared one would shift later streams with the range length.
        spread = np.abs(self._stream(symbol, "range").normal(0, 0.006, size=(n, 2)))
        gaps = self._stream(symbol, "gap").normal(0, 0.003, size=n)
        volumes = self._stream(symbol, "volume").integers(200_000, 20_000_000, size=n)
        first = next((i for i, d in enumerate(days) if d >= start), len(days))
        result = []
        for i in range(first, len(days)):
            close = closes[i]
            open_ = (closes[i - 1] if i else close) * math.exp(gaps[i])
            high = max(open_, close) * (1 + spread[i, 0])
            low = min(open_, close) * (1 - spread[i, 1])
            result.append(
                Bar(
                    symbol,
                    days[i],
                    _money(open_),
                    _money(high),
                    _money(low),
                    _money(close),
                    int(volumes[i]),
                )
            )
        return result

    async def daily_bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        """Daily bars for trading days in [start, end], oldest first."""
        return self.bars(symbol, start, end)

    async def latest_close(self, symbol: str) -> Bar:
        """The most recent trading day's bar."""
        day = calendar.latest_trading_day(self._today())
        bars = self.bars(symbol, day, day)
        if not bars:
            raise UnknownSymbol(self.name, f"no synthetic history for {symbol} yet")
        return bars[-1]

    async def profile(self, symbol: str) -> SecurityProfile:
        """Known tickers get their real name and sector; others are left unclassified."""
        symbol = symbol.upper()
        if symbol in KNOWN_SECURITIES:
            name, sector, industry, asset_type = KNOWN_SECURITIES[symbol]
            return SecurityProfile(symbol, name, sector, industry, asset_type or AssetType.STOCK)
        return SecurityProfile(symbol, asset_type=AssetType.UNKNOWN)

    async def option_quote(self, occ_symbol: str, day: date) -> OptionQuote:
        """Black-Scholes price on the smile, from the underlying's synthetic close on `day`."""
        contract = occ.parse_option(occ_symbol)
        bars = self.bars(contract.underlying, calendar.latest_trading_day(day), day)
        if not bars:
            raise UnknownSymbol(self.name, f"no synthetic price for {contract.underlying}")
        spot = float(bars[-1].close)
        strike = float(contract.strike)
        years = max(0.0, (contract.expiration - bars[-1].day).days / 365.0)
        loadings = _loadings(self.seed, contract.underlying)
        market_var = (loadings.factors[0] * FACTOR_DAILY_VOL[0]) ** 2
        base_vol = math.sqrt((market_var + loadings.idio_vol**2) * 252)
        vol = smile_volatility(base_vol, spot=spot, strike=strike, years=years)
        price = black_scholes(
            spot=spot,
            strike=strike,
            years=years,
            rate=RISK_FREE_RATE,
            vol=vol,
            call=contract.option_type.value == "CALL",
        )
        return OptionQuote(
            symbol=contract.symbol,
            day=bars[-1].day,
            price=_money(max(price, 0.01)),
            implied_volatility=vol,
            underlying_price=bars[-1].close,
        )


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.4f}")
