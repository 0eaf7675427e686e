"""arq worker settings: `sigmasight worker` runs these; `sigmasight dev` runs them in-process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function, Worker, func

from sigmasight import logs
from sigmasight.batch.nightly import KINDS
from sigmasight.batch.runs import DISPATCH_FUNCTION
from sigmasight.batch.schedule import NIGHTLY
from sigmasight.clock import MARKET_TIMEZONE  # cron times are New York times
from sigmasight.db import create_engine, create_session_factory
from sigmasight.graphql.schema import create_schema
from sigmasight.marketdata.providers.chain import build_providers
from sigmasight.redis_client import REDIS_FAULTS, connect_jobs
from sigmasight.reports.service import JOB_NAME
from sigmasight.reports.storage import report_store
from sigmasight.settings import Settings, get_settings
from workers.jobs import (
    BACKFILL_TIMEOUT_SECONDS,
    CHUNK_TRIES,
    JobContext,
    backfill_market_data,
    chunk_function,
    chunk_timeout,
    dispatch_batch_run,
    purge_expired_refresh_tokens,
    run_batch_chunk,
    start_batch_run,
)
from workers.reports import REPORT_TIMEOUT_SECONDS, REPORT_TRIES, generate_report

logger = logging.getLogger(__name__)
WEEKDAYS = {0, 1, 2, 3, 4}  # holidays are skipped by the job itself (arq knows no calendar)
GRACE_SECONDS = 30  # arq's own timeout sits past ours, so ours records the failure first


async def startup(ctx: JobContext) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    assert settings.database_url is not None
    ctx["settings"] = settings
    ctx["engine"] = create_engine(settings.database_url, pool_size=5)
    ctx["session_factory"] = create_session_factory(ctx["engine"])
    ctx["providers"] = build_providers(settings)
    # Reports read their numbers through the API's own schema, as their owner.
    ctx["schema"] = create_schema(settings)
    ctx["report_store"] = report_store(settings)
    # Names the worker in chunk rows, so a run shows who did what.
    ctx["worker_name"] = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def shutdown(ctx: JobContext) -> None:
    await ctx["engine"].dispose()


async def on_job_start(ctx: JobContext) -> None:
    """Every log line of a job carries its id (each job runs in a task of its own)."""
    logs.begin(job_id=ctx.get("job_id"))


def _scheduled(job: str) -> Any:  # an arq WorkerCoroutine
    async def run(ctx: JobContext) -> str | None:
        return await start_batch_run(ctx, job)

    run.__qualname__ = run.__name__ = f"scheduled_{job}"
    return run


def _chunk_functions() -> list[Function]:
    return [
        func(
            run_batch_chunk,
            name=chunk_function(name),
            timeout=chunk_timeout(name) + GRACE_SECONDS,
            max_tries=CHUNK_TRIES,
        )
        for name in KINDS
    ]


CRON_JOBS: list[CronJob] = [
    cron(purge_expired_refresh_tokens, hour={3}, minute={15}, run_at_startup=False),
    *(
        cron(
            _scheduled(s.job),
            name=f"scheduled_{s.job}",
            weekday=WEEKDAYS,
            hour={s.at.hour},
            minute={s.at.minute},
            unique=True,  # several workers share one cron table; one of them enqueues each run
            timeout=60,
        )
        for s in NIGHTLY
    ),
]


class WorkerSettings:
    """arq's settings; `redis_settings` and `ctx` come from the environment (`worker_settings`
    binds them to other settings, as `dev` does)."""

    functions: list[Any] = [
        purge_expired_refresh_tokens,
        func(backfill_market_data, timeout=BACKFILL_TIMEOUT_SECONDS),
        func(dispatch_batch_run, name=DISPATCH_FUNCTION, timeout=120),
        func(
            generate_report,
            name=JOB_NAME,
            timeout=REPORT_TIMEOUT_SECONDS + GRACE_SECONDS,
            max_tries=REPORT_TRIES,
        ),
        *_chunk_functions(),
    ]
    cron_jobs = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    on_job_start = on_job_start
    timezone = MARKET_TIMEZONE


def worker_settings(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker` bound to these settings."""
    assert settings.redis_url is not None
    return {
        "functions": WorkerSettings.functions,
        "cron_jobs": WorkerSettings.cron_jobs,
        "on_startup": WorkerSettings.on_startup,
        "on_shutdown": WorkerSettings.on_shutdown,
        "on_job_start": WorkerSettings.on_job_start,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "ctx": {"settings": settings},
        "timezone": WorkerSettings.timezone,
        "health_check_interval": settings.worker_heartbeat_seconds,
    }


RESTART_DELAYS_SECONDS = (1, 2, 5, 10)  # then every 10 s until Redis answers again


async def run_worker(settings: Settings, **overrides: Any) -> None:
    """Run the worker until cancelled, starting it again whenever it stops with an error.

    arq's worker returns with an error when its Redis connection fails (a restart, a network
    cut), which would leave jobs queued and the cron table silent with nobody noticing. Here
    the jobs it had started finish, it is closed, and a new worker starts (once Redis answers).
    """
    failures = 0
    while True:
        worker = Worker(
            **{**worker_settings(settings), **overrides},
            redis_pool=connect_jobs(settings),
            handle_signals=False,
        )
        try:
            await worker.async_run()
        except Exception as exc:
            if "engine" in worker.ctx:  # it had started: this is a new outage, retry soon
                failures = 0
            delay = RESTART_DELAYS_SECONDS[min(failures, len(RESTART_DELAYS_SECONDS) - 1)]
            failures += 1
            if isinstance(exc, REDIS_FAULTS):
                logger.warning("worker lost Redis (%s); starting again in %s s", exc, delay)
            else:  # not expected: keep the traceback, and still keep jobs running
                logger.exception("worker stopped; starting again in %s s", delay)
            await _release(worker)
            await asyncio.sleep(delay)
            continue
        except BaseException:
            await _release(worker, cancel_jobs=True)
            raise
        await _release(worker)
        return


async def _release(worker: Worker, *, cancel_jobs: bool = False) -> None:
    """Let (or make) the worker's jobs end, then close its database engine and Redis pool,
    tolerating a Redis that is gone."""
    if cancel_jobs:
        for task in worker.tasks.values():
            task.cancel()
    await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    if worker.main_task is not None and not worker.main_task.done():
        worker.main_task.cancel()
    if "engine" in worker.ctx:
        await shutdown(worker.ctx)
    if worker._pool is not None:  # arq exposes no other way to ask
        with contextlib.suppress(*REDIS_FAULTS):
            await worker.pool.delete(worker.health_check_key)  # no longer alive for /ready
        with contextlib.suppress(*REDIS_FAULTS):
            await worker.pool.aclose()
