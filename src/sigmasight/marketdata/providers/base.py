"""The provider interface and the faults providers report.

Providers are async; those built on synchronous clients (polygon, yfinance) run the client in a
worker thread. Prices are in dollars per share, dates are exchange (New York) calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class AssetType(StrEnum):
    STOCK = "STOCK"
    ETF = "ETF"
    INDEX = "INDEX"
    OPTION = "OPTION"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class Bar:
    """One trading day of one symbol, split-adjusted, dollars per share."""

    symbol: str
    day: date
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int


@dataclass(frozen=True, slots=True)
class SecurityProfile:
    symbol: str
    name: str | None = None
    sector: str | None = None
    industry: str | None = None
    asset_type: AssetType = AssetType.UNKNOWN
    dividend_yield: float | None = None  # annual, continuous, as a fraction (0.01 = 1%)


@dataclass(frozen=True, slots=True)
class OptionQuote:
    """A listed option's last price and the provider's view of it."""

    symbol: str  # compact OCC symbol
    day: date
    price: Decimal  # per-share premium, dollars
    implied_volatility: float | None = None  # annualised, as a fraction (0.25 = 25%)
    open_interest: int | None = None
    underlying_price: Decimal | None = None


class ProviderError(Exception):
    """A provider fault; `retryable` says whether trying again later can help."""

    retryable = False

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider


class ProviderAuthError(ProviderError):
    """The API key is missing, wrong or not entitled (401/403)."""


class UnknownSymbol(ProviderError):
    """The provider does not know the symbol (404, or an empty answer)."""


class RateLimited(ProviderError):
    """Too many requests (429); `retry_after` is in seconds when the provider says."""

    retryable = True

    def __init__(self, provider: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(provider, message)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """A timeout, connection failure or 5xx."""

    retryable = True


class MarketDataProvider(Protocol):
    """What every provider offers; a method a provider cannot serve raises UnknownSymbol."""

    name: str
    # Whether `option_quote` can answer for past days (a model can; a live snapshot cannot).
    quotes_past_options: bool

    async def daily_bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        """Daily bars for trading days in [start, end], oldest first."""
        ...

    async def latest_close(self, symbol: str) -> Bar:
        """The most recent completed daily bar."""
        ...

    async def profile(self, symbol: str) -> SecurityProfile:
        """Name, sector, industry and asset type."""
        ...

    async def option_quote(self, occ_symbol: str, day: date) -> OptionQuote:
        """The option's price (and implied volatility where known) on `day`."""
        ...
