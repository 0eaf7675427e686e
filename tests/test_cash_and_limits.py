"""A portfolio's cash (by mutation and by a CASH row in an import) and its risk limits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SignedIn
from tests.helpers import create_portfolio, days_ago

UPDATE_CASH = """
mutation UpdateCash($id: ID!, $cash: Float) {
  updatePortfolio(input: {id: $id, cash: $cash}) {
    __typename
    ... on UpdatePortfolioSuccess { portfolio { id cash } }
    ... on UserError { field code message }
  }
}
"""

SET_RISK_LIMITS = """
mutation SetRiskLimits($input: SetRiskLimitsInput!) {
  setRiskLimits(input: $input) {
    __typename
    ... on SetRiskLimitsSuccess {
      portfolio { id riskLimits { grossLimitPercent netTargetMinPercent netTargetMaxPercent } }
    }
    ... on UserError { field code message }
  }
}
"""

CASH_AND_LIMITS = """
query CashAndLimits($id: ID!) {
  portfolio(id: $id) {
    cash
    riskLimits { grossLimitPercent netTargetMinPercent netTargetMaxPercent }
    positions(first: 50) { totalCount }
  }
}
"""

IMPORT_WITH_CASH = """
mutation Import($input: ImportPositionsInput!) {
  importPositions(input: $input) {
    __typename
    ... on ImportPositionsSuccess {
      report { mode applied rows created skipped cash errors { row column code } }
      portfolio { cash }
    }
    ... on ImportRejectedError { code rowErrors { row column code message } report { cash } }
    ... on UserError { field code message }
  }
}
"""

HEADER = "ticker,quantity,entry_price,entry_date,tags\n"
D = days_ago(20)
STOCKS = f"AAPL,100,190.5,{D},Tech\nMSFT,-50,410,{D},Tech\n"
NO_LIMITS = {"grossLimitPercent": None, "netTargetMinPercent": None, "netTargetMaxPercent": None}


async def _read(user: SignedIn, portfolio_id: str) -> dict[str, Any]:
    data: dict[str, Any] = (await user.api.gql(CASH_AND_LIMITS, {"id": portfolio_id}))["portfolio"]
    return data


async def _set_limits(user: SignedIn, portfolio_id: str, **limits: Any) -> dict[str, Any]:
    variables = {"input": {"portfolioId": portfolio_id, **limits}}
    result: dict[str, Any] = (await user.api.gql(SET_RISK_LIMITS, variables))["setRiskLimits"]
    return result


async def _import(user: SignedIn, portfolio_id: str, csv: str, **options: Any) -> dict[str, Any]:
    variables = {"input": {"portfolioId": portfolio_id, "csv": csv, **options}}
    result: dict[str, Any] = (await user.api.gql(IMPORT_WITH_CASH, variables))["importPositions"]
    return result


async def test_a_new_portfolio_has_no_cash_and_no_limits(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    portfolio = await _read(alice, portfolio_id)
    # then
    assert portfolio["cash"] == 0
    assert portfolio["riskLimits"] == NO_LIMITS


@pytest.mark.parametrize("cash", [250_000.55, -12_500.0, 0.0])
async def test_update_portfolio_sets_cash_including_a_margin_debit(
    alice: SignedIn, cash: float
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    result = (await alice.api.gql(UPDATE_CASH, {"id": portfolio_id, "cash": cash}))[
        "updatePortfolio"
    ]
    # then
    assert result["__typename"] == "UpdatePortfolioSuccess", result
    assert result["portfolio"]["cash"] == cash
    assert (await _read(alice, portfolio_id))["cash"] == cash


async def test_updating_the_name_leaves_cash_as_it_is(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await alice.api.gql(UPDATE_CASH, {"id": portfolio_id, "cash": 1000})
    # when
    await alice.api.gql(UPDATE_CASH, {"id": portfolio_id, "cash": None})
    # then
    assert (await _read(alice, portfolio_id))["cash"] == 1000


@pytest.mark.parametrize(
    ("cash", "code"),
    [
        (10.005, "TOO_MANY_DECIMALS"),
        (1e13, "OUT_OF_RANGE"),
        (-2e13, "OUT_OF_RANGE"),
    ],
)
async def test_bad_cash_is_refused_with_a_typed_error(
    alice: SignedIn, cash: float, code: str
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await alice.api.gql(UPDATE_CASH, {"id": portfolio_id, "cash": 500})
    # when
    result = (await alice.api.gql(UPDATE_CASH, {"id": portfolio_id, "cash": cash}))[
        "updatePortfolio"
    ]
    # then
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        "cash",
        code,
    )
    assert (await _read(alice, portfolio_id))["cash"] == 500


async def test_cash_of_another_users_portfolio_is_not_found(alice: SignedIn, bob: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    result = (await bob.api.gql(UPDATE_CASH, {"id": portfolio_id, "cash": 1}))["updatePortfolio"]
    # then
    assert result["__typename"] == "NotFoundError"
    assert (await _read(alice, portfolio_id))["cash"] == 0


async def test_set_risk_limits_sets_a_gross_limit_and_a_net_range(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    limits = {"grossLimitPercent": 200, "netTargetMinPercent": -10.5, "netTargetMaxPercent": 30}
    # when
    result = await _set_limits(alice, portfolio_id, **limits)
    # then
    assert result["__typename"] == "SetRiskLimitsSuccess", result
    assert result["portfolio"]["riskLimits"] == limits
    assert (await _read(alice, portfolio_id))["riskLimits"] == limits


async def test_set_risk_limits_with_nulls_clears_them(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await _set_limits(
        alice, portfolio_id, grossLimitPercent=150, netTargetMinPercent=0, netTargetMaxPercent=20
    )
    # when
    result = await _set_limits(alice, portfolio_id)
    # then
    assert result["portfolio"]["riskLimits"] == NO_LIMITS
    assert (await _read(alice, portfolio_id))["riskLimits"] == NO_LIMITS


async def test_a_gross_limit_alone_is_allowed(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    result = await _set_limits(alice, portfolio_id, grossLimitPercent=10_000)
    # then
    assert result["portfolio"]["riskLimits"] == {**NO_LIMITS, "grossLimitPercent": 10_000}


BAD_LIMITS: list[tuple[str, dict[str, Any], str, str]] = [
    ("negative gross", {"grossLimitPercent": -50}, "grossLimitPercent", "OUT_OF_RANGE"),
    ("zero gross", {"grossLimitPercent": 0}, "grossLimitPercent", "OUT_OF_RANGE"),
    ("gross over 10,000%", {"grossLimitPercent": 10_000.01}, "grossLimitPercent", "OUT_OF_RANGE"),
    (
        "gross in thousandths",
        {"grossLimitPercent": 150.125},
        "grossLimitPercent",
        "TOO_MANY_DECIMALS",
    ),
    (
        "min above max",
        {"netTargetMinPercent": 40, "netTargetMaxPercent": 10},
        "netTargetMinPercent",
        "MIN_ABOVE_MAX",
    ),
    ("min without max", {"netTargetMinPercent": 10}, "netTargetMaxPercent", "INCOMPLETE_RANGE"),
    ("max without min", {"netTargetMaxPercent": 10}, "netTargetMinPercent", "INCOMPLETE_RANGE"),
    (
        "net below -1000%",
        {"netTargetMinPercent": -1000.5, "netTargetMaxPercent": 0},
        "netTargetMinPercent",
        "OUT_OF_RANGE",
    ),
    (
        "net above 1000%",
        {"netTargetMinPercent": 0, "netTargetMaxPercent": 1001},
        "netTargetMaxPercent",
        "OUT_OF_RANGE",
    ),
]


@pytest.mark.parametrize(
    ("limits", "field", "code"), [c[1:] for c in BAD_LIMITS], ids=[c[0] for c in BAD_LIMITS]
)
async def test_bad_risk_limits_are_refused_and_change_nothing(
    alice: SignedIn, limits: dict[str, Any], field: str, code: str
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    before = {"grossLimitPercent": 300, "netTargetMinPercent": -5, "netTargetMaxPercent": 5}
    await _set_limits(alice, portfolio_id, **before)
    # when
    result = await _set_limits(alice, portfolio_id, **limits)
    # then
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        field,
        code,
    )
    assert (await _read(alice, portfolio_id))["riskLimits"] == before


async def test_risk_limits_of_another_users_portfolio_are_not_found(
    alice: SignedIn, bob: SignedIn
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    result = await _set_limits(bob, portfolio_id, grossLimitPercent=100)
    # then
    assert (result["__typename"], result["field"]) == ("NotFoundError", "portfolioId")
    assert (await _read(alice, portfolio_id))["riskLimits"] == NO_LIMITS


async def test_a_cash_row_in_an_append_import_sets_cash(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    csv = HEADER + STOCKS + 'cash,"$125,000.50",,,\n'
    # when
    result = await _import(alice, portfolio_id, csv)
    # then
    report = result["report"]
    assert (report["applied"], report["rows"], report["created"], report["skipped"]) == (
        True,
        3,
        2,
        0,
    )
    assert report["cash"] == 125_000.50
    assert result["portfolio"]["cash"] == 125_000.50
    portfolio = await _read(alice, portfolio_id)
    assert (portfolio["cash"], portfolio["positions"]["totalCount"]) == (125_000.50, 2)


async def test_a_cash_row_in_a_replace_import_sets_a_margin_debit(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await _import(alice, portfolio_id, HEADER + STOCKS + "CASH,90000,,,\n")
    # when
    result = await _import(alice, portfolio_id, HEADER + "CASH,(5000),,,Ignored\n", mode="REPLACE")
    # then
    assert result["report"]["cash"] == -5000
    portfolio = await _read(alice, portfolio_id)
    assert (portfolio["cash"], portfolio["positions"]["totalCount"]) == (-5000, 0)


async def test_a_cash_row_with_a_price_and_date_is_the_stock_cash(alice: SignedIn) -> None:
    # given: Pathward Financial trades as CASH
    portfolio_id = await create_portfolio(alice)
    # when
    result = await _import(alice, portfolio_id, HEADER + f"CASH,500,45.20,{days_ago(30)},\n")
    # then
    assert result["report"]["cash"] is None
    portfolio = await _read(alice, portfolio_id)
    assert (portfolio["cash"], portfolio["positions"]["totalCount"]) == (0, 1)


async def test_a_validate_import_reports_the_cash_but_writes_nothing(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await alice.api.gql(UPDATE_CASH, {"id": portfolio_id, "cash": 777})
    # when
    result = await _import(alice, portfolio_id, HEADER + STOCKS + "CASH,5000,,,\n", mode="VALIDATE")
    # then
    assert (result["report"]["applied"], result["report"]["cash"]) == (False, 5000)
    portfolio = await _read(alice, portfolio_id)
    assert (portfolio["cash"], portfolio["positions"]["totalCount"]) == (777, 0)


async def test_an_import_without_a_cash_row_leaves_cash_as_it_is(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await alice.api.gql(UPDATE_CASH, {"id": portfolio_id, "cash": 777})
    # when
    result = await _import(alice, portfolio_id, HEADER + STOCKS, mode="REPLACE")
    # then
    assert result["report"]["cash"] is None
    assert (await _read(alice, portfolio_id))["cash"] == 777


async def test_two_cash_rows_are_refused_and_nothing_is_written(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    csv = HEADER + "CASH,1000,,,\n" + STOCKS + "Cash,2000,,,\n"
    # when
    result = await _import(alice, portfolio_id, csv)
    # then
    assert result["__typename"] == "ImportRejectedError"
    assert [(e["row"], e["column"], e["code"]) for e in result["rowErrors"]] == [
        (5, "ticker", "DUPLICATE_ROW")
    ]
    assert "row 2" in result["rowErrors"][0]["message"]
    portfolio = await _read(alice, portfolio_id)
    assert (portfolio["cash"], portfolio["positions"]["totalCount"]) == (0, 0)


@pytest.mark.parametrize(
    ("amount", "code"),
    [("", "REQUIRED"), ("lots", "NOT_A_NUMBER"), ("10.001", "TOO_MANY_DECIMALS")],
)
async def test_a_bad_cash_amount_is_a_row_error(alice: SignedIn, amount: str, code: str) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    result = await _import(alice, portfolio_id, HEADER + STOCKS + f"CASH,{amount},,,\n")
    # then
    assert [(e["row"], e["column"], e["code"]) for e in result["rowErrors"]] == [
        (4, "quantity", code)
    ]
    assert result["report"]["cash"] is None


async def test_skipping_a_bad_row_still_sets_cash_and_counts_only_the_bad_row(
    alice: SignedIn,
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    csv = HEADER + STOCKS + f"NVDA,0,100,{D},\n" + "CASH,42000,,,\n"
    # when
    result = await _import(alice, portfolio_id, csv, skipInvalidRows=True)
    # then
    report = result["report"]
    assert (report["created"], report["skipped"], report["cash"]) == (2, 1, 42000)
    assert (await _read(alice, portfolio_id))["cash"] == 42000
