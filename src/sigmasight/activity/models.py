"""The user activity log: who did what, to what, and when."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sigmasight.db import Base, IdMixin


class Action(StrEnum):
    """What happened; stored as its name, so new actions need no migration."""

    REGISTER = "REGISTER"
    LOGIN = "LOGIN"
    LOGIN_FAILED = "LOGIN_FAILED"
    LOGOUT = "LOGOUT"
    TOKEN_REUSE_DETECTED = "TOKEN_REUSE_DETECTED"  # noqa: S105 (an action name)
    ROLE_CHANGED = "ROLE_CHANGED"
    PORTFOLIO_CREATED = "PORTFOLIO_CREATED"
    PORTFOLIO_UPDATED = "PORTFOLIO_UPDATED"
    PORTFOLIO_DELETED = "PORTFOLIO_DELETED"
    IMPORT_POSITIONS = "IMPORT_POSITIONS"
    POSITION_ADDED = "POSITION_ADDED"
    POSITION_UPDATED = "POSITION_UPDATED"
    POSITION_CLOSED = "POSITION_CLOSED"
    POSITION_DELETED = "POSITION_DELETED"
    TAG_CREATED = "TAG_CREATED"
    TAG_UPDATED = "TAG_UPDATED"
    TAG_DELETED = "TAG_DELETED"
    TAGS_SET = "TAGS_SET"
    RESET_DEMO_DATA = "RESET_DEMO_DATA"
    RUN_BATCH_JOB = "RUN_BATCH_JOB"
    IMPORT_MARKET_DATA = "IMPORT_MARKET_DATA"


class ActivityEvent(IdMixin, Base):
    """One thing a person did (or tried to do) to an account's data."""

    __tablename__ = "activity_events"
    __table_args__ = (
        Index("ix_activity_events_user_id_created_at", "user_id", "created_at", "id"),
        Index("ix_activity_events_ip_created_at", "ip", "created_at"),
    )

    # Whose account it concerns; null for a failed login naming no account.
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    # Who did it: the user themself, or an administrator acting on their account.
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql"), nullable=False, default=dict
    )
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
