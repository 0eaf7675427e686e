"""The `sigmasight` command line."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path

import click
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight import embedded
from sigmasight.auth.models import Role
from sigmasight.batch.schedule import NightlyJob
from sigmasight.instruments.csv_reading import RowIssue
from sigmasight.portfolios.imports import ImportMode, ImportRejected, ImportReport
from sigmasight.settings import Settings, get_settings

logger = logging.getLogger("sigmasight")


def _configure_logging(settings: Settings) -> None:
    from sigmasight import logs

    logs.configure(settings)


@click.group()
def main() -> None:
    """SigmaSight: portfolio risk for long/short equity and options books, as a GraphQL API."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where embedded PostgreSQL and Redis keep their data [default: .sigmasight].",
)
@click.option("--no-seed", is_flag=True, help="Do not create the demo accounts.")
@click.option("--no-worker", is_flag=True, help="Do not run the background worker.")
def dev(host: str, port: int, data_dir: Path | None, no_seed: bool, no_worker: bool) -> None:
    """Run the whole product locally: databases, migrations, demo data, API and worker."""
    from sigmasight import migrate

    settings = get_settings()
    _configure_logging(settings)
    data_dir = data_dir or settings.data_dir
    # SIGTERM (a process manager, `docker stop`, `kill`) stops everything like Ctrl-C does:
    # without this the process would die before the `finally` that stops the databases.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        settings = _with_servers(settings, data_dir)
        assert settings.database_url is not None
        click.echo("Applying migrations ...")
        migrate.upgrade(settings.database_url)
        if not no_seed:
            asyncio.run(_seed(settings, first_start_only=True))
        asyncio.run(_refresh_prices(settings))
        asyncio.run(_write_missing_history(settings))
        click.echo(f"GraphiQL: http://{host}:{port}/graphql")
        asyncio.run(_serve(settings, host=host, port=port, with_worker=not no_worker))
    except KeyboardInterrupt:
        pass  # Ctrl-C or SIGTERM: a normal way to stop, cleaned up below
    finally:
        # A second Ctrl-C or SIGTERM must not cut the databases' shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        click.echo("Stopping embedded servers ...")
        embedded.stop_all()


def _with_servers(settings: Settings, data_dir: Path) -> Settings:
    """Settings pointing at DATABASE_URL / REDIS_URL, or at embedded servers started here."""
    updates: dict[str, object] = {"data_dir": data_dir}
    if not settings.database_url:
        click.echo(f"Starting embedded PostgreSQL in {data_dir}/postgres ...")
        updates["database_url"] = embedded.start_postgres(data_dir)
    if not settings.redis_url:
        click.echo(f"Starting embedded Redis in {data_dir} ...")
        updates["redis_url"] = embedded.start_redis(data_dir)
    return settings.model_copy(update=updates)


