"""Load test: many signed-in clients reading and changing their books against real API processes.

Run with `uv run python -m tests.benchmarks.load` (`--help` for the knobs; `--duration 10` for a
quick look). Uses DATABASE_URL / REDIS_URL when set, else the local servers on their default
ports, in a scratch database. It seeds `--users` accounts, each with a book of `--positions`
positions (stocks and options over 20 underlyings, with stored prices), plus one book of 200
positions, then for 1 and then 2 API processes (`sigmasight serve --workers N`) runs `--clients`
clients for `--duration` seconds. Each client signs in as its own user and repeats, with
`--think` seconds between requests:

- the dashboard of its book (totals, exposures, sectors, strategy groups, every position with
  market fields, Greeks and option inputs), the main read;
- a page of its positions (20, walking the cursor), and its risk panel (factor exposures, VaR
  both ways, every scenario);
- now and then the 200-position dashboard;
- `addPosition`, `updatePosition` (of a position it added) and `createTag`.

It prints requests/s, errors (HTTP failures, top-level errors, a mutation answering anything but
success), p50/p95 per operation, the p95 and worst `/health` latency measured meanwhile, and
checks afterwards that every acknowledged write is in the database as acknowledged (lost writes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.ext.asyncio import create_async_engine

from sigmasight import clock
from sigmasight.graphql.ids import parse_id
from sigmasight.marketdata import calendar
from sigmasight.marketdata.models import DailyBar
from sigmasight.portfolios.models import Position, Tag
from tests.benchmarks.timing import percentile, wait_ready
from tests.book_factory import UNDERLYINGS, book_rows
from tests.databases import scratch_database
from tests.documents import ADD_POSITION, CREATE_TAG, DASHBOARD, RISK_PANEL, UPDATE_POSITION

DATABASE = "sigmasight_bench_load"
PORT = 8766
SECRET = "load-test-secret-of-sufficient-length-0000"
PASSWORD = "load test passphrase"
BIG_BOOK = 200

POSITIONS_PAGE = """query Page($id: ID!, $after: String) { portfolio(id: $id) {
  positions(first: 20, after: $after) { totalCount pageInfo { endCursor hasNextPage }
    edges { node { id symbol quantity lastPrice marketValue unrealizedPnl
                   greeks { delta } tags { name } } } } } }"""

REGISTER = """mutation($email: String!, $password: String!) {
  register(input: {email: $email, password: $password}) {
    __typename ... on RegisterSuccess { tokens { accessToken } } } }"""

CREATE_PORTFOLIO = """mutation($name: String!) { createPortfolio(input: {name: $name}) {
  __typename ... on CreatePortfolioSuccess { portfolio { id } } } }"""

# What a client does, with how often (weights add up to 100).
MIX = [
    ("dashboard", 45),
    ("positions page", 17),
    ("risk panel", 12),
    ("dashboard, 200 positions", 3),
    ("addPosition", 9),
    ("updatePosition", 7),
    ("createTag", 7),
]


@dataclass
class Account:
    email: str
    token: str
    portfolio_id: str
    # Writes the API acknowledged: position id -> quantity it last reported; tag ids.
    positions: dict[str, float] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)
    cursor: str | None = None
    next_add: int = 0


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_errors: list[str] = field(default_factory=list)
    health: list[float] = field(default_factory=list)

    def fail(self, operation: str, detail: str) -> None:
        self.errors[operation] += 1
        if len(self.first_errors) < 5:
            self.first_errors.append(f"{operation}: {detail[:300]}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds per run (60)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--users", type=int, default=50, help="accounts, one book each (50)")
    parser.add_argument("--positions", type=int, default=50, help="positions per book (50)")
    parser.add_argument(
        "--think", type=float, default=0.5, help="seconds a client waits between requests (0.5)"
    )
    parser.add_argument(
        "--processes", default="1,2", help="API process counts to run, in order (1,2)"
    )
    return parser.parse_args()


async def call(
    http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """The response's data; raises on an HTTP failure or a top-level error."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text}")
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(str(body["errors"]))
    data: dict[str, Any] = body["data"]
    return data


def success(result: dict[str, Any], typename: str) -> dict[str, Any]:
    if result["__typename"] != typename:
        raise RuntimeError(str(result))
    return result


