"""Job runs: create, track progress, finish, and show them to those allowed to see them."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.auth.actor import Actor
from sigmasight.batch.models import BatchJob, JobStatus
from sigmasight.pagination import Page, PageRequest, paginate

MAX_RECORDED_ERRORS = 200


def _visible(actor: Actor) -> Select[BatchJob]:
    # System jobs (nobody requested them) are public; a user's own jobs are theirs alone.
    stmt = select(BatchJob)
    if not actor.is_admin:
        stmt = stmt.where(
            or_(BatchJob.requested_by.is_(None), BatchJob.requested_by == actor.user_id)
        )
    return stmt


async def create(
    session: AsyncSession,
    *,
    name: str,
    params: dict[str, Any],
    requested_by: uuid.UUID | None,
    as_of: date | None,
) -> BatchJob:
    """Record a queued job run."""
    job = BatchJob(
        name=name, params=params, requested_by=requested_by, as_of=as_of, counts={}, errors=[]
    )
    session.add(job)
    await session.flush()
    return job


async def get(session: AsyncSession, *, actor: Actor, job_id: uuid.UUID) -> BatchJob | None:
    """The job run if the actor may see it."""
    return (
        await session.execute(_visible(actor).where(BatchJob.id == job_id))
    ).scalar_one_or_none()


async def list_for_actor(
    session: AsyncSession, *, actor: Actor, name: str | None, page: PageRequest
) -> Page[BatchJob]:
    """Job runs the actor may see, newest first."""
    stmt = _visible(actor)
    if name:
        stmt = stmt.where(BatchJob.name == name)
    keys = [BatchJob.created_at, BatchJob.id]
    return await paginate(session, stmt, keys=keys, request=page, descending=True)


async def start(session: AsyncSession, *, job_id: uuid.UUID, now: datetime) -> None:
    """Mark a job running."""
    await session.execute(
        update(BatchJob)
        .where(BatchJob.id == job_id)
        .values(status=JobStatus.RUNNING, started_at=now, progress=0.0)
    )


async def claim(
    session: AsyncSession, *, job_id: uuid.UUID, now: datetime, claimable: Collection[JobStatus]
) -> bool:
    """Mark a job running if it is in one of the `claimable` states; whether it was. One
    statement, so of two runs claiming at once only one gets it."""
    claimed = await session.execute(
        update(BatchJob)
        .where(BatchJob.id == job_id, BatchJob.status.in_(claimable))
        .values(status=JobStatus.RUNNING, started_at=now, progress=0.0)
        .returning(BatchJob.id)
    )
    return claimed.first() is not None


async def report_progress(
    session: AsyncSession, *, job_id: uuid.UUID, progress: float, message: str | None = None
) -> None:
    """Record how far a running job is (0 to 1)."""
    await session.execute(
        update(BatchJob)
        .where(BatchJob.id == job_id)
        .values(progress=max(0.0, min(1.0, progress)), message=message)
    )


async def finish(
    session: AsyncSession,
    *,
    job_id: uuid.UUID,
    now: datetime,
    counts: dict[str, int],
    errors: list[dict[str, Any]],
    message: str,
    failed: bool = False,
) -> None:
    """Close a job run: SUCCEEDED, PARTIAL when some items failed, or FAILED."""
    status = JobStatus.FAILED if failed else JobStatus.PARTIAL if errors else JobStatus.SUCCEEDED
    await session.execute(
        update(BatchJob)
        .where(BatchJob.id == job_id)
        .values(
            status=status,
            finished_at=now,
            progress=1.0,
            counts=counts,
            errors=errors[:MAX_RECORDED_ERRORS],
            message=message,
        )
    )


async def count_for_actor(session: AsyncSession, *, actor: Actor, name: str | None) -> int:
    """How many job runs the actor may see."""
    stmt = _visible(actor)
    if name:
        stmt = stmt.where(BatchJob.name == name)
    return int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
