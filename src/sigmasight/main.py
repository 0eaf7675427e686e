"""The ASGI application: GraphQL at /graphql, file downloads at /exports/{id} and
/reports/{id}, liveness at /health, readiness at /ready."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from arq.constants import default_queue_name, health_check_key_suffix
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from sigmasight import __version__, logs
from sigmasight.access_log import AccessLogMiddleware
from sigmasight.db import create_engine, create_session_factory
from sigmasight.graphql import ide
from sigmasight.graphql.app import GraphQLApp
from sigmasight.graphql.http_conduct import BodyLimitMiddleware
from sigmasight.graphql.ids import parse_id
from sigmasight.ratelimit import RateLimitMiddleware
from sigmasight.redis_client import connect
from sigmasight.reports import exports as export_service
from sigmasight.reports import service as report_service
from sigmasight.reports.download import download_endpoint
from sigmasight.reports.storage import report_store
from sigmasight.settings import Settings, get_settings

logger = logging.getLogger(__name__)
READY_TIMEOUT_SECONDS = 2.0
# Written by every worker each `worker_heartbeat_seconds` and expiring one period later.
WORKER_HEARTBEAT_KEY = default_queue_name + health_check_key_suffix


def keep_full_collections_out_of_requests() -> None:
    """Tune the garbage collector for a server process.

    A dashboard request allocates some 10^5 short-lived objects; with the default thresholds
    the collector ran full passes over the whole heap mid-request, which doubled the p95 latency
    measured by `bench_dashboard`. What is alive at start-up (modules, the schema) is frozen out
    of those passes, and young collections run less often.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the API; database and Redis connections open lazily on first use."""
    settings = settings or get_settings()
    if not settings.database_url or not settings.redis_url:
        raise RuntimeError("DATABASE_URL and REDIS_URL must be set (or use `sigmasight dev`)")
    # Here rather than in the CLI: each `serve --workers N` process builds its own app.
    logs.configure(settings)
    engine = create_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    redis = connect(settings)
    graphql = GraphQLApp(settings=settings, session_factory=session_factory, redis=redis)
    reports = report_store(settings)
    export_download = download_endpoint(
        settings=settings,
        session_factory=session_factory,
        parse_id=lambda value: parse_id(value, "Export"),
        find=lambda session, actor, file_id: export_service.file_for(
            session, actor=actor, export_id=file_id
        ),
        what="Export",
        redis=redis,
    )
    report_download = download_endpoint(
        settings=settings,
        session_factory=session_factory,
        parse_id=lambda value: parse_id(value, "Report"),
        find=lambda session, actor, file_id: report_service.file_for(
            session, actor=actor, report_id=file_id, store=reports
        ),
        what="Report",
        redis=redis,
    )

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    async def ready(_: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS), engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # readiness reports any failure rather than raising it
            logger.warning("database not ready: %s", exc)
            checks["database"] = "unavailable"
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                await redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            logger.warning("redis not ready: %s", exc)
            checks["redis"] = "unavailable"
        ok = all(v == "ok" for v in checks.values())
        # Reported, not required: without a worker the API still answers; jobs wait in the queue.
        checks["worker"] = await worker_state() if checks["redis"] == "ok" else "unknown"
        return JSONResponse({"status": "ok" if ok else "unavailable", **checks}, 200 if ok else 503)

    async def worker_state() -> str:
        """`ok` while some worker's heartbeat (arq's health-check key) is alive in Redis."""
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                alive = await redis.exists(WORKER_HEARTBEAT_KEY)
        except Exception:
            return "unknown"
        return "ok" if alive else "unavailable"

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        keep_full_collections_out_of_requests()
        yield
        await graphql.close()
        await redis.aclose()
        await engine.dispose()

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/ready", ready, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),  # subscriptions (graphql-transport-ws)
            *ide.asset_routes(settings),  # GraphiQL's scripts and styles, served locally
            Route("/exports/{file_id}", export_download, methods=["GET"]),
            Route("/reports/{file_id}", report_download, methods=["GET"]),
        ],
        lifespan=lifespan,
        # Outermost first: every answer (a 429 or 413 too) gets a request id and an access log
        # line, and an oversized body still counts against the caller's rate.
        middleware=[
            Middleware(AccessLogMiddleware),
            Middleware(RateLimitMiddleware, settings=settings, redis=redis, paths={"/graphql"}),
            Middleware(
                BodyLimitMiddleware,
                max_bytes=settings.max_request_bytes,
                max_upload_bytes=settings.max_upload_bytes,
                paths={"/graphql"},
            ),
        ],
    )
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.redis = redis
    app.state.graphql = graphql
    return app
