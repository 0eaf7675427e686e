from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from sigmasight.instruments import occ
from sigmasight.instruments.occ import OptionType


@pytest.mark.parametrize(
    ("symbol", "underlying", "expiration", "option_type", "strike"),
    [
        ("AAPL240119C00150000", "AAPL", date(2024, 1, 19), OptionType.CALL, Decimal("150")),
        ("AAPL  240119C00150000", "AAPL", date(2024, 1, 19), OptionType.CALL, Decimal("150")),
        ("SPY   251219P00450500", "SPY", date(2025, 12, 19), OptionType.PUT, Decimal("450.5")),
        ("spy251219p00450500", "SPY", date(2025, 12, 19), OptionType.PUT, Decimal("450.5")),
        ("F260116C00012500", "F", date(2026, 1, 16), OptionType.CALL, Decimal("12.5")),
        ("GOOGL 270115C00002500", "GOOGL", date(2027, 1, 15), OptionType.CALL, Decimal("2.5")),
        ("BRKB  260320P00400000", "BRKB", date(2026, 3, 20), OptionType.PUT, Decimal("400")),
        ("TSLA270617C01000000", "TSLA", date(2027, 6, 17), OptionType.CALL, Decimal("1000")),
        ("X240119P00000001", "X", date(2024, 1, 19), OptionType.PUT, Decimal("0.001")),
    ],
)
def test_occ_symbols_parse_into_contract_terms(
    symbol: str, underlying: str, expiration: date, option_type: OptionType, strike: Decimal
) -> None:
    # when
    contract = occ.parse_option(symbol)
    # then
    assert (contract.underlying, contract.expiration, contract.option_type, contract.strike) == (
        underlying,
        expiration,
        option_type,
        strike,
    )


def test_padded_and_compact_forms_store_under_the_compact_symbol() -> None:
    # when
    padded = occ.parse_option("AAPL  240119C00150000")
    # then
    assert padded.symbol == "AAPL240119C00150000"


@pytest.mark.parametrize(
    ("symbol", "code"),
    [
        ("AAPL241319C00150000", "INVALID_EXPIRATION"),  # month 13
        ("AAPL240230C00150000", "INVALID_EXPIRATION"),  # 30 February
        ("AAPL240119C001500000", "INVALID_STRIKE"),  # nine strike digits
        ("AAPL240119C00000000", "INVALID_STRIKE"),  # zero strike
        ("AAPL240119X00150000", "INVALID_OPTION_SYMBOL"),  # neither C nor P
        ("AAPL24011C00150000", "INVALID_OPTION_SYMBOL"),  # five date digits
        ("TOOLONGROOT240119C00150000", "INVALID_OPTION_SYMBOL"),
        ("240119C00150000", "INVALID_OPTION_SYMBOL"),  # no root
    ],
)
def test_malformed_occ_symbols_are_refused_with_a_precise_code(symbol: str, code: str) -> None:
    # when
    with pytest.raises(occ.SymbolError) as raised:
        occ.parse_option(symbol)
    # then
    assert raised.value.code == code


@pytest.mark.parametrize("ticker", ["AAPL", "brk.b", "BF-B", " msft "])
def test_stock_tickers_are_upper_cased(ticker: str) -> None:
    assert occ.normalise_stock_symbol(ticker) == ticker.strip().upper()


@pytest.mark.parametrize("ticker", ["", "A PL", "$AAPL", "1ABC", "ABCDEFGHIJK"])
def test_bad_tickers_are_refused(ticker: str) -> None:
    with pytest.raises(occ.SymbolError):
        occ.normalise_stock_symbol(ticker)
