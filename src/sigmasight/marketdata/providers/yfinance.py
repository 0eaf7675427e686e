"""Yahoo Finance through yfinance: sector, industry and long name, and a fallback price source.

yfinance is synchronous and untyped, so every call runs in a worker thread and the untyped surface
stays inside this module. Three yfinance habits shape it:

* it hides faults (logs them and returns an empty frame) unless `config.debug.hide_exceptions` is
  off, and that setting is process-wide;
* it hides HTTP statuses: a 401 or 404 turns into "possibly delisted" or "no timezone found", so the
  session's `request` is wrapped to note the status of each Yahoo API answer (and to apply
  `timeout`, which yfinance hard-codes to 10 or 30 seconds on most requests);
* it memoises answers for past date ranges, failures included, so a failed call clears the memo
  before it is retried.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

import yfinance as yf  # type: ignore[import-untyped]  # ships no type information
from curl_cffi import requests as curl_requests
from yfinance.data import YfData  # type: ignore[import-untyped]  # same package, untyped
from yfinance.exceptions import (  # type: ignore[import-untyped]  # same package, untyped
    YFRateLimitError,
    YFTickerMissingError,
)

from sigmasight.marketdata.calendar import last_completed_session
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
PROVIDER = "yfinance"
_ASSET_TYPES = {"EQUITY": AssetType.STOCK, "ETF": AssetType.ETF, "INDEX": AssetType.INDEX}

# Yahoo's Close is split-adjusted, its Adj Close also dividend-adjusted; Bar wants the former, as
# the other providers give. Rounding to Yahoo's priceHint undoes its float32 noise (185.63999938…).
_DAILY: dict[str, Any] = dict(interval="1d", auto_adjust=False, actions=False, rounding=True)
_RECENT: dict[str, Any] = {"period": "5d", **_DAILY}


class _LastStatus(threading.local):
    """The HTTP status of the last Yahoo API answer this worker thread received."""

    code: int | None = None


_last = _LastStatus()


def _noting_status(request: Callable[..., Any], timeout: float) -> Callable[..., Any]:
    """Wrap a session's `request`: every call gets `timeout`; Yahoo API statuses are noted."""

    def noting(*args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = timeout
        response = request(*args, **kwargs)
        if "/finance/" in str(response.url):  # chart, quoteSummary, quote; not cookie or crumb
            _last.code = int(response.status_code)
        return response

    return noting


class YFinanceProvider:
    """Yahoo Finance via yfinance: profiles and fallback daily prices, never option prices."""

    name = PROVIDER
    quotes_past_options = False

    def __init__(
        self,
        *,
        session: object | None = None,
        timeout: float = 10.0,
        attempts: int = 3,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`session` is a curl_cffi or requests Session (yfinance refuses others); it is wrapped."""
        yf.config.debug.hide_exceptions = False  # raise faults rather than log them (process-wide)
        # Any: the session is handed to untyped yfinance, and its `request` is replaced below.
        chosen = session if session is not None else curl_requests.Session(impersonate="chrome")
        self._session = cast(Any, chosen)
        self._session.request = _noting_status(self._session.request, timeout)
        self._attempts = attempts
        self._sleep = sleep

    async def daily_bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        """Split-adjusted daily bars for trading days in [start, end], oldest first."""

        def fetch() -> list[Bar]:
            # yfinance's end is exclusive; the start and end are midnights in the exchange's zone.
            history = self._ticker(symbol).history(start=start, end=end + timedelta(1), **_DAILY)
            return _bars(symbol, history, start, end)

        return await self._call(fetch)

    async def latest_close(self, symbol: str) -> Bar:
        """The most recent completed daily bar; today's live bar is skipped until the close."""
        bars = await self._call(lambda: _bars(symbol, self._ticker(symbol).history(**_RECENT)))
        return bars[-1]

    async def profile(self, symbol: str) -> SecurityProfile:
        """Long name, sector, industry and asset type from Yahoo's quote summary."""

        def fetch() -> SecurityProfile:
            info = self._ticker(symbol).get_info()
            quote_type = _text(info.get("quoteType"))
            if quote_type in (None, "NONE"):  # Yahoo's answer for some delisted symbols
                raise UnknownSymbol(PROVIDER, f"{symbol}: no quote type")
            return SecurityProfile(
                symbol=symbol,
                name=_text(info.get("longName")) or _text(info.get("shortName")),
                sector=_text(info.get("sector")),
                industry=_text(info.get("industry")),
                asset_type=_ASSET_TYPES.get(quote_type or "", AssetType.UNKNOWN),
            )

        return await self._call(fetch)

    async def option_quote(self, occ_symbol: str, day: date) -> OptionQuote:
        """Not served here: always raises UnknownSymbol."""
        # Yahoo's option chains are a live snapshot (no price for a past `day`), their last prices
        # are often days stale on quiet strikes, and the implied volatilities are computed from
        # those stale prices: not fit for valuing positions, so options are priced elsewhere.
        raise UnknownSymbol(PROVIDER, f"{occ_symbol}: option prices are not taken from Yahoo")

    def _ticker(self, symbol: str) -> Any:
        return yf.Ticker(symbol, session=self._session)

    async def _call(self, work: Callable[[], T]) -> T:
        """`work()` in a worker thread, its faults translated, retried while they are retryable."""

        async def attempt() -> T:
            return await asyncio.to_thread(_translated, work)

        return await with_retries(attempt, attempts=self._attempts, sleep=self._sleep)


def _translated(work: Callable[[], T]) -> T:
    """Run `work()` (in a worker thread), turning yfinance and HTTP faults into ProviderErrors."""
    _last.code = None
    try:
        return work()
    except Exception as error:
        YfData.cache_get.cache_clear()  # or a retry would be answered from the memo
        raise _fault(error) from error


def _fault(error: Exception) -> ProviderError:
    if isinstance(error, ProviderError):
        return error
    status = getattr(getattr(error, "response", None), "status_code", None) or _last.code
    message = f"{type(error).__name__}: {error}"
    if isinstance(error, YFRateLimitError) or status == 429:
        return RateLimited(PROVIDER, message)
    if status in (401, 403):
        return ProviderAuthError(PROVIDER, message)
    if isinstance(error, YFTickerMissingError) or status == 404:
        return UnknownSymbol(PROVIDER, message)
    if isinstance(error, OSError) or (isinstance(status, int) and status >= 500):
        return ProviderUnavailable(PROVIDER, message)  # timeouts, refused connections, 5xx
    return ProviderError(PROVIDER, message)


def _bars(symbol: str, history: Any, start: date = date.min, end: date = date.max) -> list[Bar]:
    """Completed bars in [start, end] from a yfinance frame; UnknownSymbol when there are none."""
    last = min(end, last_completed_session(datetime.now(UTC)))
    bars: list[Bar] = []
    for stamp, row in history.iterrows():
        day = stamp.date()  # midnight in the exchange's zone: the session date (New York for US)
        prices = [float(row[column]) for column in ("Open", "High", "Low", "Close")]
        if start <= day <= last and all(map(math.isfinite, prices)):
            open_, high, low, close = (Decimal(str(price)) for price in prices)
            bars.append(Bar(symbol, day, open_, high, low, close, int(row["Volume"])))
    if not bars:
        raise UnknownSymbol(PROVIDER, f"{symbol}: no daily bars")
    return bars


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
