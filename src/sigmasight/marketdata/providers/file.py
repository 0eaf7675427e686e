"""Prices from a user's own CSV file (`symbol,date,open,high,low,close,volume`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sigmasight.marketdata.price_file import PriceFile, parse_price_file
from sigmasight.marketdata.providers.base import (
    Bar,
    OptionQuote,
    ProviderUnavailable,
    SecurityProfile,
    UnknownSymbol,
)


class FileProvider:
    """Serves the bars of one price file, read once; a file with errors serves nothing."""

    name = "file"
    quotes_past_options = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self._parsed: PriceFile | None = None

    def _file(self) -> PriceFile:
        if self._parsed is None:
            try:
                parsed = parse_price_file(self.path.read_bytes())
            except OSError as exc:
                raise ProviderUnavailable(self.name, f"cannot read {self.path}: {exc}") from exc
            if parsed.errors:
                first = parsed.errors[0]
                raise ProviderUnavailable(
                    self.name, f"{self.path} row {first.row}: {first.code} {first.message}"
                )
            self._parsed = parsed
        return self._parsed

    async def daily_bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        """The file's bars for the symbol in [start, end]."""
        bars = [b for b in self._file().bars if b.symbol == symbol.upper()]
        if not bars:
            raise UnknownSymbol(self.name, f"{symbol} is not in {self.path.name}")
        return sorted((b for b in bars if start <= b.day <= end), key=lambda b: b.day)

    async def latest_close(self, symbol: str) -> Bar:
        """The file's last bar for the symbol."""
        return (await self.daily_bars(symbol, date.min, date.max))[-1]

    async def profile(self, symbol: str) -> SecurityProfile:
        """Sector and industry from the file's reference columns, when it has them."""
        profile = self._file().profiles.get(symbol.upper())
        if profile is None:
            raise UnknownSymbol(self.name, f"no reference data for {symbol}")
        return profile

    async def option_quote(self, occ_symbol: str, day: date) -> OptionQuote:
        """Option prices are not read from price files."""
        raise UnknownSymbol(self.name, "price files hold daily bars, not option quotes")
