"""Every mapped table, imported so metadata is complete for Alembic and tests."""

from sigmasight.activity.models import ActivityEvent
from sigmasight.auth.models import RefreshToken, User
from sigmasight.batch.models import BatchJob, BatchJobChunk
from sigmasight.db import Base
from sigmasight.marketdata.models import DailyBar, Security, SymbolFetchStatus
from sigmasight.modeling.models import ModelingSession, ProFormaTrade, SavedModelingSnapshot
from sigmasight.portfolios.models import Portfolio, Position, Tag, position_tags
from sigmasight.reports.models import Export, Report
from sigmasight.risk.models import PortfolioRiskSnapshot, PortfolioSnapshot, PositionSnapshot

metadata = Base.metadata

__all__ = [
    "ActivityEvent",
    "BatchJob",
    "BatchJobChunk",
    "DailyBar",
    "Export",
    "ModelingSession",
    "Portfolio",
    "PortfolioRiskSnapshot",
    "PortfolioSnapshot",
    "Position",
    "PositionSnapshot",
    "ProFormaTrade",
    "RefreshToken",
    "Report",
    "SavedModelingSnapshot",
    "Security",
    "SymbolFetchStatus",
    "Tag",
    "User",
    "metadata",
    "position_tags",
]
