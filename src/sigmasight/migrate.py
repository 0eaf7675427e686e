"""Apply Alembic migrations from code (CLI, dev start-up, tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from sigmasight.paths import project_root


def alembic_config(database_url: str) -> Config:
    root = project_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (blocking; run it off the event loop)."""
    command.upgrade(alembic_config(database_url), revision)
