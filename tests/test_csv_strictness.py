"""Uploaded CSVs are read strictly, and user text leaves in CSV exports unable to run."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from starlette.applications import Starlette

from tests.conftest import Api, SignedIn
from tests.helpers import add_position, create_portfolio, create_tag, days_ago, occ_symbol
from tests.test_exports import (
    IMPORT,
    _content,
    _export_portfolio,
    _hold,
    _holdings,
    prices,  # noqa: F401  (the fixture the export tests price their books with)
)
from tests.test_price_file import HEADER as PRICE_HEADER
from tests.test_price_file import IMPORT_PRICES, _admin

POSITIONS_HEADER = "ticker,quantity,entry_price,entry_date,tags\n"
IMPORT_POSITIONS = """
mutation Import($input: ImportPositionsInput!) {
  importPositions(input: $input) {
    __typename
    ... on ImportPositionsSuccess { report { created warnings { row column code message } } }
    ... on ImportRejectedError { code rowErrors { row column code message } }
    ... on UserError { field code message }
  }
}
"""
NOT_PLAIN_NUMBERS = {
    "digits in groups that are not thousands": '"$1,2,3"',
    "underscores": "1_000",
    "Arabic-Indic digits": "\u0661\u0660",
    "full-width digits": "\uff11\uff10",
    "an exponent": "1e3",
    "a decimal comma": '"12,5"',
}


async def _import(user: SignedIn, csv_text: str, book: str = "Imported") -> dict[str, Any]:
    portfolio_id = await create_portfolio(user, book)
    variables = {"input": {"portfolioId": portfolio_id, "csv": csv_text}}
    result: dict[str, Any] = (await user.api.gql(IMPORT_POSITIONS, variables))["importPositions"]
    return result


@pytest.mark.parametrize("number", NOT_PLAIN_NUMBERS.values(), ids=NOT_PLAIN_NUMBERS.keys())
async def test_a_quantity_that_is_not_a_plain_number_is_refused(
    alice: SignedIn, number: str
) -> None:
    # when
    result = await _import(alice, POSITIONS_HEADER + f"AAPL,{number},150,{days_ago(5)},\n")
    # then
    assert result["__typename"] == "ImportRejectedError", result
    assert [(e["row"], e["column"], e["code"]) for e in result["rowErrors"]] == [
        (2, "quantity", "NOT_A_NUMBER")
    ]


async def test_broker_style_numbers_are_still_read(alice: SignedIn) -> None:
    # when
    result = await _import(
        alice,
        POSITIONS_HEADER
        + f'AAPL,"1,000",$190.50,{days_ago(5)},\nMSFT,(300),"$1,410.25",{days_ago(5)},\n',
    )
    # then
    assert result["__typename"] == "ImportPositionsSuccess", result
    assert result["report"]["created"] == 2


@pytest.mark.parametrize("number", NOT_PLAIN_NUMBERS.values(), ids=NOT_PLAIN_NUMBERS.keys())
async def test_a_price_file_close_that_is_not_a_plain_number_is_refused(
    api: Api, app: Starlette, number: str
) -> None:
    # given
    admin = await _admin(api, app)
    # when
    result = (
        await admin.gql(
            IMPORT_PRICES, {"csv": PRICE_HEADER + f"ACME,2026-11-16,10,11,9,{number},5\n"}
        )
    )["importMarketData"]
    # then
    assert result["__typename"] == "PriceFileRejectedError", result
    assert result["rowErrors"] == [{"row": 2, "column": "close", "code": "NOT_A_NUMBER"}]


async def test_a_row_with_an_unterminated_quote_is_refused(alice: SignedIn) -> None:
    # when
    result = await _import(
        alice,
        POSITIONS_HEADER
        + f'MSFT,5,400,{days_ago(5)},\nAAPL,10,150,{days_ago(5)},"a,b\nKO,1,60,{days_ago(5)},\n',
    )
    # then
    assert result["__typename"] == "ImportRejectedError", result
    [error] = result["rowErrors"]
    assert (error["row"], error["code"]) == (3, "NOT_A_CSV")
    assert "never closed" in error["message"]


async def test_a_price_file_with_an_unterminated_quote_is_refused(api: Api, app: Starlette) -> None:
    # given
    admin = await _admin(api, app)
    # when
    result = (
        await admin.gql(IMPORT_PRICES, {"csv": PRICE_HEADER + 'ACME,2026-11-16,10,11,9,"10,5\n'})
    )["importMarketData"]
    # then
    assert result["__typename"] == "PriceFileRejectedError", result
    assert result["rowErrors"] == [{"row": 2, "column": None, "code": "NOT_A_CSV"}]


@pytest.mark.usefixtures("prices")
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
async def test_a_tag_starting_like_a_formula_is_neutralised_in_the_csv_export_and_reimports(
    alice: SignedIn, start: str
) -> None:
    # given
    tag = f"{start}cmd|' /C calc'!A0"  # the classic DDE payload (no comma: tags split on it)
    pid = await create_portfolio(alice)
    await _hold(alice, pid, "AAA", 100, tagIds=[await create_tag(alice, tag)])
    # when
    export = await _export_portfolio(alice, pid, include=["POSITIONS"])
    content = (await _content(alice, export)).decode()
    copy = await create_portfolio(alice, "Copy")
    imported = await alice.api.gql(
        IMPORT, {"input": {"portfolioId": copy, "csv": content, "mode": "APPEND"}}
    )
    # then the cell cannot run as a formula, and reading it back gives the tag as typed
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows[0]["tags"] == "'" + tag
    assert imported["importPositions"]["__typename"] == "ImportPositionsSuccess", imported
    assert await _holdings(alice, copy) == await _holdings(alice, pid)


async def test_adding_an_expired_option_is_refused_as_the_import_words_it(
    alice: SignedIn,
) -> None:
    # given
    expired = occ_symbol("SPY", -3, "P", 500)
    portfolio_id = await create_portfolio(alice)
    # when
    added = await add_position(alice, portfolio_id, symbol=expired, quantity=1, entryPrice=4.2)
    imported = await _import(alice, POSITIONS_HEADER + f"{expired},1,4.2,{days_ago(30)},\n")
    # then
    [warning] = imported["report"]["warnings"]
    assert added["__typename"] == "ValidationError", added
    assert (added["field"], added["code"]) == ("symbol", "OPTION_EXPIRED")
    assert added["message"] == warning["message"]
