"""Every mapped table, imported so metadata is complete for Alembic and tests."""

from sigmasight.auth.models import RefreshToken, User
from sigmasight.batch.models import BatchJob
from sigmasight.db import Base
from sigmasight.marketdata.models import DailyBar, Security, SymbolFetchStatus
from sigmasight.portfolios.models import Portfolio, Position, Tag, position_tags

metadata = Base.metadata

__all__ = [
    "BatchJob",
    "DailyBar",
    "Portfolio",
    "Position",
    "RefreshToken",
    "Security",
    "SymbolFetchStatus",
    "Tag",
    "User",
    "metadata",
    "position_tags",
]
