"""FIX 4.4 NewOrderSingle (35=D) messages for a list of orders.

Pure: orders and session values in, bytes out; the caller supplies the times and sequence numbers.

Framing. Fields are ``tag=value`` separated by SOH (0x01), ASCII only. The header is
8=FIX.4.4, 9=BodyLength, 35=D, 49=SenderCompID, 56=TargetCompID, 34=MsgSeqNum, 52=SendingTime;
BodyLength counts the bytes from the one after the SOH that ends the 9= field up to and including
the SOH before 10=. The trailer 10=CheckSum is the sum of every byte before ``10=`` (the SOH that
precedes it included) mod 256, as three digits.

Body. 11=ClOrdID (the order's `client_order_id`, required), 55=Symbol, 167=SecurityType,
54=Side, 38=OrderQty (shares, or contracts for an option), 40=OrdType (1 market, 2 limit),
44=Price (limit orders only; per share, for an option the per-share premium), 59=TimeInForce
(0 day, 1 good till cancel), 60=TransactTime. Times are UTC ``YYYYMMDD-HH:MM:SS.sss``
(milliseconds, truncated); aware datetimes are required. Decimals are written in fixed point
without exponent or trailing zeros (``150.5``, ``100``).

Stocks: 167=CS and 55 the ticker. Side 1 buy for BUY and BUY_TO_COVER (FIX 4.4 has no cover side:
a buy that closes a short is a plain buy), 2 sell for SELL, 5 sell short for SELL_SHORT (a sale of
stock not owned, which brokers must mark for locate and short-sale rules).

Options: 167=OPT, 55 the underlying, the contract in 200=MaturityMonthYear (YYYYMM),
541=MaturityDate (YYYYMMDD), 202=StrikePrice, 201=PutOrCall (0 put, 1 call), and 77=OpenClose
(O open, C close). Side is 1 for BUY_TO_OPEN / BUY_TO_CLOSE and 2 for SELL_TO_OPEN /
SELL_TO_CLOSE: writing an option is a sell that opens a short position, which brokers expect as
side 2 with 77=O, not as side 5 (sell short is an equity notion).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sigmasight.instruments import occ
from sigmasight.instruments.trading import OrderType, TimeInForce, TradeAction
from sigmasight.reports.orders import Order, plain_decimal, validate_order, validate_orders

SOH = b"\x01"
BEGIN_STRING = "FIX.4.4"

_SIDE = {
    TradeAction.BUY: "1",
    TradeAction.BUY_TO_COVER: "1",
    TradeAction.BUY_TO_OPEN: "1",
    TradeAction.BUY_TO_CLOSE: "1",
    TradeAction.SELL: "2",
    TradeAction.SELL_TO_OPEN: "2",
    TradeAction.SELL_TO_CLOSE: "2",
    TradeAction.SELL_SHORT: "5",
}
_OPEN_CLOSE = {
    TradeAction.BUY_TO_OPEN: "O",
    TradeAction.SELL_TO_OPEN: "O",
    TradeAction.BUY_TO_CLOSE: "C",
    TradeAction.SELL_TO_CLOSE: "C",
}
_ORD_TYPE = {OrderType.MARKET: "1", OrderType.LIMIT: "2"}
_TIME_IN_FORCE = {TimeInForce.DAY: "0", TimeInForce.GTC: "1"}


def new_order_single(
    order: Order,
    *,
    sender_comp_id: str,
    target_comp_id: str,
    seq_num: int,
    sending_time: datetime,
    transact_time: datetime,
) -> bytes:
    """One NewOrderSingle message for a valid order (ValueError otherwise), SOH-delimited."""
    validate_order(order)
    if seq_num < 1:
        raise ValueError(f"MsgSeqNum starts at 1, got {seq_num}.")
    header = [
        (35, "D"),
        (49, _text(sender_comp_id, "SenderCompID")),
        (56, _text(target_comp_id, "TargetCompID")),
        (34, str(seq_num)),
        (52, utc_timestamp(sending_time)),
    ]
    body = _encode(header + _order_fields(order, transact_time))
    prefix = f"8={BEGIN_STRING}".encode("ascii") + SOH + f"9={len(body)}".encode("ascii") + SOH
    message = prefix + body
    return message + f"10={checksum(message):03d}".encode("ascii") + SOH


def new_order_singles(
    orders: Iterable[Order],
    *,
    sender_comp_id: str,
    target_comp_id: str,
    sending_time: datetime,
    transact_time: datetime,
    first_seq_num: int = 1,
) -> bytes:
    """NewOrderSingle messages for the orders, concatenated, MsgSeqNum counting up from the first.

    Every order needs a ClOrdID and no two may share one.
    """
    checked = validate_orders(orders)
    return b"".join(
        new_order_single(
            order,
            sender_comp_id=sender_comp_id,
            target_comp_id=target_comp_id,
            seq_num=first_seq_num + offset,
            sending_time=sending_time,
            transact_time=transact_time,
        )
        for offset, order in enumerate(checked)
    )


def checksum(data: bytes) -> int:
    """FIX CheckSum(10): the sum of the bytes mod 256."""
    return sum(data) % 256


def utc_timestamp(moment: datetime) -> str:
    """A FIX UTCTimestamp with milliseconds, ``YYYYMMDD-HH:MM:SS.sss``; naive times are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("FIX times are UTC: pass a timezone-aware datetime.")
    utc = moment.astimezone(UTC)
    return f"{utc:%Y%m%d-%H:%M:%S}.{utc.microsecond // 1000:03d}"


def _order_fields(order: Order, transact_time: datetime) -> list[tuple[int, str]]:
    fields: list[tuple[int, str]] = [(11, _text(order.client_order_id, "ClOrdID"))]
    if order.is_option:
        contract = order.option
        fields += [
            (55, contract.underlying),
            (167, "OPT"),
            (200, f"{contract.expiration:%Y%m}"),
            (541, f"{contract.expiration:%Y%m%d}"),
            (202, plain_decimal(contract.strike)),
            (201, "1" if contract.option_type is occ.OptionType.CALL else "0"),
        ]
    else:
        fields += [(55, occ.normalise_stock_symbol(order.symbol)), (167, "CS")]
    fields += [
        (54, _SIDE[order.action]),
        (38, plain_decimal(order.quantity)),
        (40, _ORD_TYPE[order.order_type]),
    ]
    if order.limit_price is not None:
        fields.append((44, plain_decimal(order.limit_price)))
    fields += [(59, _TIME_IN_FORCE[order.time_in_force]), (60, utc_timestamp(transact_time))]
    if order.action in _OPEN_CLOSE:
        fields.append((77, _OPEN_CLOSE[order.action]))
    return fields


def _encode(fields: list[tuple[int, str]]) -> bytes:
    return b"".join(f"{tag}={value}".encode("ascii") + SOH for tag, value in fields)


def _text(value: str, name: str) -> str:
    """A FIX string value: non-empty printable ASCII (no SOH, no control characters)."""
    if not value:
        raise ValueError(f"{name} is required.")
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"{name} must be printable ASCII, got {value!r}.")
    return value
