"""Trade and portfolio exports through the API: made by mutation, stored, downloaded by id.

Prices are stored directly (seeded random walks for a few stocks and the factor ETFs up to the
last trading day, one close for each option), so sessions can price trades and books value.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pytest
import simplefix
from sqlalchemy import func, insert, select
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.analytics.scenarios import FACTOR_ETFS
from sigmasight.graphql.ids import to_global_id
from sigmasight.instruments.trading import TradeAction
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.reports.models import Export
from tests.book_factory import bar_row, walk_rows
from tests.conftest import SignedIn
from tests.documents import ADD_PRO_FORMA_TRADES, CREATE_MODELING_SESSION, DELETE_PORTFOLIO
from tests.helpers import add_position, create_portfolio, create_tag, days_ago, occ_symbol

SOH = b"\x01"
VALUATION_DAY = calendar.latest_trading_day(clock.today() - timedelta(days=1))
DAYS = calendar.trading_days_back(VALUATION_DAY, 61)
STOCKS = {"AAA": 150.0, "BBB": 80.0, "CCC": 45.0}
CALL = occ_symbol("AAA", 45, "C", 150)
PUT = occ_symbol("AAA", 45, "P", 140)
OPTION_CLOSES = {CALL: 6.4, PUT: 2.1}
EXPORT_FIELDS = (
    "id kind format sessionId portfolioId filename contentType size createdAt downloadUrl"
)

EXPORT_TRADES = f"""
mutation($sessionId: ID, $trades: [OrderInput!], $format: TradeExportFormat!) {{
  exportTrades(sessionId: $sessionId, trades: $trades, format: $format) {{
    __typename
    ... on ExportSuccess {{ export {{ {EXPORT_FIELDS} }} }}
    ... on UserError {{ field code message }}
  }}
}}
"""
EXPORT_PORTFOLIO = f"""
mutation($portfolioId: ID!, $format: PortfolioExportFormat!, $include: [PortfolioExportSection!]) {{
  exportPortfolio(portfolioId: $portfolioId, format: $format, include: $include) {{
    __typename
    ... on ExportSuccess {{ export {{ {EXPORT_FIELDS} }} }}
    ... on UserError {{ field code message }}
  }}
}}
"""
EXPORTS = f"query {{ exports(first: 50) {{ totalCount edges {{ node {{ {EXPORT_FIELDS} }} }} }} }}"
PRO_FORMA = """
query($id: ID!) { modelingSession(id: $id) { proForma { positions { symbol quantity } } } }
"""
SET_CASH = """
mutation($id: ID!, $cash: Float!) {
  updatePortfolio(input: {id: $id, cash: $cash}) { __typename }
}
"""
IMPORT = """
mutation($input: ImportPositionsInput!) {
  importPositions(input: $input) {
    __typename
    ... on ImportRejectedError { rowErrors { row column code message } }
    ... on UserError { field code message }
  }
}
"""
HOLDINGS = """
query($id: ID!) { portfolio(id: $id) {
  cash
  positions(first: 200) { edges { node { symbol quantity entryPrice entryDate tags { name } } } }
} }
"""
NODE = "query($id: ID!) { node(id: $id) { id __typename ... on Export { filename } } }"


@pytest.fixture
async def prices(app: Starlette) -> None:
    rows = walk_rows({**STOCKS, **dict.fromkeys(FACTOR_ETFS, 100.0)}, DAYS)
    rows += [bar_row(symbol, VALUATION_DAY, close) for symbol, close in OPTION_CLOSES.items()]
    async with app.state.engine.begin() as conn:
        await conn.execute(insert(DailyBar), rows)


async def _hold(user: SignedIn, pid: str, symbol: str, quantity: float, **fields: Any) -> None:
    result = await add_position(user, pid, symbol=symbol, quantity=quantity, **fields)
    assert result["__typename"] == "AddPositionSuccess", result


async def _session(user: SignedIn, pid: str, trades: list[dict[str, Any]]) -> str:
    created = await user.api.gql(
        CREATE_MODELING_SESSION, {"portfolioId": pid, "name": "Hedge ideas"}
    )
    session_id = str(created["createModelingSession"]["session"]["id"])
    added = await user.api.gql(
        ADD_PRO_FORMA_TRADES, {"input": {"sessionId": session_id, "trades": trades}}
    )
    assert added["addProFormaTrade"]["__typename"] == "AddProFormaTradeSuccess", added
    return session_id


async def _export_trades(user: SignedIn, **variables: Any) -> dict[str, Any]:
    data = await user.api.gql(EXPORT_TRADES, {"format": "CSV", **variables})
    result: dict[str, Any] = data["exportTrades"]
    return result


async def _export_portfolio(user: SignedIn, pid: str, **variables: Any) -> dict[str, Any]:
    variables = {"portfolioId": pid, "format": "CSV", **variables}
    result: dict[str, Any] = (await user.api.gql(EXPORT_PORTFOLIO, variables))["exportPortfolio"]
    assert result["__typename"] == "ExportSuccess", result
    return dict(result["export"])


async def _download(user: SignedIn, url: str, token: str | None = "own") -> httpx.Response:
    bearer = user.api.token if token == "own" else token
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return await user.api.http.get(url, headers=headers)


async def _content(user: SignedIn, export: dict[str, Any]) -> bytes:
    response = await _download(user, export["downloadUrl"])
    assert response.status_code == 200, response.text
    return response.content


def _fix_messages(raw: bytes) -> list[bytes]:
    """The raw messages of a FIX stream, each from its 8= to the SOH after its 10=."""
    messages, start = [], 0
    while start < len(raw):
        end = raw.index(SOH, raw.index(SOH + b"10=", start) + 1) + 1
        messages.append(raw[start:end])
        start = end
    return messages


def _net(rows: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    net: dict[str, Decimal] = defaultdict(Decimal)
    for symbol, quantity in rows:
        net[symbol] += quantity
    return {symbol: q for symbol, q in net.items() if q != 0}


async def _holdings(user: SignedIn, pid: str) -> tuple[float, list[tuple[Any, ...]]]:
    data = (await user.api.gql(HOLDINGS, {"id": pid}))["portfolio"]
    rows = [
        (
            n["symbol"],
            n["quantity"],
            n["entryPrice"],
            n["entryDate"],
            sorted(t["name"] for t in n["tags"]),
        )
        for n in (e["node"] for e in data["positions"]["edges"])
    ]
    return data["cash"], sorted(rows)


async def _stored_exports(app: Starlette) -> int:
    async with app.state.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Export)) or 0)


@pytest.mark.usefixtures("prices")
async def test_a_sessions_fix_export_parses_with_recomputed_lengths_checksums_and_unique_ids(
    alice: SignedIn,
) -> None:
    # given: a session buying a stock and opening an option
    pid = await create_portfolio(alice)
    await _hold(alice, pid, "AAA", 100)
    session_id = await _session(
        alice,
        pid,
        [
            {"action": "BUY", "symbol": "BBB", "quantity": 50},
            {"action": "BUY_TO_OPEN", "symbol": CALL, "quantity": 2},
        ],
    )
    # when
    result = await _export_trades(alice, sessionId=session_id, format="FIX")
    raw = await _content(alice, result["export"])
    # then: simplefix reads two messages, and re-encoding them recomputes 9= and 10= identically
    messages = _fix_messages(raw)
    assert len(messages) == 2 and b"".join(messages) == raw
    parsed = []
    for message in messages:
        parser = simplefix.FixParser()
        parser.append_buffer(message)
        fix = parser.get_message()
        assert fix is not None and parser.get_message() is None
        assert fix.encode() == message
        parsed.append({int(tag): value.decode() for tag, value in fix.pairs})
    stock, option = parsed
    for tags in parsed:
        assert {8, 9, 35, 49, 56, 34, 52, 11, 55, 167, 54, 38, 40, 59, 60, 10} <= tags.keys()
        assert (tags[8], tags[35], tags[49], tags[56]) == ("FIX.4.4", "D", "SIGMASIGHT", "BROKER")
        assert tags[52] == tags[60]  # the request time
    assert [stock[34], option[34]] == ["1", "2"]
    assert (stock[55], stock[167], stock[54], stock[38], stock[40]) == ("BBB", "CS", "1", "50", "1")
    assert (option[55], option[167], option[54], option[38], option[77]) == (
        "AAA",
        "OPT",
        "1",
        "2",
        "O",
    )
    assert (option[202], option[201]) == ("150", "1")
    assert stock[11] != option[11]
    assert result["export"]["kind"] == "TRADES" and result["export"]["format"] == "FIX"
    assert result["export"]["sessionId"] == session_id


@pytest.mark.usefixtures("prices")
async def test_the_csv_trade_export_of_a_session_applied_to_the_base_book_gives_the_pro_forma_book(
    alice: SignedIn,
) -> None:
    # given: a long stock, a short stock and a long call, traded every way
    pid = await create_portfolio(alice)
    await _hold(alice, pid, "AAA", 100)
    await _hold(alice, pid, "BBB", -50)
    await _hold(alice, pid, CALL, 3, entryPrice=5.5)
    session_id = await _session(
        alice,
        pid,
        [
            {"action": "BUY", "symbol": "AAA", "quantity": 20},
            {"action": "SELL", "symbol": "AAA", "quantity": 30},
            {"action": "BUY_TO_COVER", "symbol": "BBB", "quantity": 50},
            {"action": "SELL_SHORT", "symbol": "CCC", "quantity": 40},
            {"action": "SELL_TO_CLOSE", "symbol": CALL, "quantity": 1},
            {"action": "BUY_TO_OPEN", "symbol": PUT, "quantity": 2},
        ],
    )
    base = [(symbol, Decimal(str(q))) for symbol, q, *_ in (await _holdings(alice, pid))[1]]
    # when
    result = await _export_trades(alice, sessionId=session_id, format="CSV")
    rows = list(csv.DictReader(io.StringIO((await _content(alice, result["export"])).decode())))
    # then
    traded = [(r["symbol"], TradeAction(r["action"]).sign * Decimal(r["quantity"])) for r in rows]
    pro_forma = (await alice.api.gql(PRO_FORMA, {"id": session_id}))["modelingSession"]
    expected = [
        (p["symbol"], Decimal(str(p["quantity"]))) for p in pro_forma["proForma"]["positions"]
    ]
    assert _net(base + traded) == _net(expected)
    assert _net(base + traded) == {
        "AAA": Decimal(90),
        "CCC": Decimal(-40),
        CALL: Decimal(2),
        PUT: Decimal(2),
    }
    assert len({r["client_order_id"] for r in rows}) == len(rows) == 6


@pytest.mark.usefixtures("prices")
async def test_the_portfolio_csv_export_reimports_through_import_positions_into_the_same_positions(
    alice: SignedIn,
) -> None:
    # given: stocks long and short, an option, tags (one with a comma-free space), and cash
    pid = await create_portfolio(alice)
    core = await create_tag(alice, "Core")
    tech = await create_tag(alice, "Big Tech")
    await _hold(alice, pid, "AAA", 100, entryPrice=149.125, tagIds=[core, tech])
    await _hold(alice, pid, "BBB", -50, entryPrice=81.5, entryDate=days_ago(12), tagIds=[core])
    await _hold(alice, pid, CALL, 3, entryPrice=5.55, entryDate=days_ago(3))
    await alice.api.gql(SET_CASH, {"id": pid, "cash": 25000.5})
    # when
    export = await _export_portfolio(alice, pid, include=["POSITIONS"])
    content = (await _content(alice, export)).decode()
    copy = await create_portfolio(alice, "Copy")
    imported = await alice.api.gql(
        IMPORT, {"input": {"portfolioId": copy, "csv": content, "mode": "APPEND"}}
    )
    # then
    assert imported["importPositions"]["__typename"] == "ImportPositionsSuccess", imported
    assert content.startswith("ticker,quantity,entry_price,entry_date,tags,")
    assert await _holdings(alice, copy) == await _holdings(alice, pid)
    assert (await _holdings(alice, copy))[0] == 25000.5


@pytest.mark.usefixtures("prices")
async def test_the_xlsx_export_has_a_sheet_per_section_and_neutralises_formulas_in_user_text(
    alice: SignedIn,
) -> None:
    # given: a tag that a spreadsheet would run as a formula
    formula = '=HYPERLINK("http://evil.example","x")'
    pid = await create_portfolio(alice)
    await _hold(alice, pid, "AAA", 100, tagIds=[await create_tag(alice, formula)])
    await _hold(alice, pid, CALL, -2, entryPrice=6.0)
    # when
    export = await _export_portfolio(alice, pid, format="XLSX")
    workbook = openpyxl.load_workbook(io.BytesIO(await _content(alice, export)))
    # then
    assert workbook.sheetnames == ["positions", "greeks", "exposures", "factors"]
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if isinstance(c.value, str) and c.value[:1] == "="]
    positions = workbook["positions"]
    header = [c.value for c in positions[1]]
    aaa = next(row for row in positions.iter_rows(min_row=2) if row[0].value == "AAA")
    assert aaa[header.index("tags")].value == "'" + formula
    assert aaa[header.index("quantity")].value == 100  # numbers stay numbers
    assert [c.value for c in workbook["exposures"]["A"][1:]] == ["NOTIONAL", "DELTA_ADJUSTED"]
    assert [c.value for c in workbook["factors"]["B"][1:]] == list(FACTOR_ETFS)
    assert export["contentType"].endswith("spreadsheetml.sheet")
    assert export["filename"].endswith(".xlsx") and export["portfolioId"] == pid


@pytest.mark.usefixtures("prices")
async def test_only_the_owner_downloads_an_export_and_lists_only_their_own(
    alice: SignedIn, bob: SignedIn
) -> None:
    # given
    pid = await create_portfolio(alice)
    await _hold(alice, pid, "AAA", 100)
    trades = await _export_trades(
        alice,
        trades=[{"action": "BUY", "symbol": "aapl", "quantity": 10}],
        format="JSON",
    )
    portfolio = await _export_portfolio(alice, pid, format="JSON")
    bobs = await _export_trades(
        bob, trades=[{"action": "SELL_SHORT", "symbol": "TSLA", "quantity": 5}]
    )
    url = trades["export"]["downloadUrl"]
    # when
    owner = await _download(alice, url)
    stranger = await _download(bob, url)
    unknown = await _download(alice, f"/exports/{to_global_id('Export', uuid.uuid4())}")
    anonymous = await _download(alice, url, token=None)
    forged = await _download(alice, url, token="not-a-token")
    listed = (await alice.api.gql(EXPORTS))["exports"]
    node = (await alice.api.gql(NODE, {"id": trades["export"]["id"]}))["node"]
    bobs_node = (await bob.api.gql(NODE, {"id": trades["export"]["id"]}))["node"]
    # then
    assert owner.status_code == 200
    assert owner.headers["content-type"] == "application/json"
    filename = trades["export"]["filename"]
    assert owner.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert owner.headers["cache-control"] == "no-store"
    assert owner.headers["x-content-type-options"] == "nosniff"
    [order] = owner.json()
    assert (order["action"], order["symbol"], order["quantity"]) == ("BUY", "AAPL", 10)
    assert len(owner.content) == trades["export"]["size"]
    assert (stranger.status_code, unknown.status_code) == (404, 404)
    assert stranger.json() == unknown.json()
    assert (anonymous.status_code, forged.status_code) == (401, 401)
    assert listed["totalCount"] == 2
    assert [(e["node"]["id"], e["node"]["format"], e["node"]["kind"]) for e in listed["edges"]] == [
        (portfolio["id"], "JSON", "PORTFOLIO"),
        (trades["export"]["id"], "JSON", "TRADES"),
    ]
    assert all(e["node"]["size"] > 0 for e in listed["edges"])
    assert bobs["export"]["id"] not in {e["node"]["id"] for e in listed["edges"]}
    assert node == {"id": trades["export"]["id"], "__typename": "Export", "filename": filename}
    assert bobs_node is None


@pytest.mark.usefixtures("prices")
async def test_an_export_outlives_the_portfolio_and_session_it_was_made_from(
    alice: SignedIn,
) -> None:
    # given
    pid = await create_portfolio(alice)
    await _hold(alice, pid, "AAA", 100)
    session_id = await _session(alice, pid, [{"action": "BUY", "symbol": "BBB", "quantity": 5}])
    trades = (await _export_trades(alice, sessionId=session_id))["export"]
    portfolio = await _export_portfolio(alice, pid)
    # when
    await alice.api.gql(DELETE_PORTFOLIO, {"id": pid})
    listed = (await alice.api.gql(EXPORTS))["exports"]["edges"]
    # then
    assert [(e["node"]["sessionId"], e["node"]["portfolioId"]) for e in listed] == [
        (None, None)
    ] * 2
    assert await _content(alice, portfolio) and await _content(alice, trades)


@pytest.mark.usefixtures("prices")
async def test_bad_export_requests_are_typed_user_errors_and_store_nothing(
    app: Starlette, alice: SignedIn, bob: SignedIn
) -> None:
    # given
    bobs_portfolio = await create_portfolio(bob)
    await _hold(bob, bobs_portfolio, "AAA", 100)
    bobs_session = await _session(
        bob, bobs_portfolio, [{"action": "BUY", "symbol": "BBB", "quantity": 5}]
    )
    unknown_session = to_global_id("ModelingSession", uuid.uuid4())
    order = {"action": "BUY", "symbol": "AAA", "quantity": 10}
    # when
    results = [
        await _export_trades(alice, sessionId=unknown_session),
        await _export_trades(alice, sessionId=bobs_session),
        await _export_trades(alice, sessionId=bobs_session, trades=[order]),
        await _export_trades(alice),
        await _export_trades(alice, trades=[order, {**order, "orderType": "LIMIT"}]),
        await _export_trades(alice, trades=[{**order, "symbol": "AAA", "action": "BUY_TO_OPEN"}]),
        await _export_trades(alice, trades=[]),
    ]
    portfolio = await alice.api.gql(
        EXPORT_PORTFOLIO, {"portfolioId": bobs_portfolio, "format": "XLSX"}
    )
    # then
    assert [(r["__typename"], r["field"], r["code"]) for r in results] == [
        ("NotFoundError", "sessionId", "NOT_FOUND"),
        ("NotFoundError", "sessionId", "NOT_FOUND"),
        ("ValidationError", None, "INVALID_ARGUMENTS"),
        ("ValidationError", None, "REQUIRED"),
        ("ValidationError", "trades.1", "INVALID_ORDER"),
        ("ValidationError", "trades.0", "INVALID_ORDER"),
        ("ValidationError", "trades", "REQUIRED"),
    ]
    assert "limit price" in results[4]["message"]
    assert portfolio["exportPortfolio"]["__typename"] == "NotFoundError"
    assert portfolio["exportPortfolio"]["field"] == "portfolioId"
    assert await _stored_exports(app) == 0
    assert (await alice.api.gql(EXPORTS))["exports"]["totalCount"] == 0
