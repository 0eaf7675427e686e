"""Users' own price files: refused row by row with nothing written, or stored as `file` data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, update
from starlette.applications import Starlette

from sigmasight.auth.models import Role, User
from sigmasight.marketdata.models import DailyBar, Security
from tests.conftest import Api, SignedIn, sign_up
from tests.documents import LOGIN

IMPORT_PRICES = """
mutation($csv: String!) {
  importMarketData(input: {csv: $csv}) {
    __typename
    ... on ImportMarketDataSuccess { bars symbols profiles }
    ... on PriceFileRejectedError { code rowErrors { row column code } }
    ... on UserError { field code message }
  }
}
"""
HEADER = "symbol,date,open,high,low,close,volume\n"
GOOD = HEADER + "ACME,2026-11-16,10,11,9.5,10.5,1000\nACME,2026-11-17,10.5,11,10,10.8,1200\n"


async def _admin(api: Api, app: Starlette) -> Api:
    admin = await sign_up(api, "admin@example.com")
    async with app.state.engine.begin() as conn:
        await conn.execute(update(User).where(User.email == admin.email).values(role=Role.ADMIN))
    login = await api.gql(LOGIN, {"email": admin.email, "password": "correct horse battery"})
    assert "tokens" in login["login"], login
    return api.as_user(login["login"]["tokens"]["accessToken"])


async def _counts(app: Starlette) -> tuple[int, int]:
    async with app.state.engine.connect() as conn:
        bars = await conn.scalar(select(func.count()).select_from(DailyBar))
        securities = await conn.scalar(select(func.count()).select_from(Security))
    return int(bars or 0), int(securities or 0)


BAD_PRICE_FILES: list[tuple[str, str, int, str | None, str]] = [
    ("missing columns", "symbol,date,close\nACME,2026-11-16,10\n", 1, "open", "MISSING_COLUMN"),
    ("non-numeric close", HEADER + "ACME,2026-11-16,10,11,9,ten,5\n", 2, "close", "NOT_A_NUMBER"),
    (
        "negative price",
        HEADER + "ACME,2026-11-16,10,11,9,-10,5\n",
        2,
        "close",
        "NON_POSITIVE_PRICE",
    ),
    ("duplicate dates", GOOD + "ACME,2026-11-17,1,2,1,2,3\n", 4, "date", "DUPLICATE_ROW"),
    ("a weekend date", HEADER + "ACME,2026-11-21,10,11,9,10,5\n", 2, "date", "NOT_A_TRADING_DAY"),
    ("a holiday", HEADER + "ACME,2026-11-26,10,11,9,10,5\n", 2, "date", "NOT_A_TRADING_DAY"),
    ("bad date", HEADER + "ACME,2026-13-01,10,11,9,10,5\n", 2, "date", "INVALID_DATE"),
    (
        "high below close",
        HEADER + "ACME,2026-11-16,10,10.2,9,10.5,5\n",
        2,
        "high",
        "INCONSISTENT_BAR",
    ),
    ("empty symbol", HEADER + ",2026-11-16,10,11,9,10,5\n", 2, "symbol", "REQUIRED"),
    (
        "junk symbol",
        HEADER + "NOT A TICKER AT ALL,2026-11-16,10,11,9,10,5\n",
        2,
        "symbol",
        "INVALID_SYMBOL",
    ),
    ("negative volume", HEADER + "ACME,2026-11-16,10,11,9,10,-5\n", 2, "volume", "NEGATIVE_VOLUME"),
]


@pytest.mark.parametrize(
    ("case", "csv", "row", "column", "code"), BAD_PRICE_FILES, ids=[c[0] for c in BAD_PRICE_FILES]
)
async def test_a_bad_price_file_is_refused_row_by_row_and_nothing_is_written(
    api: Api, app: Starlette, case: str, csv: str, row: int, column: str | None, code: str
) -> None:
    # given: good rows first, so a partial write would show
    admin = await _admin(api, app)
    before = await _counts(app)
    # when
    result: dict[str, Any] = (await admin.gql(IMPORT_PRICES, {"csv": csv}))["importMarketData"]
    # then
    assert result["__typename"] == "PriceFileRejectedError", result
    assert {"row": row, "column": column, "code": code} in result["rowErrors"]
    assert await _counts(app) == before


async def test_a_good_price_file_is_stored_as_file_data_with_its_reference_columns(
    api: Api, app: Starlette
) -> None:
    # given
    admin = await _admin(api, app)
    csv = "Symbol,Date,Open,High,Low,Close,Volume,Sector,Industry\n" + (
        "acme,2026-11-16,10,11,9.5,10.5,1000,Industrials,Machinery\n"
        "ACME,11/17/2026,10.5,11,10,10.8,1200,Industrials,Machinery\n"
    )
    # when
    result = (await admin.gql(IMPORT_PRICES, {"csv": csv}))["importMarketData"]
    # then
    assert result == {
        "__typename": "ImportMarketDataSuccess",
        "bars": 2,
        "symbols": ["ACME"],
        "profiles": 1,
    }
    security = await admin.gql(
        '{ security(symbol: "ACME") { sector source history(from: "2026-11-01", to: "2026-11-20") { close source } } }'
    )
    assert security["security"]["sector"] == "Industrials"
    assert security["security"]["history"] == [
        {"close": 10.5, "source": "file"},
        {"close": 10.8, "source": "file"},
    ]


async def test_a_dividend_yield_column_feeds_the_security_master_and_option_pricing(
    api: Api, app: Starlette
) -> None:
    # given
    admin = await _admin(api, app)
    csv = "symbol,date,open,high,low,close,volume,dividend_yield\n" + (
        "ACME,2026-11-16,10,11,9.5,10.5,1000,0.0125\n"
    )
    # when
    result = (await admin.gql(IMPORT_PRICES, {"csv": csv}))["importMarketData"]
    # then
    assert result["__typename"] == "ImportMarketDataSuccess"
    security = await admin.gql('{ security(symbol: "ACME") { dividendYield } }')
    assert security["security"]["dividendYield"] == 0.0125


async def test_a_dividend_yield_outside_zero_to_one_is_refused(api: Api, app: Starlette) -> None:
    # given
    admin = await _admin(api, app)
    csv = "symbol,date,open,high,low,close,volume,dividend_yield\n" + (
        "ACME,2026-11-16,10,11,9.5,10.5,1000,1.25\n"
    )
    # when
    result = (await admin.gql(IMPORT_PRICES, {"csv": csv}))["importMarketData"]
    # then
    assert {"row": 2, "column": "dividend_yield", "code": "OUT_OF_RANGE"} in result["rowErrors"]


async def test_importing_market_data_is_for_admins(alice: SignedIn) -> None:
    # when
    body = await alice.api.raw(IMPORT_PRICES, {"csv": GOOD})
    # then
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
