"""OCC/OSI option symbols: `UNDERLYING + YYMMDD + C|P + strike x 1000 as 8 digits`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

# Compact form: AAPL240119C00150000. Padded OSI form: the root left-justified in 6 characters.
_OCC = re.compile(r"^(?P<root>[A-Z][A-Z0-9.]{0,5}) *(?P<date>\d{6})(?P<cp>[CP])(?P<strike>\d{8})$")
_STOCK = re.compile(r"^[A-Z][A-Z0-9.\-]{0,9}$")


class OptionType(StrEnum):
    CALL = "CALL"
    PUT = "PUT"


class SymbolError(ValueError):
    """An unparsable symbol; `code` names what is wrong."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class OptionContract:
    underlying: str
    expiration: date
    option_type: OptionType
    strike: Decimal

    @property
    def symbol(self) -> str:
        """The compact OCC symbol, the one form positions are stored under."""
        cp = "C" if self.option_type is OptionType.CALL else "P"
        return f"{self.underlying}{self.expiration:%y%m%d}{cp}{int(self.strike * 1000):08d}"


def looks_like_option(symbol: str) -> bool:
    """True when the symbol ends like an OCC contract (date, C/P, 8 digits)."""
    return bool(re.search(r"\d{6}[CP]\d{8,}$", symbol.strip().upper()))


def parse_option(symbol: str) -> OptionContract:
    """Parse a compact OCC or padded 21-character OSI symbol."""
    raw = symbol.strip().upper()
    match = _OCC.match(raw)
    if match is None:
        if re.search(r"[CP]\d{9,}$", raw):
            raise SymbolError(
                f"Option symbol '{symbol}' has a strike with more than 8 digits.", "INVALID_STRIKE"
            )
        raise SymbolError(
            f"'{symbol}' is not an OCC option symbol (e.g. AAPL240119C00150000).",
            "INVALID_OPTION_SYMBOL",
        )
    yymmdd = match["date"]
    try:
        expiration = date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError as exc:
        raise SymbolError(
            f"Option symbol '{symbol}' has an invalid expiration date '{yymmdd}'.",
            "INVALID_EXPIRATION",
        ) from exc
    strike = Decimal(match["strike"]) / 1000
    if strike <= 0:
        raise SymbolError(f"Option symbol '{symbol}' has a zero strike.", "INVALID_STRIKE")
    return OptionContract(
        underlying=match["root"],
        expiration=expiration,
        option_type=OptionType.CALL if match["cp"] == "C" else OptionType.PUT,
        strike=strike,
    )


def normalise_stock_symbol(symbol: str) -> str:
    """Upper-case a stock ticker and check its shape (letters, digits, '.', '-')."""
    ticker = symbol.strip().upper()
    if not _STOCK.match(ticker):
        raise SymbolError(f"'{symbol}' is not a valid ticker.", "INVALID_SYMBOL")
    return ticker