async def seed(
    http: httpx.AsyncClient, database_url: str, options: argparse.Namespace
) -> tuple[list[Account], Account]:
    """Accounts with books of stored positions and prices; the last one's book is the big one."""
    engine = create_async_engine(database_url)
    last_day = calendar.previous_trading_day(clock.today())
    accounts: list[Account] = []
    for n in range(options.users + 1):
        email = f"load{n}@example.com"
        registered = await call(http, "", REGISTER, {"email": email, "password": PASSWORD})
        token = success(registered["register"], "RegisterSuccess")["tokens"]["accessToken"]
        created = await call(http, token, CREATE_PORTFOLIO, {"name": "Book"})
        portfolio_id = success(created["createPortfolio"], "CreatePortfolioSuccess")
        accounts.append(Account(email, token, portfolio_id["portfolio"]["id"]))
        pid = parse_id(accounts[-1].portfolio_id, "Portfolio")
        assert pid is not None
        size = BIG_BOOK if n == options.users else options.positions
        positions, bars = book_rows(pid, size, underlyings=20, last_day=last_day, seed=n)
        async with engine.begin() as conn:
            # Every book draws its own prices, but a symbol has one history: the first stays.
            await conn.execute(upsert(DailyBar).on_conflict_do_nothing(), bars)
            await conn.execute(insert(Position), positions)
    await engine.dispose()
    return accounts[:-1], accounts[-1]


def entry_days() -> list[date]:
    """Entry dates for added positions: trading days well before the seeded books' entries."""
    return calendar.trading_days_back(clock.today() - timedelta(days=40), 120)


