"""Polygon.io through the official `polygon-api-client`, each call in a worker thread.

The client (1.16) builds a `urllib3.Timeout` but never passes it to a request (a stalled server
blocks forever); turns a non-200 into `BadResponse(body)` without status or headers, or, with
`retries=0`, a 429/5xx into urllib3's `MaxRetryError`, so Retry-After is lost; and its own retries
sleep inside the worker thread. So its urllib3 pool is swapped for `_Transport`: same headers and
TLS settings, the timeout applied, no retries, non-200 raised with status and Retry-After. URLs,
parameters, `next_url` paging and response models stay the client's.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, date, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import urllib3
from polygon import RESTClient  # type: ignore[import-untyped]  # the client ships no py.typed

from sigmasight.clock import MARKET_TIMEZONE
from sigmasight.instruments.occ import SymbolError, parse_option
from sigmasight.marketdata.providers.base import (
    AssetType,
    Bar,
    OptionQuote,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    SecurityProfile,
    UnknownSymbol,
)
from sigmasight.marketdata.providers.retry import with_retries

T = TypeVar("T")
_AGGS = {"adjusted": True, "sort": "asc", "limit": 50_000}  # 50,000 is Polygon's largest page
_ASSET_TYPES = {
    "CS": AssetType.STOCK,
    "ADRC": AssetType.STOCK,
    "ETF": AssetType.ETF,
    "INDEX": AssetType.INDEX,
}
# SIC divisions by the code's first two digits (inclusive upper bounds). 99 is "nonclassifiable",
# so it gets no sector rather than a misleading one.
_SIC_DIVISIONS = (
    (9, "Agriculture, Forestry and Fishing"),
    (14, "Mining"),
    (17, "Construction"),
    (39, "Manufacturing"),
    (49, "Transportation, Communications and Utilities"),
    (51, "Wholesale Trade"),
    (59, "Retail Trade"),
    (67, "Finance, Insurance and Real Estate"),
    (89, "Services"),
    (97, "Public Administration"),
)


class _HttpStatus(Exception):
    """A non-200 answer, with the status and Retry-After that BadResponse drops."""

    def __init__(self, status: int, retry_after: str | None, body: bytes) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after
        self.body = body


class _Transport(urllib3.PoolManager):
    """The client's pool without its blind spots (see the module docstring)."""

    def urlopen(self, *args: Any, **kw: Any) -> urllib3.BaseHTTPResponse:
        response = super().urlopen(*args, **kw)
        if response.status != 200:
            raise _HttpStatus(response.status, response.headers.get("Retry-After"), response.data)
        return response


def _rest_client(api_key: str, base_url: str, timeout: float) -> Any:
    client = RESTClient(
        api_key, connect_timeout=timeout, read_timeout=timeout, retries=0, base=base_url
    )
    stock = client.client
    settings = {**stock.connection_pool_kw, "retries": False, "timeout": client.timeout}
    client.client = _Transport(headers=stock.headers, **settings)
    stock.clear()
    return client


