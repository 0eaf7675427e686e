"""arq worker settings: `sigmasight worker` runs these; `sigmasight dev` runs them in-process."""

from __future__ import annotations

from typing import Any

from arq import cron
from arq.connections import RedisSettings
from arq.worker import func

from sigmasight.clock import MARKET_TIMEZONE  # cron times are New York times
from sigmasight.db import create_engine, create_session_factory
from sigmasight.marketdata.providers.chain import build_providers
from sigmasight.settings import Settings, get_settings
from workers.jobs import (
    BACKFILL_TIMEOUT_SECONDS,
    JobContext,
    backfill_market_data,
    purge_expired_refresh_tokens,
)


async def startup(ctx: JobContext) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    assert settings.database_url is not None
    ctx["engine"] = create_engine(settings.database_url, pool_size=5)
    ctx["session_factory"] = create_session_factory(ctx["engine"])
    ctx["providers"] = build_providers(settings)


async def shutdown(ctx: JobContext) -> None:
    await ctx["engine"].dispose()


def worker_settings(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `arq.Worker` bound to these settings."""
    assert settings.redis_url is not None
    return {
        "functions": [
            purge_expired_refresh_tokens,
            func(backfill_market_data, timeout=BACKFILL_TIMEOUT_SECONDS),
        ],
        "cron_jobs": [
            cron(purge_expired_refresh_tokens, hour={3}, minute={15}, run_at_startup=False)
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "ctx": {"settings": settings},
        "timezone": MARKET_TIMEZONE,
    }
