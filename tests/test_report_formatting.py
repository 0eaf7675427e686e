"""How reports print the API's numbers: nothing added, nothing left dangling."""

from __future__ import annotations

import pytest

from sigmasight.reports import formatting as fmt


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (1200, "1,200"),
        (2.5, "2.5"),
        (-0.125, "-0.125"),
        (2.00001, "2"),
        (-3.00004, "-3"),
        (None, "—"),
    ],
)
def test_a_quantity_prints_without_trailing_zeros_or_a_bare_point(
    value: float | None, printed: str
) -> None:
    # when / then
    assert fmt.whole(value) == printed


def test_money_prints_cents_with_thousands_separators() -> None:
    # when / then
    assert fmt.money(-1234567.8) == "-1,234,567.80"
    assert fmt.money(None) == fmt.MISSING
