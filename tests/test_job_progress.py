"""`jobProgress` over a real websocket (graphql-transport-ws): an import's backfill is streamed to
its owner as it runs, and nobody else may watch it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from sqlalchemy import update
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from sigmasight import clock
from sigmasight.batch import progress
from sigmasight.batch import service as batch_service
from sigmasight.batch.models import BatchJob, JobStatus
from sigmasight.graphql.ids import parse_id
from sigmasight.graphql.schema import create_schema
from sigmasight.marketdata import calendar
from sigmasight.marketdata.providers.synthetic import SyntheticProvider
from sigmasight.reports.storage import report_store
from sigmasight.settings import Settings
from tests.conftest import SignedIn
from tests.helpers import create_portfolio, days_ago
from tests.live_server import free_port
from tests.test_market_data import job_context
from workers.jobs import BACKFILL_CHUNK, backfill_market_data
from workers.reports import generate_report

TIMEOUT = 10.0  # seconds any one step may take before the test fails instead of hanging

JOB_PROGRESS = """
subscription($jobId: ID!) { jobProgress(jobId: $jobId) { jobId status progress message } }
"""

IMPORT = """
mutation($input: ImportPositionsInput!) {
  importPositions(input: $input) {
    __typename
    ... on ImportPositionsSuccess { backfillJob { id status } }
    ... on UserError { field code message }
  }
}
"""


class _Server(uvicorn.Server):
    """Uvicorn inside the test's event loop, leaving the process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@pytest.fixture
async def ws_url(app: Starlette) -> AsyncIterator[str]:
    """The app served by a real uvicorn on a free local port; its websocket GraphQL endpoint."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(TIMEOUT):
        while not server.started:
            if task.done():
                task.result()  # raise why it failed to start
            await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT)


@dataclass
class Socket:
    """A graphql-transport-ws client spoken by hand."""

    ws: ClientConnection

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT))
        return message

    async def sign_in(self, token: str | None) -> dict[str, Any]:
        """Send connection_init (with the token, if any); the server's answer."""
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(self, job_id: str, operation: str = "1") -> None:
        payload = {"query": JOB_PROGRESS, "variables": {"jobId": job_id}}
        await self.send({"id": operation, "type": "subscribe", "payload": payload})


@contextlib.asynccontextmanager
async def open_socket(url: str) -> AsyncIterator[Socket]:
    async with asyncio.timeout(TIMEOUT):
        ws = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    try:
        assert ws.subprotocol == "graphql-transport-ws"
        yield Socket(ws)
    finally:
        await asyncio.wait_for(ws.close(), TIMEOUT)


def _synthetic() -> SyntheticProvider:
    return SyntheticProvider(seed=7, today=lambda: calendar.last_completed_session(clock.now()))


async def _import_backfill(user: SignedIn, tickers: int) -> str:
    """Import a book of `tickers` distinct stocks; the id of the backfill job it queued."""
    portfolio_id = await create_portfolio(user)
    rows = "".join(f"T{i:03d},10,50,{days_ago(20)},\n" for i in range(tickers))
    csv = "ticker,quantity,entry_price,entry_date,tags\n" + rows
    result = (await user.api.gql(IMPORT, {"input": {"portfolioId": portfolio_id, "csv": csv}}))[
        "importPositions"
    ]
    assert result["__typename"] == "ImportPositionsSuccess", result
    job = result["backfillJob"]
    assert job["status"] == "QUEUED"
    return str(job["id"])


async def test_job_progress_streams_an_import_backfill_to_its_owner(
    app: Starlette, settings: Settings, ws_url: str, alice: SignedIn
) -> None:
    # given: an import whose backfill takes several chunks, and alice watching it
    job_id = await _import_backfill(alice, tickers=2 * BACKFILL_CHUNK + 20)
    async with open_socket(ws_url) as ws:
        assert (await ws.sign_in(alice.api.token))["type"] == "connection_ack"
        await ws.subscribe(job_id)
        first = await ws.receive()
        assert first["type"] == "next", first
        assert first["payload"]["data"]["jobProgress"]["status"] == "QUEUED"
        messages = [first]

        async def watch() -> None:
            while messages[-1]["type"] == "next":
                messages.append(await ws.receive())

        # when: the worker runs the job while alice watches
        ctx = job_context(app, settings, [_synthetic()])
        await asyncio.wait_for(
            asyncio.gather(backfill_market_data(ctx, _uuid(job_id)), watch()), TIMEOUT
        )
    # then: progress only grows, through several chunks, to the finished run
    assert messages[-1] == {"id": "1", "type": "complete"}
    updates = [m["payload"]["data"]["jobProgress"] for m in messages[:-1]]
    assert all(m["id"] == "1" and "errors" not in m["payload"] for m in messages[:-1])
    assert {u["jobId"] for u in updates} == {job_id}
    shares = [u["progress"] for u in updates]
    assert shares == sorted(shares)
    assert len({s for s in shares if 0 < s < 1}) >= 2, updates
    assert updates[-1]["status"] == "SUCCEEDED", updates[-1]
    assert updates[-1]["progress"] == 1
    assert all(u["status"] in {"QUEUED", "RUNNING"} for u in updates[:-1]), updates


