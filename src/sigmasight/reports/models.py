"""Stored exports: the file a user asked for, kept so it can be downloaded again."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, ForeignKey, Index, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sigmasight.batch.models import BatchJob
from sigmasight.db import Base, IdMixin


class ExportKind(StrEnum):
    TRADES = "TRADES"  # order tickets: a modeling session's trades or an ad-hoc list
    PORTFOLIO = "PORTFOLIO"  # a portfolio's tables: positions, Greeks, exposures, factors


class ExportFormat(StrEnum):
    CSV = "CSV"
    JSON = "JSON"
    FIX = "FIX"  # FIX 4.4 NewOrderSingle messages; trades only
    XLSX = "XLSX"  # one worksheet per table; portfolios only


def _enum(kind: type[StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=16, create_constraint=True)


class Export(IdMixin, Base):
    """One exported file and what it was made from; the bytes are loaded only on download."""

    __tablename__ = "exports"
    __table_args__ = (Index("ix_exports_owner_created", "owner_id", "created_at", "id"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[ExportKind] = mapped_column(_enum(ExportKind), nullable=False)
    format: Mapped[ExportFormat] = mapped_column(_enum(ExportFormat), nullable=False)
    # What it was made from; the file stays when the session or portfolio is deleted.
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("modeling_sessions.id", ondelete="SET NULL"), index=True
    )
    portfolio_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("portfolios.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)  # bytes of `content`
    # Deferred: lists of exports never read the files.
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class ReportKind(StrEnum):
    RISK_SUMMARY = "RISK_SUMMARY"  # totals, exposures with limits, Greeks, factors, VaR, stress
    EXPOSURES = "EXPOSURES"  # exposures by basis, sector, factor, underlying; exposure history
    PERFORMANCE = "PERFORMANCE"  # returns, drawdown and ratios over a period, with attribution
    SCENARIOS = "SCENARIOS"  # every stress scenario's P&L, and the largest option risk profile
    MODELING_SESSION = "MODELING_SESSION"  # a what-if session's trades and before/after impact


class ReportFormat(StrEnum):
    PDF = "PDF"
    HTML = "HTML"  # one self-contained file: styles and charts inline, nothing fetched


class Report(IdMixin, Base):
    """A requested report: what to report on, and where its file is stored once made.

    Status, progress, timing and errors live on its job run (`job_id`), the row that
    `jobProgress` follows; the file itself lives in the report store (`storage_key`).
    """

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_owner_created", "owner_id", "created_at", "id"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[ReportKind] = mapped_column(_enum(ReportKind), nullable=False)
    format: Mapped[ReportFormat] = mapped_column(_enum(ReportFormat), nullable=False)
    # What it reports on; a made report stays when its portfolio or session is deleted.
    portfolio_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("portfolios.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("modeling_sessions.id", ondelete="SET NULL"), index=True
    )
    period: Mapped[str | None] = mapped_column(String(16))  # a performance period's name
    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("batch_jobs.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    job: Mapped[BatchJob] = relationship(lazy="joined", innerjoin=True)
    filename: Mapped[str | None] = mapped_column(String(255))  # set once the file is stored
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)  # bytes
    pages: Mapped[int | None] = mapped_column(Integer)  # PDF pages; null for HTML
    storage_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
