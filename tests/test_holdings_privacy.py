"""No query tells one user which symbols another user holds."""

from __future__ import annotations

from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.marketdata import calendar
from sigmasight.marketdata.providers.synthetic import SyntheticProvider
from sigmasight.settings import Settings
from tests.conftest import SignedIn
from tests.helpers import add_position, create_portfolio
from tests.test_market_data import run_queued_jobs

LOOKUP = """
{
  held: security(symbol: "XOM") { symbol name }
  unknown: security(symbol: "NOPE") { symbol name }
  marketDataStatus(symbols: ["XOM", "NOPE"]) {
    symbol firstDate lastDate days source stale lastError lastAttemptAt
  }
}
"""


async def test_another_users_holding_looks_exactly_like_an_unknown_symbol(
    app: Starlette, settings: Settings, alice: SignedIn, bob: SignedIn
) -> None:
    # given alice holds XOM and its prices are stored
    portfolio_id = await create_portfolio(alice)
    await add_position(alice, portfolio_id, symbol="XOM")
    provider = SyntheticProvider(
        seed=42, today=lambda: calendar.last_completed_session(clock.now())
    )
    await run_queued_jobs(app, settings, [provider])
    # when
    hers = await alice.api.gql(LOOKUP)
    his = await bob.api.gql(LOOKUP)
    # then alice sees her holding, and bob cannot tell XOM from a symbol nobody knows
    assert hers["held"]["name"] == "Exxon Mobil Corporation"
    assert hers["marketDataStatus"][1]["days"] == 90
    assert his["held"] is None and his["unknown"] is None
    nope, xom = his["marketDataStatus"]
    assert (nope["symbol"], xom["symbol"]) == ("NOPE", "XOM")
    assert {**xom, "symbol": "NOPE"} == nope


async def test_factor_etfs_are_open_to_everyone(
    app: Starlette, settings: Settings, alice: SignedIn, bob: SignedIn
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await add_position(alice, portfolio_id, symbol="SPY")
    provider = SyntheticProvider(
        seed=42, today=lambda: calendar.last_completed_session(clock.now())
    )
    await run_queued_jobs(app, settings, [provider])
    # when
    status = await bob.api.gql('{ marketDataStatus(symbols: ["SPY"]) { days } }')
    # then
    assert status["marketDataStatus"][0]["days"] == 90