async def test_another_user_cannot_watch_someone_elses_job(
    ws_url: str, alice: SignedIn, bob: SignedIn
) -> None:
    # given
    job_id = await _import_backfill(alice, tickers=1)
    async with open_socket(ws_url) as ws:
        assert (await ws.sign_in(bob.api.token))["type"] == "connection_ack"
        # when
        await ws.subscribe(job_id)
        errors = await _refusal(ws)
    # then: an error and no data
    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"], errors
    assert "not yours to watch" in errors[0]["message"]


async def test_a_connection_with_an_invalid_token_is_refused(ws_url: str) -> None:
    # given
    async with open_socket(ws_url) as ws:
        # when
        await ws.send({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}})
        # then
        with pytest.raises(ConnectionClosed) as closed:
            await ws.receive()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_a_subscription_without_signing_in_is_refused(ws_url: str, alice: SignedIn) -> None:
    # given: a socket whose connection_init carries no token
    job_id = await _import_backfill(alice, tickers=1)
    async with open_socket(ws_url) as ws:
        assert (await ws.sign_in(None))["type"] == "connection_ack"
        # when
        await ws.subscribe(job_id)
        errors = await _refusal(ws)
    # then
    assert [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"], errors


async def _refusal(ws: Socket) -> list[dict[str, Any]]:
    """The errors that end a refused subscription: an `error` message, or a `next` without data
    followed by `complete`."""
    answer = await ws.receive()
    if answer["type"] == "error":
        errors: list[dict[str, Any]] = answer["payload"]
        return errors
    assert answer["type"] == "next", answer
    assert answer["payload"].get("data") is None, answer
    assert await ws.receive() == {"id": answer["id"], "type": "complete"}
    errors = answer["payload"]["errors"]
    return errors


def _uuid(global_id: str) -> str:
    job = parse_id(global_id, "BatchJob")
    assert job is not None
    return str(job)


async def test_a_watcher_of_a_run_closed_without_a_message_still_hears_it_end(
    app: Starlette,
) -> None:
    # given: a running job, then closed in the database with nothing published (a rerun
    # superseding it, or its worker gone)
    factory = app.state.session_factory
    async with factory() as session, session.begin():
        job = await batch_service.create(
            session, name="create_portfolio_snapshots", params={}, requested_by=None, as_of=None
        )
        job_id = job.id

    async def current() -> progress.Progress:
        async with factory() as session:
            found = await session.get(BatchJob, job_id)
            assert found is not None
            return progress.Progress.of(found)

    updates = progress.follow(app.state.redis, job_id, current=current, recheck_seconds=0.1)
    first = await asyncio.wait_for(anext(updates), TIMEOUT)
    async with factory() as session, session.begin():
        await session.execute(
            update(BatchJob).where(BatchJob.id == job_id).values(status=JobStatus.FAILED)
        )

    # when
    last = await asyncio.wait_for(anext(updates), TIMEOUT)

    # then
    assert first.status is JobStatus.QUEUED
    assert last.status is JobStatus.FAILED
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(updates), TIMEOUT)


GENERATE_REPORT = """
mutation($portfolioId: ID!) {
  generateReport(portfolioId: $portfolioId, kind: SCENARIOS, format: HTML) {
    ... on GenerateReportSuccess { report { id jobId } }
  }
}
"""


async def test_job_progress_follows_a_report_by_its_own_id_to_the_end(
    app: Starlette, settings: Settings, ws_url: str, alice: SignedIn, bob: SignedIn
) -> None:
    # given: a queued report, watched by its own id
    portfolio_id = await create_portfolio(alice)
    queued = await alice.api.gql(GENERATE_REPORT, {"portfolioId": portfolio_id})
    report = queued["generateReport"]["report"]
    async with open_socket(ws_url) as ws, open_socket(ws_url) as intruder:
        assert (await ws.sign_in(alice.api.token))["type"] == "connection_ack"
        assert (await intruder.sign_in(bob.api.token))["type"] == "connection_ack"
        await intruder.subscribe(report["id"])
        assert (await _refusal(intruder))[0]["extensions"]["code"] == "FORBIDDEN"
        await ws.subscribe(report["id"])
        messages = [await ws.receive()]

        async def watch() -> None:
            while messages[-1]["type"] == "next":
                messages.append(await ws.receive())

        # when: the worker makes it
        ctx = {
            **job_context(app, settings, []),
            "schema": create_schema(settings),
            "report_store": report_store(settings),
        }
        await asyncio.wait_for(
            asyncio.gather(generate_report(ctx, str(parse_id(report["id"], "Report"))), watch()),
            TIMEOUT,
        )
    # then: its job run's progress, from queued to done
    assert messages[-1] == {"id": "1", "type": "complete"}
    updates = [m["payload"]["data"]["jobProgress"] for m in messages[:-1]]
    assert updates[0]["status"] == "QUEUED" and updates[-1]["status"] == "SUCCEEDED"
    shares = [u["progress"] for u in updates]
    assert shares == sorted(shares) and any(0 < s < 1 for s in shares), updates
