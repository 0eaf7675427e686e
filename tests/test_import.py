"""Position CSV import: bad files are refused precisely and change nothing; good ones upsert."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.portfolios.models import Position, Tag, position_tags
from tests.conftest import SignedIn
from tests.helpers import add_position, create_portfolio, days_ago, occ_symbol

IMPORT = """
mutation Import($input: ImportPositionsInput!) {
  importPositions(input: $input) {
    __typename
    ... on ImportPositionsSuccess {
      report { mode applied rows created updated unchanged deleted skipped tagsCreated
               errors { row column code } warnings { row column code } }
    }
    ... on ImportRejectedError { code message rowErrors { row column code message } }
    ... on UserError { field code message }
  }
}
"""

HEADER = "ticker,quantity,entry_price,entry_date,tags\n"
D = days_ago(20)
GOOD = f'AAPL,100,190.5,{D},"Tech,Core"\nMSFT,-50,410,{D},Tech\n'


async def _import(user: SignedIn, portfolio_id: str, csv: str, **options: Any) -> dict[str, Any]:
    variables = {"input": {"portfolioId": portfolio_id, "csv": csv, **options}}
    result: dict[str, Any] = (await user.api.gql(IMPORT, variables))["importPositions"]
    return result


async def _row_counts(app: Starlette) -> tuple[int, int, int]:
    async with app.state.engine.connect() as conn:
        return (
            await conn.scalar(select(func.count()).select_from(Position)),
            await conn.scalar(select(func.count()).select_from(Tag)),
            await conn.scalar(select(func.count()).select_from(position_tags)),
        )


def _future() -> str:
    return (clock.today() + timedelta(days=3)).isoformat()


BAD_FILES: list[tuple[str, str | bytes, int, str | None, str]] = [
    ("empty file", "", 0, None, "EMPTY_FILE"),
    ("blank lines only", "\n\n  \n", 0, None, "EMPTY_FILE"),
    ("header only", HEADER, 1, None, "NO_ROWS"),
    ("wrong header", "symbol,qty,price,date\nAAPL,1,2,2024-01-02\n", 1, "ticker", "MISSING_COLUMN"),
    (
        "missing column",
        f"ticker,quantity,entry_date\nAAPL,1,{D}\n",
        1,
        "entry_price",
        "MISSING_COLUMN",
    ),
    ("bad date", HEADER + "AAPL,1,2,2024-13-45,\n", 2, "entry_date", "INVALID_DATE"),
    ("words for a date", HEADER + "AAPL,1,2,yesterday,\n", 2, "entry_date", "INVALID_DATE"),
    ("future date", HEADER + f"AAPL,1,2,{_future()},\n", 2, "entry_date", "FUTURE_DATE"),
    ("date too old", HEADER + "AAPL,1,2,2010-01-04,\n", 2, "entry_date", "DATE_TOO_OLD"),
    ("zero quantity", HEADER + f"AAPL,0,2,{D},\n", 2, "quantity", "ZERO_QUANTITY"),
    ("non-numeric quantity", HEADER + f"AAPL,ten,2,{D},\n", 2, "quantity", "NOT_A_NUMBER"),
    ("NaN quantity", HEADER + f"AAPL,NaN,2,{D},\n", 2, "quantity", "NOT_A_NUMBER"),
    ("negative price", HEADER + f"AAPL,1,-2,{D},\n", 2, "entry_price", "NON_POSITIVE_PRICE"),
    ("zero price", HEADER + f"AAPL,1,0,{D},\n", 2, "entry_price", "NON_POSITIVE_PRICE"),
    ("empty ticker", HEADER + f",1,2,{D},\n", 2, "ticker", "REQUIRED"),
    ("unparsable ticker", HEADER + f"$$$,1,2,{D},\n", 2, "ticker", "INVALID_SYMBOL"),
    ("malformed OCC", HEADER + f"AAPL240119X00150000,1,2,{D},\n", 2, "ticker", "INVALID_SYMBOL"),
    (
        "OCC bad month",
        HEADER + f"AAPL241319C00150000,1,2,{D},\n",
        2,
        "ticker",
        "INVALID_EXPIRATION",
    ),
    (
        "strike with too many digits",
        HEADER + f"AAPL240119C001500000,1,2,{D},\n",
        2,
        "ticker",
        "INVALID_STRIKE",
    ),
    ("duplicate rows", HEADER + f"AAPL,1,2,{D},\naapl,3,4,{D},\n", 3, "ticker", "DUPLICATE_ROW"),
    ("over-long tag", HEADER + f"AAPL,1,2,{D},{'t' * 51}\n", 2, "tags", "TOO_LONG"),
    (
        "too many tags",
        HEADER + f'AAPL,1,2,{D},"{",".join(f"t{i}" for i in range(21))}"\n',
        2,
        "tags",
        "TOO_MANY_TAGS",
    ),
    ("short row", HEADER + "AAPL,1\n", 2, "entry_price", "REQUIRED"),
    ("binary junk", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 0, None, "NOT_A_CSV"),
    ("not UTF-8", HEADER.encode() + b"AAPL,1,2,2024-01-02,caf\xe9\n", 0, None, "INVALID_ENCODING"),
    (
        "BOM and CRLF with a bad row",
        "\ufeff" + HEADER.replace("\n", "\r\n") + f"AAPL,1,2,{D},\r\nMSFT,0,2,{D},\r\n",
        3,
        "quantity",
        "ZERO_QUANTITY",
    ),
    (
        "good rows then a bad one",
        HEADER + GOOD + f"NVDA,5,-1,{D},\n",
        4,
        "entry_price",
        "NON_POSITIVE_PRICE",
    ),
    (
        "10,001 rows",
        HEADER + "".join(f"S{i},1,2,{D},\n" for i in range(10_001)),
        0,
        None,
        "TOO_MANY_ROWS",
    ),
    ("over 10 MB", HEADER + f"AAPL,1,2,{D},{'x' * 40}\n" * 200_000, 0, None, "FILE_TOO_LARGE"),
]


@pytest.mark.parametrize(
    ("case", "content", "row", "column", "code"), BAD_FILES, ids=[c[0] for c in BAD_FILES]
)
async def test_a_bad_file_gets_a_precise_error_and_changes_nothing(
    app: Starlette,
    alice: SignedIn,
    case: str,
    content: str | bytes,
    row: int,
    column: str | None,
    code: str,
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await add_position(alice, portfolio_id, symbol="XOM", tagIds=[])
    before = await _row_counts(app)
    # when: binary content arrives as an upload, text as the `csv` argument
    if isinstance(content, bytes):
        result = await _upload(alice, portfolio_id, content)
    else:
        result = await _import(alice, portfolio_id, content)
    # then
    assert result["__typename"] == "ImportRejectedError", result
    assert {"row": row, "column": column, "code": code} in [
        {k: e[k] for k in ("row", "column", "code")} for e in result["rowErrors"]
    ], result["rowErrors"]
    assert all(e["message"] for e in result["rowErrors"])
    assert await _row_counts(app) == before


async def _upload(user: SignedIn, portfolio_id: str, content: bytes) -> dict[str, Any]:
    operations = {
        "query": IMPORT,
        "variables": {"input": {"portfolioId": portfolio_id, "file": None}},
    }
    response = await user.api.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": ("book.csv", content, "text/csv")},
        # multipart requests must force a CORS preflight (see README, "API conduct")
        headers={"Authorization": f"Bearer {user.api.token}", "Apollo-Require-Preflight": "true"},
    )
    body = response.json()
    assert not body.get("errors"), body
    result: dict[str, Any] = body["data"]["importPositions"]
    return result


async def test_a_file_upload_imports_like_text(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    result = await _upload(alice, portfolio_id, (HEADER + GOOD).encode("utf-8-sig"))
    # then
    assert result["report"]["created"] == 2


async def test_append_creates_positions_and_tags(app: Starlette, alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    call = occ_symbol("AAPL", 40, "C", 200)
    csv = HEADER + GOOD + f"{call},-2,5.10,{D},Tech\n"
    # when
    result = await _import(alice, portfolio_id, csv)
    # then
    report = result["report"]
    assert (report["applied"], report["created"], report["tagsCreated"]) == (True, 3, 2)
    data = await alice.api.gql(
        "query($id: ID!) { portfolio(id: $id) { positions { edges { node { symbol positionType tags { name } } } } } }",
        {"id": portfolio_id},
    )
    nodes = {e["node"]["symbol"]: e["node"] for e in data["portfolio"]["positions"]["edges"]}
    assert nodes["AAPL"]["tags"] == [{"name": "Core"}, {"name": "Tech"}]
    assert nodes["MSFT"]["positionType"] == "SHORT"
    assert nodes[call]["positionType"] == "SC"


async def test_importing_the_same_file_twice_changes_nothing(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await _import(alice, portfolio_id, HEADER + GOOD)
    # when
    again = (await _import(alice, portfolio_id, HEADER + GOOD))["report"]
    # then
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


async def test_append_updates_a_matching_position(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await _import(alice, portfolio_id, HEADER + GOOD)
    # when
    report = (await _import(alice, portfolio_id, HEADER + f"AAPL,150,190.5,{D},Tech\n"))["report"]
    # then
    assert (report["updated"], report["created"], report["deleted"]) == (1, 0, 0)


async def test_replace_makes_the_open_book_exactly_the_file(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await _import(alice, portfolio_id, HEADER + GOOD)
    # when
    report = (await _import(alice, portfolio_id, HEADER + f"NVDA,10,120,{D},\n", mode="REPLACE"))[
        "report"
    ]
    # then
    assert (report["created"], report["deleted"]) == (1, 2)
    data = await alice.api.gql(
        "query($id: ID!) { portfolio(id: $id) { positions { edges { node { symbol } } } } }",
        {"id": portfolio_id},
    )
    assert [e["node"]["symbol"] for e in data["portfolio"]["positions"]["edges"]] == ["NVDA"]


async def test_validate_counts_without_writing(app: Starlette, alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    before = await _row_counts(app)
    # when
    report = (await _import(alice, portfolio_id, HEADER + GOOD, mode="VALIDATE"))["report"]
    # then
    assert (report["applied"], report["created"], report["tagsCreated"]) == (False, 2, 2)
    assert await _row_counts(app) == before


async def test_skip_invalid_rows_imports_the_good_ones(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    csv = HEADER + GOOD + f"NVDA,0,120,{D},\n"
    # when
    report = (await _import(alice, portfolio_id, csv, skipInvalidRows=True))["report"]
    # then
    assert (report["created"], report["skipped"]) == (2, 1)
    assert report["errors"] == [{"row": 4, "column": "quantity", "code": "ZERO_QUANTITY"}]


async def test_header_case_extra_columns_and_broker_number_formats_are_accepted(
    alice: SignedIn,
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    us_date = datetime.fromisoformat(D).strftime("%m/%d/%Y")
    csv = f'Account,TICKER,Quantity,Entry_Price,ENTRY_DATE\nX1,aapl,"1,000",$190.50,{us_date}\n'
    # when
    result = await _import(alice, portfolio_id, csv)
    # then
    assert result["report"]["created"] == 1


async def test_an_expired_option_imports_with_a_warning(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    expired = occ_symbol("SPY", -3, "P", 500)
    # when
    result = await _import(alice, portfolio_id, HEADER + f"{expired},1,4.2,{days_ago(30)},\n")
    # then
    assert result["report"]["warnings"] == [
        {"row": 2, "column": "ticker", "code": "OPTION_EXPIRED"}
    ]


async def test_creating_tags_past_100_per_user_is_refused(app: Starlette, alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    tags = ",".join(f"t{i}" for i in range(20))
    rows = "".join(f'S{n},1,2,{D},"{tags.replace("t", f"g{n}-")}"\n' for n in range(6))
    before = await _row_counts(app)
    # when
    result = await _import(alice, portfolio_id, HEADER + rows)
    # then
    assert result["__typename"] == "ImportRejectedError"
    assert {"row": 7, "column": "tags", "code": "TAG_LIMIT"} in [
        {k: e[k] for k in ("row", "column", "code")} for e in result["rowErrors"]
    ]
    assert await _row_counts(app) == before


async def test_importing_into_someone_elses_portfolio_is_not_found(
    alice: SignedIn, bob: SignedIn
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    result = await _import(bob, portfolio_id, HEADER + GOOD)
    # then
    assert result["__typename"] == "NotFoundError"


async def test_a_file_without_a_tags_column_leaves_tags_alone(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await _import(alice, portfolio_id, HEADER + GOOD)
    # when
    report = (
        await _import(
            alice, portfolio_id, f"ticker,quantity,entry_price,entry_date\nAAPL,100,190.5,{D}\n"
        )
    )["report"]
    # then
    assert report["unchanged"] == 1
    data = await alice.api.gql(
        'query($id: ID!) { portfolio(id: $id) { positions(filter: {symbol: "AAPL"}) { edges { node { tags { name } } } } } }',
        {"id": portfolio_id},
    )
    assert data["portfolio"]["positions"]["edges"][0]["node"]["tags"] == [
        {"name": "Core"},
        {"name": "Tech"},
    ]
