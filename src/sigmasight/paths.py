"""Where the project's files (alembic.ini, migrations/, seeds/) are on this machine."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def project_root() -> Path:
    """The folder holding alembic.ini: the source checkout, or the working directory of an image."""
    for candidate in (Path(__file__).resolve().parents[2], Path.cwd()):
        if (candidate / "alembic.ini").is_file():
            return candidate
    raise RuntimeError("alembic.ini not found; run from the project (or image) root")
