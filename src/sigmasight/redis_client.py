"""Redis connections that fail fast: every client the API and the worker open comes from here.

Redis holds caches, rate-limit counters, the job queue and progress messages, never the only
copy of anything. So a Redis that is paused, slow or gone must cost a request at most
`settings.redis_timeout_seconds`, after which callers fall back to PostgreSQL or carry on.
And once a call has failed, the client's calls fail at once for
`settings.redis_retry_after_seconds` instead of each waiting out its own timeout.
"""

from __future__ import annotations

import time
from typing import Any

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection, Connection, parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from sigmasight.settings import Settings

# What a Redis call raises when the server is unreachable, paused or drops the connection
# (socket timeouts surface as redis' TimeoutError, refused connections as OSError subclasses).
REDIS_FAULTS: tuple[type[Exception], ...] = (RedisError, OSError)
_CONNECTION_FAULTS = (RedisConnectionError, RedisTimeoutError, OSError)


class Breaker:
    """Remembers a connection fault for `retry_after` seconds, shared by a client's
    connections; the first call after that tries Redis again."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        self.open_until = 0.0

    def trip(self) -> None:
        self.open_until = time.monotonic() + self.retry_after

    def check(self) -> None:
        """Raise at once while a recent fault says Redis will not answer."""
        left = self.open_until - time.monotonic()
        if left > 0:
            raise RedisConnectionError(f"Redis unavailable; next attempt in {left:.1f} s")


def _fail_fast(base: type[AbstractConnection], breaker: Breaker) -> type[AbstractConnection]:
    """`base` (TCP, TLS or Unix socket connection) that consults and trips `breaker`."""

    class FailFastConnection(base):  # type: ignore[valid-type,misc]
        async def connect(self) -> None:
            breaker.check()
            try:
                await super().connect()
            except _CONNECTION_FAULTS:
                breaker.trip()
                raise

        async def send_packed_command(self, *args: Any, **kwargs: Any) -> None:
            breaker.check()
            try:
                await super().send_packed_command(*args, **kwargs)
            except _CONNECTION_FAULTS:
                breaker.trip()
                raise

        async def read_response(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return await super().read_response(*args, **kwargs)
            except _CONNECTION_FAULTS:
                breaker.trip()
                raise

    return FailFastConnection


def _pool(settings: Settings) -> ConnectionPool:
    assert settings.redis_url is not None
    options: dict[str, Any] = {
        "socket_timeout": settings.redis_timeout_seconds,
        "socket_connect_timeout": settings.redis_timeout_seconds,
        "health_check_interval": settings.redis_health_check_seconds,
    }
    options |= parse_url(settings.redis_url)  # host, port, db, password, unix socket path
    base = options.pop("connection_class", Connection)
    breaker = Breaker(settings.redis_retry_after_seconds)
    return ConnectionPool(connection_class=_fail_fast(base, breaker), **options)


def connect(settings: Settings) -> Redis:
    """A Redis client for caches and counters; connects lazily, each call bounded in time."""
    client: Redis = Redis.from_pool(_pool(settings))
    return client


def connect_jobs(settings: Settings) -> ArqRedis:
    """The job queue's client (arq's), with the same time bounds as `connect`."""
    client = ArqRedis(_pool(settings))
    client.auto_close_connection_pool = True  # closing the client closes its own pool
    return client
