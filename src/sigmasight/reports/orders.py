"""The order model the trade exports share, and the rules an order must keep.

Pure: no database, no clock. A quantity is shares for a stock and contracts for an option; a limit
price is per share (for an option, the per-share premium, not x 100). The symbol is a stock ticker
or an OCC option symbol (``AAPL260116C00150000``, compact or padded OSI form); which one it is
decides which actions are allowed: BUY / SELL / SELL_SHORT / BUY_TO_COVER for stocks,
BUY_TO_OPEN / SELL_TO_OPEN / BUY_TO_CLOSE / SELL_TO_CLOSE for options.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sigmasight.instruments import occ
from sigmasight.instruments.trading import (
    OPTION_ACTIONS,
    STOCK_ACTIONS,
    OrderType,
    TimeInForce,
    TradeAction,
)


@dataclass(frozen=True, slots=True)
class Order:
    """One order ticket; check it with `validate_order` before rendering it."""

    action: TradeAction
    symbol: str  # stock ticker or OCC option symbol (e.g. AAPL260116C00150000)
    quantity: Decimal  # > 0: shares, or contracts for options
    order_type: OrderType = OrderType.MARKET
    limit_price: Decimal | None = None  # per share (per-share premium for options); LIMIT only
    time_in_force: TimeInForce = TimeInForce.DAY
    client_order_id: str = ""  # filled by the caller (unique per export)

    @property
    def is_option(self) -> bool:
        """True when the symbol has the shape of an OCC option symbol."""
        return occ.looks_like_option(self.symbol)

    @property
    def option(self) -> occ.OptionContract:
        """The parsed OCC contract; raises `SymbolError` (a ValueError) for a stock symbol."""
        return occ.parse_option(self.symbol)


def validate_order(order: Order) -> None:
    """Raise ValueError (a `SymbolError` for a bad symbol) when the order breaks a rule.

    Rules: quantity finite and > 0, and a whole number of contracts for an option; a LIMIT order
    has a finite positive limit price and a MARKET order none; option actions only on an OCC
    symbol that parses, stock actions only on a valid ticker.
    """
    if not order.quantity.is_finite() or order.quantity <= 0:
        raise ValueError(f"Quantity must be greater than zero, got {order.quantity}.")
    if order.order_type is OrderType.LIMIT:
        if order.limit_price is None:
            raise ValueError("A LIMIT order needs a limit price.")
        if not order.limit_price.is_finite() or order.limit_price <= 0:
            raise ValueError(f"Limit price must be greater than zero, got {order.limit_price}.")
    elif order.limit_price is not None:
        raise ValueError("A MARKET order takes no limit price.")
    if order.is_option:
        if order.action not in OPTION_ACTIONS:
            raise ValueError(
                f"{order.action} is a stock action; '{order.symbol}' is an option "
                "(use BUY_TO_OPEN, SELL_TO_OPEN, BUY_TO_CLOSE or SELL_TO_CLOSE)."
            )
        occ.parse_option(order.symbol)  # a bad date or strike raises here
        if order.quantity != order.quantity.to_integral_value():
            raise ValueError(f"Options trade in whole contracts, got {order.quantity}.")
    else:
        if order.action not in STOCK_ACTIONS:
            raise ValueError(
                f"{order.action} is an option action; '{order.symbol}' is a stock "
                "(use BUY, SELL, SELL_SHORT or BUY_TO_COVER)."
            )
        occ.normalise_stock_symbol(order.symbol)


def validate_orders(orders: Iterable[Order]) -> list[Order]:
    """Validate every order and that non-empty client order ids are unique; the orders as a list."""
    checked = list(orders)
    seen: set[str] = set()
    for order in checked:
        validate_order(order)
        if order.client_order_id:
            if order.client_order_id in seen:
                raise ValueError(f"Client order id '{order.client_order_id}' is used twice.")
            seen.add(order.client_order_id)
    return checked


def plain_decimal(value: Decimal) -> str:
    """A decimal in fixed-point notation without exponent or trailing zeros: 150.50 -> '150.5'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text