async def _serve(settings: Settings, *, host: str, port: int, with_worker: bool) -> None:
    from sigmasight.main import create_app

    # log_config=None: lines go through sigmasight.logs, with request ids, not uvicorn's format.
    config = uvicorn.Config(
        create_app(settings), host=host, port=port, log_level="info", log_config=None
    )
    server = uvicorn.Server(config)
    worker_task = None
    if with_worker:
        from workers.main import run_worker

        # Started again whenever Redis drops it, so jobs resume once Redis is back.
        worker_task = asyncio.create_task(run_worker(settings))
    try:
        await server.serve()  # returns after Ctrl-C / SIGTERM
    finally:
        if worker_task is not None:
            worker_task.cancel()
            await asyncio.gather(worker_task, return_exceptions=True)


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")  # noqa: S104
@click.option("--port", default=8000, envvar="PORT", show_default=True, help="Port to listen on.")
@click.option(
    "--workers",
    "processes",
    default=1,
    envvar="WEB_CONCURRENCY",
    show_default=True,
    help="API processes sharing the port (one per core is a good start); env WEB_CONCURRENCY.",
)
def serve(host: str, port: int, processes: int) -> None:
    """Serve the API against DATABASE_URL and REDIS_URL (production)."""
    settings = get_settings()
    _configure_logging(settings)
    if not settings.database_url or not settings.redis_url:
        raise click.UsageError(
            "DATABASE_URL and REDIS_URL must be set; for a local stack use `dev`."
        )
    uvicorn.run(
        "sigmasight.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=processes,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


async def _seed(settings: Settings, *, first_start_only: bool = False) -> None:
    """Load the demo books; with `first_start_only`, leave existing demo accounts as they are."""
    from sigmasight import clock
    from sigmasight.seed import is_seeded, seed_demo

    password = settings.effective_demo_password
    if password is None:
        raise click.UsageError("Set DEMO_PASSWORD to seed demo accounts in production.")
    async with _transaction(settings) as session:
        if first_start_only and await is_seeded(session):
            click.echo("Demo accounts already loaded (`sigmasight seed` reloads them).")
            return
        loaded = await seed_demo(session, password=password, today=clock.today())
    for email, count in loaded.items():
        click.echo(f"  {email}: {count} positions")
    click.echo(f"Demo accounts ready; password: {password}")


async def _refresh_prices(settings: Settings) -> None:
    """Fetch the price history open positions and the factor ETFs lack, before serving."""
    from sigmasight import clock
    from sigmasight.marketdata import calendar
    from sigmasight.marketdata import service as market_data
    from sigmasight.marketdata.providers.chain import build_providers
    from sigmasight.portfolios.positions import held_symbols

    now = clock.now()
    async with _transaction(settings) as session:
        symbols = await held_symbols(session)
        symbols = [*symbols, *market_data.FACTOR_ETF_SYMBOLS]
        report = await market_data.backfill(
            session,
            providers=build_providers(settings),
            symbols=symbols,
            end=calendar.last_completed_session(now),
            days=settings.backfill_days,
            now=now,
        )
    await _forget_prices(settings, symbols)
    click.echo(
        f"Market data ({', '.join(settings.provider_names)}): {report.bars_stored} bars stored, "
        f"{report.up_to_date} symbols up to date, {len(report.failed)} failed"
    )


async def _write_missing_history(settings: Settings) -> None:
    """Give portfolios that have positions but no snapshots yet (the demo books on a first
    start) their 90 trading days of history."""
    from sqlalchemy import exists, select

    from sigmasight.batch.nightly import HISTORY_DAYS
    from sigmasight.portfolios.models import Portfolio, Position
    from sigmasight.risk.models import PortfolioSnapshot

    async with _transaction(settings) as session:
        missing = await session.scalars(
            select(Portfolio.id).where(
                exists().where(Position.portfolio_id == Portfolio.id),
                ~exists().where(PortfolioSnapshot.portfolio_id == Portfolio.id),
            )
        )
        portfolio_ids = [str(pid) for pid in missing]
    if portfolio_ids:
        params = {"days": HISTORY_DAYS, "portfolioIds": portfolio_ids}
        await _run_batch(settings, "backfill_history", None, params)


async def _forget_prices(settings: Settings, symbols: list[str]) -> None:
    """Drop cached latest prices of symbols whose bars a command just stored."""
    from sigmasight.marketdata.prices import forget_latest_prices
    from sigmasight.redis_client import connect

    if settings.redis_url:
        redis = connect(settings)
        try:
            await forget_latest_prices(redis, symbols)
        finally:
            await redis.aclose()


@asynccontextmanager
async def _transaction(settings: Settings) -> AsyncIterator[AsyncSession]:
    """One committed transaction on a short-lived engine, for commands."""
    from sigmasight.db import create_engine, create_session_factory, transaction

    assert settings.database_url is not None
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with transaction(create_session_factory(engine)) as session:
            yield session
    finally:
        await engine.dispose()


def _require_database(settings: Settings) -> None:
    if not settings.database_url:
        raise click.UsageError("DATABASE_URL must be set.")


@main.command()
def seed() -> None:
    """Create the demo accounts and load their books (safe to run again)."""
    settings = get_settings()
    _configure_logging(settings)
    _require_database(settings)
    asyncio.run(_seed(settings))


@main.command("import-positions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--portfolio", "portfolio_id", required=True, help="Portfolio id (uuid or global id)."
)
@click.option(
    "--mode",
    type=click.Choice([m.value for m in ImportMode], case_sensitive=False),
    default=ImportMode.APPEND.value,
    show_default=True,
)
@click.option("--skip-invalid-rows", is_flag=True, help="Import the valid rows, report the rest.")
def import_positions_command(
    file: Path, portfolio_id: str, mode: str, skip_invalid_rows: bool
) -> None:
    """Import a positions CSV into a portfolio, as its owner."""
    settings = get_settings()
    _configure_logging(settings)
    _require_database(settings)
    try:
        report = asyncio.run(
            _import_file(
                settings,
                file.read_bytes(),
                portfolio_id,
                ImportMode(mode.upper()),
                skip_invalid_rows,
            )
        )
    except ImportRejected as rejected:
        report = rejected.report
        click.echo(rejected.message, err=True)
    _echo_issues(report.errors)
    _echo_issues(report.warnings, prefix="warning: ")
    click.echo(
        f"{report.mode}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.deleted} deleted, {report.skipped} skipped"
        + ("" if report.cash is None else f", cash {report.cash:,.2f}")
        + ("" if report.applied else " (nothing written)")
    )
    if not report.applied and report.errors:
        sys.exit(1)


def _echo_issues(issues: list[RowIssue], *, prefix: str = "") -> None:
    for issue in issues:
        where = f"row {issue.row} {issue.column or '-'}"
        click.echo(f"{where}: {prefix}{issue.code} {issue.message}", err=True)


async def _import_file(
    settings: Settings, data: bytes, portfolio_id: str, mode: ImportMode, skip: bool
) -> ImportReport:
    from sigmasight import clock
    from sigmasight.auth.actor import Actor
    from sigmasight.auth.models import Role
    from sigmasight.graphql.ids import parse_id
    from sigmasight.portfolios.imports import import_positions
    from sigmasight.portfolios.models import Portfolio

    object_id = parse_id(portfolio_id, "Portfolio")
    async with _transaction(settings) as session:
        portfolio = await session.get(Portfolio, object_id) if object_id else None
        if portfolio is None:
            raise click.UsageError(f"No portfolio {portfolio_id}.")
        return await import_positions(
            session,
            actor=Actor(user_id=portfolio.owner_id, role=Role.USER),
            portfolio_id=portfolio.id,
            data=data,
            mode=mode,
            skip_invalid_rows=skip,
            today=clock.today(),
        )


@main.group("market-data")
def market_data_group() -> None:
    """Load and refresh market data."""


@market_data_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def market_data_import(file: Path) -> None:
    """Store a price file (`symbol,date,open,high,low,close,volume`), all or nothing."""
    from sigmasight import clock
    from sigmasight.marketdata.service import PriceFileRejected, import_price_file

    settings = get_settings()
    _configure_logging(settings)
    _require_database(settings)
    data = file.read_bytes()

    async def store() -> None:
        async with _transaction(settings) as session:
            stored = await import_price_file(session, data=data, now=clock.now())
        await _forget_prices(settings, stored.symbols)
        click.echo(f"{stored.bars} bars stored for {len(stored.symbols)} symbols.")

    try:
        asyncio.run(store())
    except PriceFileRejected as rejected:
        for issue in rejected.errors:
            click.echo(
                f"row {issue.row} {issue.column or '-'}: {issue.code} {issue.message}", err=True
            )
        click.echo(rejected.message, err=True)
        sys.exit(1)


@market_data_group.command("refresh")
def market_data_refresh() -> None:
    """Fetch the history that open positions and the factor ETFs lack."""
    settings = get_settings()
    _configure_logging(settings)
    _require_database(settings)
    asyncio.run(_refresh_prices(settings))


async def _change_account(
    settings: Settings,
    email: str,
    change: Callable[[AsyncSession, uuid.UUID], Awaitable[None]],
    *,
    role: Role | None,
) -> bool:
    """Apply `change` to the account with `email`, then tell every API process its new `role`
    (None: the account is gone); False when there is no such account."""
    from sigmasight.auth import service as auth_service
    from sigmasight.redis_client import connect

    async with _transaction(settings) as session:
        user = await auth_service.get_by_email(session, email=email)
        if user is None:
            return False
        await change(session, user.id)
    redis = connect(settings) if settings.redis_url else None
    try:
        await auth_service.publish_user_change(redis, user_id=user.id, role=role, settings=settings)
    finally:
        if redis is not None:
            await redis.aclose()
    return True


@main.command("make-admin")
@click.argument("email")
def make_admin(email: str) -> None:
    """Give an existing account the admin role."""
    from sigmasight.auth import service as auth_service

    settings = get_settings()
    _require_database(settings)

    async def promote(session: AsyncSession, user_id: uuid.UUID) -> None:
        await auth_service.set_role(session, user_id=user_id, role=Role.ADMIN)

    if not asyncio.run(_change_account(settings, email, promote, role=Role.ADMIN)):
        raise click.UsageError(f"No account with email {email}.")
    click.echo(f"{email} is now an admin, from its next request on.")


@main.command("delete-user")
@click.argument("email")
@click.confirmation_option(prompt="Delete the account and everything it owns?")
def delete_user(email: str) -> None:
    """Delete an account with its portfolios; its sessions end at once."""
    from sigmasight.auth import service as auth_service

    settings = get_settings()
    _require_database(settings)

    async def remove(session: AsyncSession, user_id: uuid.UUID) -> None:
        await auth_service.delete_user(session, user_id=user_id)

    if not asyncio.run(_change_account(settings, email, remove, role=None)):
        raise click.UsageError(f"No account with email {email}.")
    click.echo(f"{email} was deleted.")


@main.command()
def worker() -> None:
    """Run the background worker (cron batch jobs and long jobs) against REDIS_URL."""
    from workers.main import run_worker

    settings = get_settings()
    _configure_logging(settings)
    if not settings.database_url or not settings.redis_url:
        raise click.UsageError("DATABASE_URL and REDIS_URL must be set.")
    # SIGTERM ends it like Ctrl-C: running jobs are cancelled (arq retries them) and the
    # connections closed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(settings))


@main.group("batch")
def batch_group() -> None:
    """Run batch jobs here and now, without a worker."""


@batch_group.command("run")
@click.argument("job", type=click.Choice([j.value for j in NightlyJob]))
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Trading day to run for [default: the last completed one].",
)
def batch_run(job: str, as_of: datetime | None) -> None:
    """Run a nightly job for a day, with a progress bar; reruns replace that day's rows."""
    settings = get_settings()
    _configure_logging(settings)
    _require_servers(settings)
    outcome = asyncio.run(_run_batch(settings, job, as_of.date() if as_of else None, params={}))
    if outcome == "FAILED":
        raise SystemExit(1)


