"""Stored exports: the file a user asked for, kept so it can be downloaded again."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, ForeignKey, Index, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

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