class PolygonProvider:
    """Daily bars, closes, profiles and option quotes from Polygon.io."""

    name = "polygon"
    quotes_past_options = False

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = "https://api.polygon.io",
        timeout: float = 10.0,
        attempts: int = 4,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = _rest_client(api_key, base_url, timeout)
        self._attempts = attempts
        self._sleep = sleep

    async def daily_bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        """Adjusted daily bars for trading days in [start, end], oldest first, all pages."""
        # list_aggs is a lazy generator following next_url: draining it in the worker thread keeps
        # every page off the event loop, and a fault on any page retries the whole range.
        aggs = await self._call(lambda c: list(c.list_aggs(symbol, 1, "day", start, end, **_AGGS)))
        if not aggs:
            raise UnknownSymbol(self.name, f"no daily bars for {symbol} from {start} to {end}")
        return [self._bar(symbol, agg) for agg in aggs]

    async def latest_close(self, symbol: str) -> Bar:
        """The previous session's adjusted bar."""
        # The client returns a list here (the payload's `results`), or [] when there is none.
        results = await self._call(lambda c: c.get_previous_close_agg(symbol, adjusted=True))
        if not results:
            raise UnknownSymbol(self.name, f"no previous close for {symbol}")
        return self._bar(symbol, results[-1])

    async def profile(self, symbol: str) -> SecurityProfile:
        """Name, SIC-derived sector and industry, and asset type from ticker details."""
        details = await self._call(lambda c: c.get_ticker_details(symbol))
        if not details:  # the client answers [] when the payload has no `results`
            raise UnknownSymbol(self.name, f"no ticker details for {symbol}")
        return SecurityProfile(
            symbol=symbol,
            name=details.name,
            sector=_sector(details.sic_code),
            industry=details.sic_description,
            asset_type=_ASSET_TYPES.get(details.type or "", AssetType.UNKNOWN),
        )

    async def option_quote(self, occ_symbol: str, day: date) -> OptionQuote:
        """The contract's price, IV and open interest from its snapshot (latest session only)."""
        try:
            contract = parse_option(occ_symbol)
        except SymbolError as error:
            raise UnknownSymbol(self.name, str(error)) from error
        ticker = f"O:{contract.symbol}"
        snap = await self._call(lambda c: c.get_snapshot_option(contract.underlying, ticker))
        if not snap:
            raise UnknownSymbol(self.name, f"no snapshot for {ticker}")
        quoted = _session_day(snap) or day
        # A snapshot only knows the latest session; passing it off as an older day would be wrong.
        if quoted > day:
            raise UnknownSymbol(self.name, f"{ticker}: snapshot is for {quoted}, not {day}")
        price = _option_price(snap)
        if price is None:
            raise UnknownSymbol(self.name, f"{ticker}: snapshot has no close, trade or quote")
        return OptionQuote(
            symbol=contract.symbol,
            day=quoted,
            price=price,
            implied_volatility=snap.implied_volatility,
            open_interest=None if snap.open_interest is None else int(snap.open_interest),
            underlying_price=_underlying_price(snap),
        )

    async def _call(self, fetch: Callable[[Any], T]) -> T:
        """`fetch(client)` in a worker thread with faults mapped, retried by our policy."""

        async def attempt() -> T:
            return await asyncio.to_thread(self._guarded, fetch)

        return await with_retries(attempt, attempts=self._attempts, sleep=self._sleep)

    def _guarded(self, fetch: Callable[[Any], T]) -> T:
        try:
            return fetch(self._client)
        except _HttpStatus as error:
            raise _fault(self.name, error) from error
        except (urllib3.exceptions.HTTPError, OSError) as error:
            # Timeouts, refused and reset connections: raised as-is since urllib3 never retries.
            raise ProviderUnavailable(self.name, f"{type(error).__name__}: {error}") from error

    def _bar(self, symbol: str, agg: Any) -> Bar:
        prices = (agg.open, agg.high, agg.low, agg.close)
        if agg.timestamp is None or agg.volume is None or None in prices:
            # A bar with holes would become a wrong price downstream; fail loudly, never skip.
            raise ProviderError(self.name, f"incomplete bar for {symbol}: {agg}")
        return Bar(
            symbol=symbol,
            day=_ny_date(agg.timestamp / 1_000),
            open=_decimal(agg.open),
            high=_decimal(agg.high),
            low=_decimal(agg.low),
            close=_decimal(agg.close),
            volume=round(agg.volume),  # Polygon sends volume as a JSON number, at times 8.2e+07
        )


def _fault(provider: str, error: _HttpStatus) -> ProviderError:
    message = f"HTTP {error.status}: {_reason(error.body)}"
    if error.status in (401, 403):
        return ProviderAuthError(provider, message)
    if error.status == 404:
        return UnknownSymbol(provider, message)
    if error.status == 429:
        return RateLimited(provider, message, _seconds(error.retry_after))
    if error.status >= 500:
        return ProviderUnavailable(provider, message)
    return ProviderError(provider, message)


def _reason(body: bytes) -> str:
    """Polygon's own words from an error body (`error` or `message`), else the body's start."""
    with suppress(ValueError, AttributeError):  # not JSON, or JSON but not an object
        text = (payload := json.loads(body)).get("error") or payload.get("message")
        if isinstance(text, str):
            return text
    return body[:200].decode("utf-8", "replace")


def _seconds(retry_after: str | None) -> float | None:
    """Retry-After as seconds, whether delta-seconds or an HTTP date."""
    if not retry_after:
        return None
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        pass
    with suppress(TypeError, ValueError):  # TypeError: a naive date, which HTTP dates never are
        return max(0.0, (parsedate_to_datetime(retry_after) - datetime.now(UTC)).total_seconds())
    return None


def _sector(sic_code: str | None) -> str | None:
    if not sic_code or not sic_code[:2].isdigit():
        return None
    major = int(sic_code[:2])
    return next((name for upper, name in _SIC_DIVISIONS if major <= upper), None)


def _ny_date(epoch_seconds: float) -> date:
    # Exchange dates are New York dates: a snapshot updated at 20:30 New York is tomorrow in UTC.
    return datetime.fromtimestamp(epoch_seconds, MARKET_TIMEZONE).date()


def _decimal(value: float | int) -> Decimal:
    return Decimal(str(value))  # str() keeps the JSON's digits, not the float's binary expansion


def _session_day(snap: Any) -> date | None:
    stamp = snap.day.last_updated if snap.day else None
    return None if stamp is None else _ny_date(stamp / 1_000_000_000)  # nanoseconds


def _option_price(snap: Any) -> Decimal | None:
    """The day's close, else the last trade, else the quote midpoint; zero means no price."""
    day, trade, quote = snap.day, snap.last_trade, snap.last_quote
    candidates = (
        day.close if day else None,
        trade.price if trade else None,
        quote.midpoint if quote else None,
    )
    return next((_decimal(price) for price in candidates if price), None)


def _underlying_price(snap: Any) -> Decimal | None:
    asset = snap.underlying_asset
    if not asset:
        return None
    price = asset.price if asset.price is not None else asset.value  # indices report `value`
    return None if price is None else _decimal(price)
