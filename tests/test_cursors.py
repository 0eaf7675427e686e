"""Any cursor a client can send is either one of ours or a typed INVALID_CURSOR error."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import SignedIn
from tests.helpers import add_position, create_portfolio


def _cursor(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode()


FORGED_CURSORS = {
    "5000 levels of nested lists": _cursor("[" * 5000 + "]" * 5000),
    "not base64": "%%%not a cursor%%%",
    "not JSON": _cursor(b"\xff\xfe{"),
    "a megabyte long": "A" * 1_000_000,
    "a NUL in the symbol": _cursor(json.dumps(["\u0000", "00000000-0000-0000-0000-000000000000"])),
    "a number for the id": _cursor(json.dumps(["AAPL", 1e308])),
    "a nested list for the id": _cursor(json.dumps(["AAPL", [[[["x"]]]]])),
}

POSITIONS_AFTER = """
query($id: ID!, $c: String) { portfolio(id: $id) { positions(first: 5, after: $c) { totalCount } } }
"""
PORTFOLIOS_BEFORE = "query($c: String) { portfolios(last: 5, before: $c) { totalCount } }"


@pytest.mark.parametrize("cursor", FORGED_CURSORS.values(), ids=FORGED_CURSORS.keys())
async def test_a_forged_cursor_is_an_invalid_cursor_error(alice: SignedIn, cursor: str) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await add_position(alice, portfolio_id)
    # when
    positions = await alice.api.raw(POSITIONS_AFTER, {"id": portfolio_id, "c": cursor})
    portfolios = await alice.api.raw(PORTFOLIOS_BEFORE, {"c": cursor})
    # then
    for body in (positions, portfolios):
        [error] = body["errors"]
        assert error["extensions"]["code"] == "INVALID_CURSOR", error