@main.command()
@click.option("--days", default=90, show_default=True, help="Trading days of history to (re)write.")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the history [default: the last completed trading day].",
)
def backfill(days: int, as_of: datetime | None) -> None:
    """Write every portfolio's daily snapshots and risk for past trading days, from stored
    prices (positions as held on each day)."""
    if not 1 <= days <= 365:
        raise click.UsageError("--days must be 1-365 (snapshots are kept for a year).")
    settings = get_settings()
    _configure_logging(settings)
    _require_servers(settings)
    outcome = asyncio.run(
        _run_batch(settings, "backfill_history", as_of.date() if as_of else None, {"days": days})
    )
    if outcome == "FAILED":
        raise SystemExit(1)


async def _run_batch(
    settings: Settings, job: str, as_of: date | None, params: dict[str, object]
) -> str:
    """Run a fanned-out job in this process with a progress bar; returns its final status."""
    import os

    from sigmasight import clock
    from sigmasight.batch import runs
    from sigmasight.batch.nightly import KINDS
    from sigmasight.db import create_engine, create_session_factory, transaction
    from sigmasight.marketdata import calendar
    from sigmasight.marketdata.providers.chain import build_providers
    from sigmasight.redis_client import connect

    assert settings.database_url is not None and settings.redis_url is not None
    kind = KINDS[job]
    day = as_of or calendar.last_completed_session(clock.now())
    engine = create_engine(settings.database_url, pool_size=2)
    redis = connect(settings)
    try:
        factory = create_session_factory(engine)
        resources = runs.Resources(factory, redis, settings, build_providers(settings))
        async with transaction(factory) as session:
            run = await runs.start(session, kind=kind, as_of=day, requested_by=None, params=params)
        with click.progressbar(length=1, label=f"{job} for {day}") as bar:

            def advance(total: int) -> None:
                bar.length = total
                bar.update(1)

            finished = await runs.run_here(
                resources, kind=kind, job_id=run.id, worker=f"cli:{os.getpid()}", on_chunk=advance
            )
    finally:
        await redis.aclose()
        await engine.dispose()
    click.echo(f"{finished.status.value}: {finished.message}")
    for error in finished.errors[:20]:
        click.echo(f"  {error.get('item')}: {error.get('message')}", err=True)
    return finished.status.value


def _require_servers(settings: Settings) -> None:
    if not settings.database_url or not settings.redis_url:
        raise click.UsageError("DATABASE_URL and REDIS_URL must be set.")


@main.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def migrate(revision: str) -> None:
    """Apply database migrations to DATABASE_URL."""
    from sigmasight import migrate as migrations

    settings = get_settings()
    if not settings.database_url:
        raise click.UsageError("DATABASE_URL must be set.")
    migrations.upgrade(settings.database_url, revision)
    click.echo(f"Database at {revision}.")


@main.command("export-schema")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("schema.graphql"),
    show_default=True,
    help="File to write ('-' for standard output).",
)
def export_schema(output: Path) -> None:
    """Write the GraphQL schema in SDL, as committed in schema.graphql."""
    from sigmasight.graphql.schema import schema_sdl

    sdl = schema_sdl()
    if str(output) == "-":
        click.echo(sdl, nl=False)
    else:
        output.write_text(sdl)
        click.echo(f"Wrote {output}.")