async def client(
    http: httpx.AsyncClient,
    account: Account,
    big: Account,
    results: Results,
    deadline: float,
    think: float,
    rng: random.Random,
) -> None:
    operations, weights = zip(*MIX, strict=True)
    days = entry_days()
    while time.perf_counter() < deadline:
        operation = rng.choices(operations, weights)[0]
        if operation == "updatePosition" and not account.positions:
            operation = "addPosition"
        start = time.perf_counter()
        try:
            await perform(http, operation, account, big, days, rng)
        except Exception as error:
            results.fail(operation, repr(error))
        else:
            results.latencies[operation].append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def perform(
    http: httpx.AsyncClient,
    operation: str,
    account: Account,
    big: Account,
    days: list[date],
    rng: random.Random,
) -> None:
    token, pid = account.token, account.portfolio_id
    if operation == "dashboard":
        data = await call(http, token, DASHBOARD, {"id": pid})
        assert data["portfolio"]["positions"]["edges"]
    elif operation == "dashboard, 200 positions":
        data = await call(http, big.token, DASHBOARD, {"id": big.portfolio_id})
        assert len(data["portfolio"]["positions"]["edges"]) == BIG_BOOK
    elif operation == "positions page":
        data = await call(http, token, POSITIONS_PAGE, {"id": pid, "after": account.cursor})
        page = data["portfolio"]["positions"]["pageInfo"]
        account.cursor = page["endCursor"] if page["hasNextPage"] else None
    elif operation == "risk panel":
        data = await call(http, token, RISK_PANEL, {"id": pid})
        assert data["portfolio"]["scenarios"]
    elif operation == "addPosition":
        # Each (symbol, entry date) once per book, so no add is a duplicate of another.
        n = account.next_add
        account.next_add += 1
        quantity = float(rng.randint(1, 500))
        variables = {
            "input": {
                "portfolioId": pid,
                "symbol": UNDERLYINGS[n % 20],
                "quantity": quantity,
                "entryPrice": round(rng.uniform(50, 300), 2),
                "entryDate": days[n // 20].isoformat(),
            }
        }
        data = await call(http, token, ADD_POSITION, variables)
        added = success(data["addPosition"], "AddPositionSuccess")["position"]
        account.positions[added["id"]] = float(added["quantity"])
    elif operation == "updatePosition":
        position_id = rng.choice(sorted(account.positions))
        quantity = float(rng.randint(1, 500))
        variables = {"input": {"id": position_id, "quantity": quantity}}
        data = await call(http, token, UPDATE_POSITION, variables)
        updated = success(data["updatePosition"], "UpdatePositionSuccess")["position"]
        account.positions[position_id] = float(updated["quantity"])
    elif operation == "createTag":
        name = f"load-{uuid.uuid4().hex[:12]}"
        data = await call(http, token, CREATE_TAG, {"input": {"name": name}})
        account.tags.add(success(data["createTag"], "CreateTagSuccess")["tag"]["id"])


async def probe_health(http: httpx.AsyncClient, results: Results, deadline: float) -> None:
    """How long `/health` takes while the load runs: a stalled event loop shows here."""
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        response = await http.get("/health")
        if response.status_code == 200:
            results.health.append((time.perf_counter() - start) * 1000)
        else:
            results.fail("/health", f"HTTP {response.status_code}")
        await asyncio.sleep(0.2)


async def lost_writes(database_url: str, accounts: list[Account]) -> tuple[int, int]:
    """(acknowledged writes, those missing or not as acknowledged in the database)."""
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        stored = {
            row.id: row.quantity
            for row in await conn.execute(select(Position.id, Position.quantity))
        }
        tags = set((await conn.scalars(select(Tag.id))).all())
    await engine.dispose()
    acknowledged = lost = 0
    for account in accounts:
        for global_id, quantity in account.positions.items():
            acknowledged += 1
            position_id = parse_id(global_id, "Position")
            if position_id not in stored or float(stored[position_id]) != quantity:
                lost += 1
        for global_id in account.tags:
            acknowledged += 1
            lost += parse_id(global_id, "Tag") not in tags
    return acknowledged, lost


def start_server(processes: int, database_url: str, redis_url: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "RATE_LIMIT_PER_MINUTE": "0",  # 50 clients from one address are not an attack here
        "LOG_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).with_name("sigmasight")), "serve"]
    command += ["--host", "127.0.0.1", "--port", str(PORT), "--workers", str(processes)]
    # Our own console script; the access log would only measure the terminal.
    return subprocess.Popen(  # noqa: S603
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """CPU time used so far by the server and its worker processes (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def report(
    processes: int, results: Results, duration: float, cpu: float, writes: tuple[int, int]
) -> None:
    done = sum(len(v) for v in results.latencies.values())
    errors = sum(results.errors.values())
    print(f"\n{processes} API process(es): {done / duration:.1f} requests/s over {duration:.0f} s")
    # CPU per request does not depend on what else the machine runs meanwhile; latency does.
    print(f"  API CPU per request: {cpu * 1000 / max(done, 1):.1f} ms (all processes)")
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"  machine load average at the end (1, 5, 15 min): {load}")
    print(f"  errors: {errors}   acknowledged writes: {writes[0]}   lost: {writes[1]}")
    for operation, _ in MIX:
        samples = results.latencies.get(operation, [])
        if samples:
            print(
                f"  {operation:28} n {len(samples):6}   p50 {statistics.median(samples):7.1f} ms"
                f"   p95 {percentile(samples, 0.95):7.1f} ms"
                + (f"   errors {results.errors[operation]}" if results.errors[operation] else "")
            )
    if results.health:
        print(
            f"  /health while loaded: p95 {percentile(results.health, 0.95):.1f} ms, "
            f"worst {max(results.health):.1f} ms"
        )
    for line in results.first_errors:
        print(f"  first errors: {line}")


async def run(
    processes: int,
    database_url: str,
    redis_url: str,
    accounts: list[Account],
    big: Account,
    options: argparse.Namespace,
) -> None:
    server = start_server(processes, database_url, redis_url)
    limits = httpx.Limits(max_connections=options.clients + 10)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{PORT}", timeout=120, limits=limits
        ) as http:
            await wait_ready(http, server)
            for account in [*accounts, big]:  # every process warm: connections, caches
                for document in (DASHBOARD, RISK_PANEL):
                    await call(http, account.token, document, {"id": account.portfolio_id})
            results = Results()
            cpu_before = cpu_seconds(server)
            deadline = time.perf_counter() + options.duration
            rng = random.Random(processes)
            started = time.perf_counter()
            await asyncio.gather(
                probe_health(http, results, deadline),
                *(
                    client(
                        http,
                        accounts[n % len(accounts)],
                        big,
                        results,
                        deadline,
                        options.think,
                        random.Random(rng.random()),
                    )
                    for n in range(options.clients)
                ),
            )
            elapsed = time.perf_counter() - started
            cpu = cpu_seconds(server) - cpu_before
    finally:
        server.terminate()
        server.wait()
    report(processes, results, elapsed, cpu, await lost_writes(database_url, accounts))


async def main() -> None:
    options = arguments()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
    database_url = await scratch_database(DATABASE)
    cache = Redis.from_url(redis_url)
    await cache.flushdb()  # no prices or returns cached from an earlier run
    await cache.aclose()
    print(
        f"{options.clients} clients x {options.duration:.0f} s, {options.think} s between a "
        f"client's requests; {options.users} books of {options.positions} positions and one of "
        f"{BIG_BOOK}; {os.cpu_count()} cores"
    )
    server = start_server(1, database_url, redis_url)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=120) as http:
            await wait_ready(http, server)
            accounts, big = await seed(http, database_url, options)
    finally:
        server.terminate()
        server.wait()
    for processes in (int(p) for p in options.processes.split(",")):
        await run(processes, database_url, redis_url, accounts, big, options)


if __name__ == "__main__":
    asyncio.run(main())
