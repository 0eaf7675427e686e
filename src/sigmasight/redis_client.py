"""Redis connections that fail fast: every client the API and the worker open comes from here.

Redis holds caches, rate-limit counters, the job queue and progress messages, never the only
copy of anything. So a Redis that is paused, slow or gone must cost a request at most
`settings.redis_timeout_seconds`, after which callers fall back to PostgreSQL or carry on.
"""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError

from sigmasight.settings import Settings

# What a Redis call raises when the server is unreachable, paused or drops the connection
# (socket timeouts surface as redis' TimeoutError, refused connections as OSError subclasses).
REDIS_FAULTS: tuple[type[Exception], ...] = (RedisError, OSError)


def _options(settings: Settings) -> dict[str, Any]:
    return {
        "socket_timeout": settings.redis_timeout_seconds,
        "socket_connect_timeout": settings.redis_timeout_seconds,
        "health_check_interval": settings.redis_health_check_seconds,
    }


def connect(settings: Settings) -> Redis:
    """A Redis client for caches and counters; connects lazily, each call bounded in time."""
    assert settings.redis_url is not None
    client: Redis = Redis.from_url(settings.redis_url, **_options(settings))
    return client


def connect_jobs(settings: Settings) -> ArqRedis:
    """The job queue's client (arq's), with the same time bounds as `connect`."""
    assert settings.redis_url is not None
    pool: ArqRedis = ArqRedis.from_url(settings.redis_url, **_options(settings))
    return pool
