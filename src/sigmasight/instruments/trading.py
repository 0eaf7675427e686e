"""What a trade does and how it is ordered: the vocabulary modeling and exports share."""

from __future__ import annotations

from enum import StrEnum


class TradeAction(StrEnum):
    BUY = "BUY"  # stock: open or add to a long
    SELL = "SELL"  # stock: reduce a long
    SELL_SHORT = "SELL_SHORT"  # stock: open or add to a short
    BUY_TO_COVER = "BUY_TO_COVER"  # stock: reduce a short
    BUY_TO_OPEN = "BUY_TO_OPEN"  # option: open or add to a long
    SELL_TO_OPEN = "SELL_TO_OPEN"  # option: open or add to a short (write)
    BUY_TO_CLOSE = "BUY_TO_CLOSE"  # option: reduce a short
    SELL_TO_CLOSE = "SELL_TO_CLOSE"  # option: reduce a long

    @property
    def sign(self) -> int:
        """+1 when the trade adds shares or contracts, -1 when it takes them away."""
        buys = {self.BUY, self.BUY_TO_COVER, self.BUY_TO_OPEN, self.BUY_TO_CLOSE}
        return 1 if self in buys else -1

    @property
    def closes(self) -> bool:
        return self in (self.SELL, self.BUY_TO_COVER, self.BUY_TO_CLOSE, self.SELL_TO_CLOSE)

    @property
    def for_options(self) -> bool:
        return self.name.endswith(("_TO_OPEN", "_TO_CLOSE"))


class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"


class TimeInForce(StrEnum):
    DAY = "DAY"
    GTC = "GTC"


STOCK_ACTIONS = frozenset(
    {TradeAction.BUY, TradeAction.SELL, TradeAction.SELL_SHORT, TradeAction.BUY_TO_COVER}
)
OPTION_ACTIONS = frozenset(set(TradeAction) - STOCK_ACTIONS)
