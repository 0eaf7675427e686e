"""Trade and report exports as CSV, JSON and XLSX: read back with csv, json and openpyxl."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import openpyxl
import pytest

from sigmasight.instruments.occ import SymbolError
from sigmasight.instruments.trading import OrderType, TimeInForce, TradeAction
from sigmasight.reports import files
from sigmasight.reports.files import Section
from sigmasight.reports.orders import Order, plain_decimal, validate_order

ORDERS = [
    Order(
        action=TradeAction.BUY,
        symbol="AAPL",
        quantity=Decimal("100"),
        order_type=OrderType.LIMIT,
        limit_price=Decimal("150.50"),
        client_order_id="ord-1",
    ),
    Order(
        action=TradeAction.SELL_TO_OPEN,
        symbol="SPY251219P00450500",
        quantity=Decimal("2"),
        time_in_force=TimeInForce.GTC,
        client_order_id="ord-2",
    ),
]
INJECTIONS = ['=HYPERLINK("http://evil.example","click")', "+1", "-1", "@SUM(1)", "\t=1+1"]
POSITIONS = Section(
    name="Positions",
    columns=["symbol", "quantity", "market_value", "as_of", "note"],
    rows=[
        ["AAPL", 100, Decimal("19012.50"), date(2026, 1, 5), "core"],
        ["TSLA", -25, -6250.75, date(2026, 1, 5), None],
    ],
)
EXPOSURE = Section(name="Exposure", columns=["measure", "dollars"], rows=[["gross", 25263.25]])


def _csv_rows(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


def _workbook(raw: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(raw))


# ---- trades -----------------------------------------------------------------------------------


def test_trades_csv_reads_back_as_a_header_and_one_row_per_order() -> None:
    # when
    rows = _csv_rows(files.trades_csv(ORDERS))
    # then
    assert rows == [
        files.TRADE_COLUMNS,
        ["BUY", "AAPL", "100", "LIMIT", "150.5", "DAY", "ord-1", "", "", "", ""],
        [
            "SELL_TO_OPEN",
            "SPY251219P00450500",
            "2",
            "MARKET",
            "",
            "GTC",
            "ord-2",
            "SPY",
            "2025-12-19",
            "450.5",
            "PUT",
        ],
    ]


def test_trades_csv_is_utf8_with_crlf_line_ends() -> None:
    # when
    raw = files.trades_csv(ORDERS[:1])
    # then
    assert raw.count(b"\r\n") == 2
    assert not raw.startswith(b"\xef\xbb\xbf")


def test_trades_json_loads_back_as_one_object_per_order() -> None:
    # when
    records = json.loads(files.trades_json(ORDERS))
    # then
    assert records == [
        {
            "action": "BUY",
            "symbol": "AAPL",
            "quantity": 100,
            "order_type": "LIMIT",
            "limit_price": 150.5,
            "time_in_force": "DAY",
            "client_order_id": "ord-1",
            "underlying": None,
            "expiration": None,
            "strike": None,
            "option_type": None,
        },
        {
            "action": "SELL_TO_OPEN",
            "symbol": "SPY251219P00450500",
            "quantity": 2,
            "order_type": "MARKET",
            "limit_price": None,
            "time_in_force": "GTC",
            "client_order_id": "ord-2",
            "underlying": "SPY",
            "expiration": "2025-12-19",
            "strike": 450.5,
            "option_type": "PUT",
        },
    ]


def test_a_client_order_id_starting_like_a_formula_is_neutralised_in_trades_csv() -> None:
    # given
    order = Order(
        action=TradeAction.SELL, symbol="MSFT", quantity=Decimal("1"), client_order_id="=1+1"
    )
    # when
    rows = _csv_rows(files.trades_csv([order]))
    # then
    assert rows[1][6] == "'=1+1"


def test_an_invalid_order_is_refused_by_the_exports() -> None:
    # given
    order = Order(action=TradeAction.BUY_TO_OPEN, symbol="AAPL", quantity=Decimal("1"))
    # when / then
    with pytest.raises(ValueError, match="option action"):
        files.trades_csv([order])
    with pytest.raises(ValueError, match="option action"):
        files.trades_json([order])


def test_two_orders_with_one_client_order_id_are_refused_by_the_exports() -> None:
    # given
    twins = [
        ORDERS[0],
        Order(action=TradeAction.SELL, symbol="X", quantity=Decimal("1"), client_order_id="ord-1"),
    ]
    # when / then
    with pytest.raises(ValueError, match="used twice"):
        files.trades_csv(twins)


# ---- order validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "message"),
    [
        (Order(TradeAction.BUY, "AAPL", Decimal("0")), "greater than zero"),
        (Order(TradeAction.BUY, "AAPL", Decimal("-5")), "greater than zero"),
        (Order(TradeAction.BUY, "AAPL", Decimal("NaN")), "greater than zero"),
        (Order(TradeAction.BUY, "AAPL", Decimal("1"), OrderType.LIMIT), "needs a limit price"),
        (
            Order(TradeAction.BUY, "AAPL", Decimal("1"), OrderType.LIMIT, Decimal("0")),
            "Limit price must be greater than zero",
        ),
        (
            Order(TradeAction.BUY, "AAPL", Decimal("1"), OrderType.MARKET, Decimal("10")),
            "MARKET order takes no limit price",
        ),
        (Order(TradeAction.BUY_TO_OPEN, "AAPL", Decimal("1")), "option action"),
        (Order(TradeAction.SELL_TO_CLOSE, "AAPL", Decimal("1")), "option action"),
        (Order(TradeAction.BUY, "AAPL260116C00150000", Decimal("1")), "stock action"),
        (Order(TradeAction.SELL_SHORT, "AAPL260116C00150000", Decimal("1")), "stock action"),
        (Order(TradeAction.BUY_TO_OPEN, "AAPL260116C00150000", Decimal("1.5")), "whole contracts"),
        (Order(TradeAction.BUY_TO_OPEN, "AAPL261316C00150000", Decimal("1")), "expiration"),
        (Order(TradeAction.BUY, "NOT A TICKER", Decimal("1")), "not a valid ticker"),
    ],
)
def test_an_order_breaking_a_rule_is_refused(order: Order, message: str) -> None:
    # when / then
    with pytest.raises(ValueError, match=message):
        validate_order(order)


def test_a_bad_symbol_is_refused_as_a_symbol_error_with_its_code() -> None:
    # given
    order = Order(TradeAction.SELL, "$$$", Decimal("1"))
    # when / then
    with pytest.raises(SymbolError) as raised:
        validate_order(order)
    assert raised.value.code == "INVALID_SYMBOL"


def test_valid_stock_and_option_orders_pass() -> None:
    # when / then
    for order in ORDERS:
        validate_order(order)
    assert ORDERS[1].is_option and not ORDERS[0].is_option
    assert ORDERS[1].option.strike == Decimal("450.5")


def test_decimals_are_written_without_exponent_or_trailing_zeros() -> None:
    # when / then
    assert [plain_decimal(Decimal(v)) for v in ("150.50", "1E+2", "0.000", "1.5E-7", "-2.10")] == [
        "150.5",
        "100",
        "0",
        "0.00000015",
        "-2.1",
    ]


# ---- neutralising -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*INJECTIONS, "\r=1+1"])
def test_text_starting_like_a_formula_is_prefixed_with_a_quote(text: str) -> None:
    # when / then
    assert files.neutralize(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["AAPL", "", "a=b", "'=1", -1, -2.5, Decimal("-3"), None, date(2026, 1, 5)]
)
def test_plain_text_and_values_that_are_not_text_are_left_alone(value: object) -> None:
    # when / then
    assert files.neutralize(value) == value


@pytest.mark.parametrize("text", INJECTIONS)
def test_a_formula_in_a_text_cell_comes_back_neutralised_from_csv(text: str) -> None:
    # given
    section = Section(name="notes", columns=["symbol", "note"], rows=[["AAPL", text]])
    # when
    rows = _csv_rows(files.sections_csv([section]))
    # then
    assert rows == [["symbol", "note"], ["AAPL", "'" + text]]


@pytest.mark.parametrize("text", INJECTIONS)
def test_a_formula_in_a_text_cell_comes_back_neutralised_from_xlsx(text: str) -> None:
    # given
    section = Section(name="notes", columns=["symbol", "note"], rows=[["AAPL", text]])
    # when
    sheet = _workbook(files.sections_xlsx([section]))["notes"]
    # then
    cell = sheet["B2"]
    assert cell.value == "'" + text
    assert cell.data_type == "s"


def test_a_formula_behind_a_control_character_is_still_neutralised() -> None:
    # given
    section = Section(name="notes", columns=["note"], rows=[["\x01=1+1"]])
    # when
    csv_rows = _csv_rows(files.sections_csv([section]))
    sheet = _workbook(files.sections_xlsx([section]))["notes"]
    # then
    assert csv_rows[1] == ["'=1+1"]
    assert sheet["A2"].value == "'=1+1"


def test_formula_like_headers_and_section_names_are_neutralised_too() -> None:
    # given
    sections = [Section(name="=evil", columns=["-x"], rows=[[1]]), EXPOSURE]
    # when
    rows = _csv_rows(files.sections_csv(sections))
    sheet = _workbook(files.sections_xlsx(sections)).worksheets[0]
    # then
    assert rows[:3] == [["'=evil"], ["'-x"], ["1"]]
    assert sheet["A1"].value == "'-x"


def test_negative_numbers_stay_numbers() -> None:
    # given
    section = Section(
        name="pnl", columns=["int", "float", "decimal"], rows=[[-1, -2.5, Decimal("-3.25")]]
    )
    # when
    csv_rows = _csv_rows(files.sections_csv([section]))
    sheet = _workbook(files.sections_xlsx([section]))["pnl"]
    # then
    assert csv_rows[1] == ["-1", "-2.5", "-3.25"]
    assert [cell.value for cell in sheet[2]] == [-1, -2.5, -3.25]
    assert all(cell.data_type == "n" for cell in sheet[2])


def test_json_keeps_the_users_text_verbatim() -> None:
    # given
    section = Section(name="notes", columns=["note"], rows=[[text] for text in INJECTIONS])
    # when
    document = json.loads(files.sections_json([section]))
    # then
    assert document == {"notes": [{"note": text} for text in INJECTIONS]}


# ---- sections ---------------------------------------------------------------------------------


def test_one_section_is_written_as_a_plain_csv_table() -> None:
    # when
    rows = _csv_rows(files.sections_csv([POSITIONS]))
    # then
    assert rows == [
        ["symbol", "quantity", "market_value", "as_of", "note"],
        ["AAPL", "100", "19012.5", "2026-01-05", "core"],
        ["TSLA", "-25", "-6250.75", "2026-01-05", ""],
    ]


def test_several_sections_are_titled_and_separated_by_a_blank_line_in_csv() -> None:
    # when
    rows = _csv_rows(files.sections_csv([POSITIONS, EXPOSURE]))
    # then
    assert rows == [
        ["Positions"],
        ["symbol", "quantity", "market_value", "as_of", "note"],
        ["AAPL", "100", "19012.5", "2026-01-05", "core"],
        ["TSLA", "-25", "-6250.75", "2026-01-05", ""],
        [],
        ["Exposure"],
        ["measure", "dollars"],
        ["gross", "25263.25"],
    ]


def test_csv_quotes_commas_quotes_and_line_breaks_per_rfc_4180() -> None:
    # given
    text = 'a, "quoted"\nline'
    section = Section(name="notes", columns=["note", "n"], rows=[[text, 1]])
    # when
    raw = files.sections_csv([section])
    # then
    assert raw == b'note,n\r\n"a, ""quoted""\nline",1\r\n'
    assert _csv_rows(raw)[1] == [text, "1"]


def test_sections_json_maps_each_name_to_its_records() -> None:
    # when
    document = json.loads(files.sections_json([POSITIONS, EXPOSURE]))
    # then
    assert document == {
        "Positions": [
            {
                "symbol": "AAPL",
                "quantity": 100,
                "market_value": 19012.5,
                "as_of": "2026-01-05",
                "note": "core",
            },
            {
                "symbol": "TSLA",
                "quantity": -25,
                "market_value": -6250.75,
                "as_of": "2026-01-05",
                "note": None,
            },
        ],
        "Exposure": [{"measure": "gross", "dollars": 25263.25}],
    }


def test_unknown_numbers_are_empty_in_csv_and_xlsx_and_null_in_json() -> None:
    # given
    section = Section(name="risk", columns=["beta", "var"], rows=[[float("nan"), Decimal("NaN")]])
    # when
    csv_rows = _csv_rows(files.sections_csv([section]))
    document = json.loads(files.sections_json([section]))
    sheet = _workbook(files.sections_xlsx([section]))["risk"]
    # then
    assert csv_rows[1] == ["", ""]
    assert document == {"risk": [{"beta": None, "var": None}]}
    assert [cell.value for cell in sheet[2]] == [None, None]


def test_two_sections_with_one_name_are_refused_in_json() -> None:
    # when / then
    with pytest.raises(ValueError, match="Two sections"):
        files.sections_json([EXPOSURE, EXPOSURE])


def test_a_row_with_the_wrong_number_of_cells_is_refused() -> None:
    # when / then
    with pytest.raises(ValueError, match="row 2 has 1 cells for 2 columns"):
        Section(name="bad", columns=["a", "b"], rows=[[1, 2], [3]])


def test_xlsx_has_one_sheet_per_section_with_a_bold_header_numbers_and_dates() -> None:
    # when
    workbook = _workbook(files.sections_xlsx([POSITIONS, EXPOSURE]))
    # then
    assert workbook.sheetnames == ["Positions", "Exposure"]
    positions = workbook["Positions"]
    assert [cell.value for cell in positions[1]] == POSITIONS.columns
    assert all(cell.font.b for cell in positions[1])
    assert not any(cell.font.b for cell in positions[2])
    assert [cell.value for cell in positions[2]] == [
        "AAPL",
        100,
        19012.5,
        datetime(2026, 1, 5),
        "core",
    ]
    assert [cell.data_type for cell in positions[3]] == ["s", "n", "n", "d", "n"]
    assert positions["D2"].is_date
    assert positions["E3"].value is None
    assert [[cell.value for cell in row] for row in workbook["Exposure"]] == [
        ["measure", "dollars"],
        ["gross", 25263.25],
    ]


def test_xlsx_writes_aware_datetimes_in_utc() -> None:
    # given
    paris = timezone(timedelta(hours=1))
    section = Section(
        name="runs", columns=["at"], rows=[[datetime(2026, 1, 5, 18, 0, tzinfo=paris)]]
    )
    # when
    sheet = _workbook(files.sections_xlsx([section]))["runs"]
    # then
    assert sheet["A2"].value == datetime(2026, 1, 5, 17, 0)


def test_sheet_names_are_cut_to_31_characters_cleaned_and_unique() -> None:
    # given
    long_name = "Factor exposures by portfolio and day"
    sections = [
        Section(name=long_name, columns=["a"], rows=[]),
        Section(name=long_name, columns=["a"], rows=[]),
        Section(name="P&L: 2026/01 [draft]?", columns=["a"], rows=[]),
        Section(name="", columns=["a"], rows=[]),
    ]
    # when
    workbook = _workbook(files.sections_xlsx(sections))
    # then
    assert workbook.sheetnames == [
        "Factor exposures by portfolio a",
        "Factor exposures by portfol (2)",
        "P&L_ 2026_01 _draft__",
        "Sheet",
    ]
    assert all(len(name) <= 31 for name in workbook.sheetnames)


def test_an_empty_report_is_still_a_workbook_that_opens() -> None:
    # when
    workbook = _workbook(files.sections_xlsx([]))
    # then
    assert len(workbook.worksheets) == 1
