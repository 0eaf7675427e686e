"""Backfill, price serving and data-quality flags, against the real database and Redis."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from sigmasight import clock
from sigmasight.batch.models import BatchJob, JobStatus
from sigmasight.db import create_session_factory
from sigmasight.marketdata import calendar
from sigmasight.marketdata import service as market_data
from sigmasight.marketdata.models import DailyBar
from sigmasight.marketdata.providers.base import (
    Bar,
    OptionQuote,
    ProviderUnavailable,
    SecurityProfile,
)
from sigmasight.marketdata.providers.synthetic import SyntheticProvider
from sigmasight.settings import Settings
from tests.conftest import Api, SignedIn
from tests.helpers import add_position, create_portfolio, occ_symbol
from workers.jobs import backfill_market_data

POSITION_MARKET = """query($id: ID!) { position(id: $id) {
  symbol lastPrice marketValue unrealizedPnl unrealizedPnlPercent sector industry
  dataQuality { missingPrice stale source asOf lastError }
  priceHistory { date close source } } }"""


class OutageProvider:
    """A provider whose service is down: every call times out."""

    name = "polygon"

    async def daily_bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        raise ProviderUnavailable(self.name, "timed out after 10 s")

    async def latest_close(self, symbol: str) -> Bar:
        raise ProviderUnavailable(self.name, "timed out after 10 s")

    async def profile(self, symbol: str) -> SecurityProfile:
        raise ProviderUnavailable(self.name, "timed out after 10 s")

    async def option_quote(self, occ_symbol: str, day: date) -> OptionQuote:
        raise ProviderUnavailable(self.name, "timed out after 10 s")


def job_context(app: Starlette, settings: Settings, providers: list[Any]) -> dict[str, Any]:
    return {
        "session_factory": create_session_factory(app.state.engine),
        "settings": settings,
        "redis": app.state.redis,
        "providers": providers,
    }


async def run_queued_jobs(
    app: Starlette, settings: Settings, providers: list[Any]
) -> list[BatchJob]:
    """Run every queued backfill the way the worker would."""
    async with create_session_factory(app.state.engine)() as session:
        queued = list(
            await session.scalars(select(BatchJob).where(BatchJob.status == JobStatus.QUEUED))
        )
    for job in queued:
        await backfill_market_data(job_context(app, settings, providers), str(job.id))
    async with create_session_factory(app.state.engine)() as session:
        return list(await session.scalars(select(BatchJob).order_by(BatchJob.created_at)))


async def _bar_count(app: Starlette) -> int:
    async with app.state.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(DailyBar)) or 0)


@pytest.fixture
def synthetic() -> SyntheticProvider:
    return SyntheticProvider(seed=42, today=lambda: calendar.last_completed_session(clock.now()))


async def test_adding_a_position_queues_a_backfill_that_stores_90_trading_days(
    app: Starlette, settings: Settings, alice: SignedIn, synthetic: SyntheticProvider
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    added = await alice.api.gql(
        'mutation($p: ID!) { addPosition(input: {portfolioId: $p, symbol: "JPM", quantity: 10, '
        'entryPrice: 100, entryDate: "2026-01-05"}) { ... on AddPositionSuccess { backfillJob { status } } } }',
        {"p": portfolio_id},
    )
    assert added["addPosition"]["backfillJob"]["status"] == "QUEUED"
    await add_position(alice, portfolio_id, symbol="XOM")
    # when
    jobs = await run_queued_jobs(app, settings, [synthetic])
    # then
    assert {j.status for j in jobs} == {JobStatus.SUCCEEDED}
    async with create_session_factory(app.state.engine)() as session:
        days = await session.scalar(select(func.count()).where(DailyBar.symbol == "JPM"))
        etfs = set(await session.scalars(select(DailyBar.symbol).distinct()))
    assert days == 90
    assert {"SPY", "MTUM", "VTV", "VUG", "QUAL", "IWM", "USMV", "TLT", "JPM", "XOM"} <= etfs


async def test_position_market_fields_resolve_from_stored_prices(
    app: Starlette, settings: Settings, alice: SignedIn, synthetic: SyntheticProvider
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    stock = (await add_position(alice, portfolio_id, symbol="JPM", quantity=-100, entryPrice=250))[
        "position"
    ]
    call = (
        await add_position(
            alice, portfolio_id, symbol=occ_symbol("JPM", 40, "C", 300), quantity=2, entryPrice=4
        )
    )["position"]
    await run_queued_jobs(app, settings, [synthetic])
    # when
    data = (await alice.api.gql(POSITION_MARKET, {"id": stock["id"]}))["position"]
    option = (await alice.api.gql(POSITION_MARKET, {"id": call["id"]}))["position"]
    # then
    last = data["lastPrice"]
    assert last > 0
    assert data["marketValue"] == pytest.approx(-100 * last)
    assert data["unrealizedPnl"] == pytest.approx((last - 250) * -100)
    assert data["unrealizedPnlPercent"] == pytest.approx(-(last / 250 - 1) * 100)
    assert (data["sector"], data["industry"]) == ("Financials", "Banks")
    assert data["dataQuality"] == {
        "missingPrice": False,
        "stale": False,
        "source": "synthetic",
        "asOf": calendar.last_completed_session(clock.now()).isoformat(),
        "lastError": None,
    }
    assert len(data["priceHistory"]) >= 60
    assert option["lastPrice"] > 0
    assert option["marketValue"] == pytest.approx(2 * 100 * option["lastPrice"])
    assert option["sector"] == "Financials"


async def test_a_position_without_prices_says_so_instead_of_inventing_a_number(
    alice: SignedIn,
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    position = (await add_position(alice, portfolio_id, symbol="MSFT"))["position"]
    # when
    data = (await alice.api.gql(POSITION_MARKET, {"id": position["id"]}))["position"]
    # then
    assert (data["lastPrice"], data["marketValue"], data["unrealizedPnl"]) == (None, None, None)
    assert data["dataQuality"]["missingPrice"] is True
    assert data["dataQuality"]["stale"] is True


async def test_a_provider_outage_keeps_earlier_data_marks_it_stale_and_the_api_answers(
    app: Starlette, settings: Settings, alice: SignedIn
) -> None:
    # given: history stored up to a week before the last session
    session_day = calendar.last_completed_session(clock.now())
    week_ago = calendar.trading_days_back(session_day, 6)[0]
    earlier = SyntheticProvider(today=lambda: week_ago)
    portfolio_id = await create_portfolio(alice)
    position = (await add_position(alice, portfolio_id, symbol="AAPL"))["position"]
    await run_queued_jobs(app, settings, [earlier])
    before = await _bar_count(app)
    assert before > 0
    # when: a new backfill finds the provider down
    await add_position(alice, portfolio_id, symbol="AAPL", entryDate="2026-01-05")
    jobs = await run_queued_jobs(app, settings, [OutageProvider()])
    # then
    assert jobs[-1].status is JobStatus.PARTIAL
    assert any("timed out" in e["message"] for e in jobs[-1].errors)
    assert await _bar_count(app) == before
    data = (await alice.api.gql(POSITION_MARKET, {"id": position["id"]}))["position"]
    assert data["lastPrice"] is not None
    assert data["dataQuality"]["stale"] is True
    assert data["dataQuality"]["asOf"] == week_ago.isoformat()
    assert "timed out" in data["dataQuality"]["lastError"]
    status = (
        await alice.api.gql(
            '{ marketDataStatus(symbols: ["AAPL"]) { symbol stale lastError days } }'
        )
    )["marketDataStatus"]
    assert status[0]["stale"] is True and status[0]["days"] == before // 9


async def test_a_backfill_run_twice_fetches_nothing_new(
    app: Starlette, settings: Settings, alice: SignedIn, synthetic: SyntheticProvider
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await add_position(alice, portfolio_id, symbol="KO")
    [job] = await run_queued_jobs(app, settings, [synthetic])
    # when
    counts = await backfill_market_data(job_context(app, settings, [synthetic]), str(job.id))
    # then
    assert counts["barsStored"] == 0
    assert counts["upToDate"] == counts["symbols"]


async def test_jobs_are_visible_to_their_requester_and_admins_only(
    api: Api, app: Starlette, alice: SignedIn, bob: SignedIn
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await add_position(alice, portfolio_id, symbol="KO")
    query = "{ batchJobs { totalCount edges { node { id name status } } } }"
    # when
    mine = (await alice.api.gql(query))["batchJobs"]
    theirs = (await bob.api.gql(query))["batchJobs"]
    job_id = mine["edges"][0]["node"]["id"]
    by_id = await bob.api.gql("query($id: ID!) { batchJob(id: $id) { id } }", {"id": job_id})
    # then
    assert mine["totalCount"] == 1 and mine["edges"][0]["node"]["name"] == "backfill_market_data"
    assert theirs["totalCount"] == 0
    assert by_id == {"batchJob": None}


async def test_the_security_master_answers_by_symbol(
    app: Starlette, settings: Settings, alice: SignedIn, synthetic: SyntheticProvider
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await add_position(alice, portfolio_id, symbol="XOM")
    await run_queued_jobs(app, settings, [synthetic])
    # when
    data = await alice.api.gql(
        '{ security(symbol: "xom") { symbol name sector assetType history { close } } unknown: security(symbol: "NOPE") { symbol } }'
    )
    # then
    assert data["security"]["name"] == "Exxon Mobil Corporation"
    assert data["security"]["assetType"] == "STOCK"
    assert len(data["security"]["history"]) == 90
    assert data["unknown"] is None


async def test_a_queued_backfill_reaches_the_worker_queue(app: Starlette, alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    # when
    await add_position(alice, portfolio_id, symbol="PG")
    # then: arq keeps queued jobs in a sorted set
    assert await app.state.redis.zcard("arq:queue") == 1


async def test_groups_by_sector_use_the_security_master(
    app: Starlette, settings: Settings, alice: SignedIn, synthetic: SyntheticProvider
) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    await add_position(alice, portfolio_id, symbol="JPM")
    await add_position(alice, portfolio_id, symbol=occ_symbol("JPM", 30, "P", 250), quantity=1)
    await add_position(alice, portfolio_id, symbol="XOM")
    await run_queued_jobs(app, settings, [synthetic])
    # when
    data = await alice.api.gql(
        "query($id: ID!) { portfolio(id: $id) { positionGroups(by: SECTOR) { key positionCount } } }",
        {"id": portfolio_id},
    )
    # then
    assert data["portfolio"]["positionGroups"] == [
        {"key": "Energy", "positionCount": 1},
        {"key": "Financials", "positionCount": 2},
    ]


async def test_price_history_ending_on_a_leap_day_answers(alice: SignedIn) -> None:
    # given
    portfolio_id = await create_portfolio(alice)
    position = (await add_position(alice, portfolio_id, symbol="JPM"))["position"]
    # when
    data = await alice.api.gql(
        'query($id: ID!) { position(id: $id) { priceHistory(to: "2024-02-29") { date } } }',
        {"id": position["id"]},
    )
    # then
    assert data["position"]["priceHistory"] == []


class BrokenProvider(SyntheticProvider):
    """Works until it reaches one symbol, then fails with a bug rather than a provider fault."""

    async def daily_bars(self, symbol: str, start: date, end: date) -> list[Bar]:
        if symbol == "ZZZ":
            raise RuntimeError("provider client bug")
        return await super().daily_bars(symbol, start, end)


async def test_a_job_that_dies_is_marked_failed_and_keeps_the_chunks_it_committed(
    app: Starlette, settings: Settings
) -> None:
    # given: 60 symbols, the last of which breaks the provider
    symbols = [f"AAA{i:02d}" for i in range(59)] + ["ZZZ"]
    async with create_session_factory(app.state.engine)() as session, session.begin():
        job = await market_data.request_backfill(
            session,
            symbols=symbols,
            requested_by=None,
            end=calendar.last_completed_session(clock.now()),
            days=5,
        )
    assert job is not None
    broken = BrokenProvider(today=lambda: calendar.last_completed_session(clock.now()))
    # when
    with pytest.raises(RuntimeError):
        await backfill_market_data(job_context(app, settings, [broken]), str(job.id))
    # then
    async with create_session_factory(app.state.engine)() as session:
        row = await session.get(BatchJob, job.id)
        kept = await session.scalar(select(func.count(func.distinct(DailyBar.symbol))))
    assert row is not None and row.status is JobStatus.FAILED
    assert row.finished_at is not None
    assert kept == 50  # the first committed chunk
