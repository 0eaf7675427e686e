"""Record what people do, and read it back newest first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.activity.models import Action, ActivityEvent
from sigmasight.pagination import Page, PageRequest, paginate


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a change came from: who made it, from which address, in which request."""

    actor_id: uuid.UUID | None
    ip: str | None = None
    request_id: str | None = None


async def record(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None,
    action: Action,
    origin: Origin,
    at: datetime,
    subject_type: str | None = None,
    subject_id: uuid.UUID | str | None = None,
    details: dict[str, Any] | None = None,
) -> ActivityEvent:
    """Add an event to the session's transaction, so it is kept exactly when the change is.

    `details` is shown to the account's owner: never put secrets (passwords, tokens) in it."""
    event = ActivityEvent(
        id=uuid.uuid4(),
        user_id=user_id,
        actor_id=origin.actor_id,
        action=action.value,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        details=details or {},
        ip=origin.ip,
        request_id=origin.request_id,
        created_at=at,
    )
    session.add(event)  # written with the change itself when the transaction flushes
    return event


async def page(
    session: AsyncSession, *, user_id: uuid.UUID, request: PageRequest
) -> Page[ActivityEvent]:
    """One page of a user's events, newest first."""
    stmt = select(ActivityEvent).where(ActivityEvent.user_id == user_id)
    return await paginate(
        session,
        stmt,
        keys=[ActivityEvent.created_at, ActivityEvent.id],
        request=request,
        descending=True,
    )


async def count(session: AsyncSession, *, user_id: uuid.UUID) -> int:
    """How many events a user's log holds."""
    stmt = select(func.count()).where(ActivityEvent.user_id == user_id)
    return int((await session.execute(stmt)).scalar_one())
