"""Money at the API boundary: every amount of US dollars is served rounded to cents.

The rule: values, costs, P&L, exposures in dollars, cash, equity, VaR and CVaR, scenario P&L,
dollar delta and dollar gamma are amounts of money and are rounded to cents. Prices per share
(entry, exit, last close, strike, underlying price), quantities, Greeks (delta, gamma, theta,
vega, rho), percentages and ratios keep full precision: a provider's price may have sub-cent
digits, and a Greek is a rate, not an amount. Computation runs at full precision; only the
served number is rounded, so a sum of rounded fields may differ from a rounded total by cents.

One mechanism for every money field, declared with `money_field` instead of `strawberry.field`
(as an attribute or as a resolver decorator): the field's own result lookup rounds what it
returns. That costs one `round` per value and no extra resolver or extension layer, which
matters on a dashboard that serves thousands of such fields.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

CENTS = 2
MONEY_NOTE = "In USD, rounded to cents."


def to_cents(value: Any) -> Any:
    """A dollar amount (or a list of them, nested) rounded to cents; None stays None.

    `round` is correctly rounded and Python prints the shortest repr, so -14775.640000000001
    is served as -14775.64; adding 0.0 turns a rounded -0.0 into 0.0.
    """
    if value is None:
        return None
    if isinstance(value, list):
        return [to_cents(item) for item in value]
    return round(float(value), CENTS) + 0.0


async def _awaited_in_cents(result: Awaitable[Any]) -> Any:
    return to_cents(await result)


class MoneyField(StrawberryField):
    """A field whose value, however it is resolved, is served rounded to cents."""

    def get_result(
        self, source: Any, info: Info | None, args: list[Any], kwargs: Any
    ) -> Awaitable[Any] | Any:
        result = super().get_result(source, info, args, kwargs)
        if self.is_async:
            return _awaited_in_cents(result)
        return to_cents(result)


def money_field(*, description: str) -> Any:
    """Declare a dollar-valued field (or decorate its resolver); the description gains the
    unit note."""
    return MoneyField(description=f"{description} {MONEY_NOTE}")
