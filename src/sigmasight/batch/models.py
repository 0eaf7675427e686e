"""Batch and background job runs: one row per run, with its progress and outcome."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Enum, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.db import Base, IdMixin, TimestampMixin


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    PARTIAL = "PARTIAL"  # finished, but some items failed
    FAILED = "FAILED"

    @property
    def finished(self) -> bool:
        return self not in (JobStatus.QUEUED, JobStatus.RUNNING)


def _status_column() -> Mapped[JobStatus]:
    return mapped_column(
        Enum(JobStatus, native_enum=False, length=16, create_constraint=True),
        default=JobStatus.QUEUED,
        nullable=False,
    )


def _json(default: type) -> Mapped[Any]:
    return mapped_column(
        JSON().with_variant(JSONB(), "postgresql"), default=default, nullable=False
    )


class BatchJob(IdMixin, TimestampMixin, Base):
    __tablename__ = "batch_jobs"
    __table_args__ = (Index("ix_batch_jobs_name_created_at", "name", "created_at"),)

    name: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[JobStatus] = _status_column()
    as_of: Mapped[date | None] = mapped_column(Date)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    progress: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    # What the job works on (e.g. symbols to backfill) and what it counted / hit along the way.
    params: Mapped[dict[str, Any]] = _json(dict)
    counts: Mapped[dict[str, int]] = _json(dict)
    errors: Mapped[list[dict[str, Any]]] = _json(list)


class BatchJobChunk(Base):
    """One slice of a fanned-out run's items, processed by whichever worker takes it.

    Its row commits in the same transaction as the chunk's results, so a chunk is either done
    with all its rows written or not done at all; `attempts` shows how often a worker took it.
    """

    __tablename__ = "batch_job_chunks"

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("batch_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    items: Mapped[list[str]] = _json(list)  # portfolio ids or symbols
    status: Mapped[JobStatus] = _status_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    worker: Mapped[str | None] = mapped_column(String(128))  # who processed it last
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    failed: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    errors: Mapped[list[dict[str, Any]]] = _json(list)
