"""FIX 4.4 NewOrderSingle encoding, read back by an independent parser (simplefix) and by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import simplefix

from sigmasight.instruments.trading import OrderType, TimeInForce, TradeAction
from sigmasight.reports import fix
from sigmasight.reports.orders import Order

SOH = b"\x01"
SENT = datetime(2026, 1, 5, 14, 30, 1, 234567, tzinfo=UTC)
TRANSACTED = datetime(2026, 1, 5, 14, 30, 0, 999000, tzinfo=UTC)

STOCK_LIMIT_BUY = Order(
    action=TradeAction.BUY,
    symbol="AAPL",
    quantity=Decimal("100"),
    order_type=OrderType.LIMIT,
    limit_price=Decimal("150.50"),
    client_order_id="ord-1",
)
SHORT_SALE = Order(
    action=TradeAction.SELL_SHORT,
    symbol="TSLA",
    quantity=Decimal("25"),
    time_in_force=TimeInForce.GTC,
    client_order_id="ord-2",
)
OPTION_BUY_TO_OPEN = Order(
    action=TradeAction.BUY_TO_OPEN,
    symbol="AAPL260116C00150000",
    quantity=Decimal("3"),
    order_type=OrderType.LIMIT,
    limit_price=Decimal("4.25"),
    client_order_id="ord-3",
)
OPTION_SELL_TO_CLOSE = Order(
    action=TradeAction.SELL_TO_CLOSE,
    symbol="SPY   251219P00450500",
    quantity=Decimal("2"),
    client_order_id="ord-4",
)
ALL_ORDERS = [STOCK_LIMIT_BUY, SHORT_SALE, OPTION_BUY_TO_OPEN, OPTION_SELL_TO_CLOSE]


def _encode(order: Order, seq_num: int = 7) -> bytes:
    return fix.new_order_single(
        order,
        sender_comp_id="SIGMASIGHT",
        target_comp_id="BROKER",
        seq_num=seq_num,
        sending_time=SENT,
        transact_time=TRANSACTED,
    )


def _parse_all(raw: bytes) -> list[simplefix.FixMessage]:
    parser = simplefix.FixParser()
    parser.append_buffer(raw)
    messages = []
    while (message := parser.get_message()) is not None:
        messages.append(message)
    return messages


def _parse(raw: bytes) -> simplefix.FixMessage:
    messages = _parse_all(raw)
    assert len(messages) == 1
    return messages[0]


def _tags(message: simplefix.FixMessage) -> dict[int, str]:
    tags: dict[int, str] = {}
    for tag, value in message.pairs:
        assert int(tag) not in tags, f"tag {int(tag)} repeated"
        tags[int(tag)] = value.decode("ascii")
    return tags


@pytest.mark.parametrize("order", ALL_ORDERS, ids=lambda order: order.action.value)
def test_body_length_and_checksum_match_a_count_by_hand(order: Order) -> None:
    # given
    raw = _encode(order)
    # when
    trailer_at = raw.rindex(SOH + b"10=") + 1  # the first byte of "10="
    length_at = raw.index(SOH + b"9=") + 3  # the first byte of the 9= value
    body_starts = raw.index(SOH, length_at) + 1  # just after the SOH ending the 9= field
    length_field = raw[length_at : body_starts - 1]
    checksum_field = raw[trailer_at + 3 : -1]
    # then
    assert int(length_field) == trailer_at - body_starts
    assert checksum_field == f"{sum(raw[:trailer_at]) % 256:03d}".encode()
    assert raw.endswith(SOH) and len(checksum_field) == 3


@pytest.mark.parametrize("order", ALL_ORDERS, ids=lambda order: order.action.value)
def test_the_header_opens_with_begin_string_body_length_and_msg_type_and_the_checksum_closes(
    order: Order,
) -> None:
    # when
    tags_in_order = [int(field.split(b"=")[0]) for field in _encode(order).split(SOH)[:-1]]
    # then
    assert tags_in_order[:3] == [8, 9, 35]
    assert tags_in_order[-1] == 10
    assert tags_in_order.count(10) == 1


def test_a_stock_limit_buy_is_side_1_limit_with_its_price() -> None:
    # when
    tags = _tags(_parse(_encode(STOCK_LIMIT_BUY, seq_num=7)))
    # then
    assert tags == {
        8: "FIX.4.4",
        9: tags[9],  # checked by hand above
        35: "D",
        49: "SIGMASIGHT",
        56: "BROKER",
        34: "7",
        52: "20260105-14:30:01.234",
        11: "ord-1",
        55: "AAPL",
        167: "CS",
        54: "1",
        38: "100",
        40: "2",
        44: "150.5",
        59: "0",
        60: "20260105-14:30:00.999",
        10: tags[10],
    }


def test_a_short_sale_at_market_is_side_5_with_no_price() -> None:
    # when
    tags = _tags(_parse(_encode(SHORT_SALE)))
    # then
    assert (tags[55], tags[167], tags[54], tags[38], tags[40], tags[59]) == (
        "TSLA",
        "CS",
        "5",
        "25",
        "1",
        "1",
    )
    assert 44 not in tags
    assert 77 not in tags


def test_a_buy_to_open_names_the_underlying_and_the_contract_and_opens() -> None:
    # when
    tags = _tags(_parse(_encode(OPTION_BUY_TO_OPEN)))
    # then
    assert {tag: tags[tag] for tag in (55, 167, 200, 541, 202, 201, 54, 38, 40, 44, 77)} == {
        55: "AAPL",
        167: "OPT",
        200: "202601",
        541: "20260116",
        202: "150",
        201: "1",
        54: "1",
        38: "3",
        40: "2",
        44: "4.25",
        77: "O",
    }


def test_a_sell_to_close_of_a_put_at_market_is_side_2_closing_without_price() -> None:
    # when
    tags = _tags(_parse(_encode(OPTION_SELL_TO_CLOSE)))
    # then
    assert {tag: tags[tag] for tag in (55, 167, 200, 541, 202, 201, 54, 38, 40, 77)} == {
        55: "SPY",
        167: "OPT",
        200: "202512",
        541: "20251219",
        202: "450.5",
        201: "0",
        54: "2",
        38: "2",
        40: "1",
        77: "C",
    }
    assert 44 not in tags


@pytest.mark.parametrize(
    ("action", "side", "open_close"),
    [
        (TradeAction.SELL_TO_OPEN, "2", "O"),  # writing: a sell that opens, not a short sale
        (TradeAction.BUY_TO_CLOSE, "1", "C"),
    ],
)
def test_writing_and_buying_back_an_option_are_plain_sides_with_open_close(
    action: TradeAction, side: str, open_close: str
) -> None:
    # given
    order = Order(
        action=action, symbol="F260116C00012500", quantity=Decimal("1"), client_order_id="x"
    )
    # when
    tags = _tags(_parse(_encode(order)))
    # then
    assert (tags[54], tags[77], tags[202]) == (side, open_close, "12.5")


@pytest.mark.parametrize(
    ("action", "side"),
    [(TradeAction.BUY, "1"), (TradeAction.SELL, "2"), (TradeAction.BUY_TO_COVER, "1")],
)
def test_stock_buys_and_sells_map_to_fix_sides(action: TradeAction, side: str) -> None:
    # given
    order = Order(action=action, symbol="msft", quantity=Decimal("10.0"), client_order_id="x")
    # when
    tags = _tags(_parse(_encode(order)))
    # then
    assert (tags[54], tags[55], tags[38]) == (side, "MSFT", "10")


def test_times_are_written_in_utc_with_milliseconds() -> None:
    # given
    new_york = timezone(timedelta(hours=-5))
    # when
    raw = fix.new_order_single(
        STOCK_LIMIT_BUY,
        sender_comp_id="S",
        target_comp_id="T",
        seq_num=1,
        sending_time=datetime(2026, 1, 5, 9, 30, 0, 5000, tzinfo=new_york),
        transact_time=datetime(2026, 1, 5, 23, 59, 59, 999999, tzinfo=new_york),
    )
    tags = _tags(_parse(raw))
    # then
    assert (tags[52], tags[60]) == ("20260105-14:30:00.005", "20260106-04:59:59.999")


def test_several_orders_parse_as_several_messages_with_increasing_sequence_numbers() -> None:
    # when
    raw = fix.new_order_singles(
        ALL_ORDERS,
        sender_comp_id="SIGMASIGHT",
        target_comp_id="BROKER",
        sending_time=SENT,
        transact_time=TRANSACTED,
        first_seq_num=41,
    )
    messages = _parse_all(raw)
    # then
    assert [m.get(34) for m in messages] == [b"41", b"42", b"43", b"44"]
    assert [m.get(11) for m in messages] == [b"ord-1", b"ord-2", b"ord-3", b"ord-4"]
    assert [m.get(35) for m in messages] == [b"D"] * 4
    assert raw == b"".join(_encode(order, seq_num=41 + i) for i, order in enumerate(ALL_ORDERS))


def test_no_orders_make_no_messages() -> None:
    # when
    raw = fix.new_order_singles(
        [], sender_comp_id="S", target_comp_id="T", sending_time=SENT, transact_time=SENT
    )
    # then
    assert raw == b""


def test_an_order_without_a_client_order_id_is_refused() -> None:
    # given
    order = Order(action=TradeAction.BUY, symbol="AAPL", quantity=Decimal("1"))
    # when / then
    with pytest.raises(ValueError, match="ClOrdID"):
        _encode(order)


def test_two_orders_with_one_client_order_id_are_refused() -> None:
    # given
    twin = Order(
        action=TradeAction.SELL, symbol="MSFT", quantity=Decimal("1"), client_order_id="ord-1"
    )
    # when / then
    with pytest.raises(ValueError, match="used twice"):
        fix.new_order_singles(
            [STOCK_LIMIT_BUY, twin],
            sender_comp_id="S",
            target_comp_id="T",
            sending_time=SENT,
            transact_time=SENT,
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("sender_comp_id", "A\x01B"), ("target_comp_id", ""), ("sender_comp_id", "Zürich")],
)
def test_comp_ids_must_be_printable_ascii(field: str, value: str) -> None:
    # given
    comp_ids = {"sender_comp_id": "S", "target_comp_id": "T", field: value}
    # when / then
    with pytest.raises(ValueError):
        fix.new_order_single(
            STOCK_LIMIT_BUY, **comp_ids, seq_num=1, sending_time=SENT, transact_time=SENT
        )


def test_naive_times_are_refused() -> None:
    # when / then
    with pytest.raises(ValueError, match="timezone-aware"):
        fix.new_order_single(
            STOCK_LIMIT_BUY,
            sender_comp_id="S",
            target_comp_id="T",
            seq_num=1,
            sending_time=datetime(2026, 1, 5, 14, 30),
            transact_time=SENT,
        )


def test_an_invalid_order_is_refused_before_encoding() -> None:
    # given
    order = Order(
        action=TradeAction.SELL_SHORT,
        symbol="AAPL260116C00150000",
        quantity=Decimal("1"),
        client_order_id="x",
    )
    # when / then
    with pytest.raises(ValueError, match="stock action"):
        _encode(order)
