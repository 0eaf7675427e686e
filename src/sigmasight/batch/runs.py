"""Fanned-out runs: a parent `batch_jobs` row, its items split into chunks any worker may take.

A run is started (its row queued), dispatched (its items listed and cut into `batch_job_chunks`
rows, each then queued as its own arq job) and closed by whichever chunk finishes last. A chunk
commits its results and its own row in one transaction, so it is done with every row written or
not done at all; a chunk taken twice (a worker died, the queue redelivered it) finds itself
done and does nothing. One item's failure is recorded with its error and the rest go on.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sigmasight import clock
from sigmasight.batch import progress
from sigmasight.batch.models import BatchJob, BatchJobChunk, JobStatus
from sigmasight.batch.service import MAX_RECORDED_ERRORS
from sigmasight.db import transaction
from sigmasight.settings import Settings

CHUNK_FUNCTION = "run_batch_chunk"  # the worker function that processes one chunk
DISPATCH_FUNCTION = "dispatch_batch_run"


@dataclass
class Resources:
    """What chunk processing needs, opened once per worker (or command)."""

    session_factory: async_sessionmaker[AsyncSession]
    redis: Redis
    settings: Settings
    providers: Sequence[Any] = ()


@dataclass
class ChunkResult:
    done: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # item -> why
    # Steps that must see the chunk's rows committed, e.g. dropping caches of what it stored.
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


Process = Callable[
    [Resources, AsyncSession, list[str], date, dict[str, Any]], Awaitable[ChunkResult]
]


@dataclass(frozen=True)
class JobKind:
    """A job that can be fanned out: how to list its items and process a chunk of them."""

    name: str
    items: Callable[[AsyncSession, dict[str, Any]], Awaitable[list[str]]]
    process: Process
    chunk_size: int
    unit: str  # what an item is, for messages ("portfolios", "symbols")


async def start(
    session: AsyncSession,
    *,
    kind: JobKind,
    as_of: date,
    requested_by: uuid.UUID | None,
    params: dict[str, Any] | None = None,
) -> BatchJob:
    """Queue a run; an unfinished earlier run of the same job and day is superseded by it."""
    job = BatchJob(
        name=kind.name,
        as_of=as_of,
        requested_by=requested_by,
        params=params or {},
        counts={},
        errors=[],
    )
    session.add(job)
    await session.flush()
    await session.execute(
        update(BatchJob)
        .where(
            BatchJob.name == kind.name,
            BatchJob.as_of == as_of,
            BatchJob.id != job.id,
            BatchJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
        )
        .values(
            status=JobStatus.FAILED, finished_at=clock.now(), message=f"superseded by run {job.id}"
        )
    )
    return job


async def dispatch(
    session: AsyncSession, *, kind: JobKind, job_id: uuid.UUID, now: datetime
) -> list[int]:
    """List the run's items and cut them into chunks; returns the chunk indexes to queue (none
    when the run is not waiting to start, e.g. dispatched already or superseded)."""
    job = await session.get(BatchJob, job_id, with_for_update=True)
    if job is None or job.status is not JobStatus.QUEUED:
        return []
    items = await kind.items(session, job.params)
    chunks = [items[i : i + kind.chunk_size] for i in range(0, len(items), kind.chunk_size)]
    session.add_all(
        BatchJobChunk(job_id=job_id, index=i, items=chunk, errors=[])
        for i, chunk in enumerate(chunks)
    )
    job.status = JobStatus.RUNNING
    job.started_at = now
    job.counts = {"chunks": len(chunks), kind.unit: len(items), "done": 0, "failed": 0}
    job.message = f"{len(items)} {kind.unit} in {len(chunks)} chunks"
    if not chunks:
        _close(job, now=now, done=0, failed=0)
    await session.flush()
    return list(range(len(chunks)))


async def run_chunk(
    resources: Resources,
    *,
    kind: JobKind,
    job_id: uuid.UUID,
    index: int,
    worker: str,
    now: datetime,
) -> bool:
    """Process one chunk unless it is done or its run has been superseded; True if processed.

    The chunk's results, its row and the run's totals commit together.
    """
    factory = resources.session_factory
    async with transaction(factory) as session:
        claimed = await session.execute(
            update(BatchJobChunk)
            .where(
                BatchJobChunk.job_id == job_id,
                BatchJobChunk.index == index,
                BatchJobChunk.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
                BatchJobChunk.job_id.in_(
                    select(BatchJob.id).where(BatchJob.status == JobStatus.RUNNING)
                ),
            )
            .values(
                status=JobStatus.RUNNING,
                attempts=BatchJobChunk.attempts + 1,
                worker=worker,
                started_at=now,
            )
            .returning(BatchJobChunk.items)
        )
        items = claimed.scalar_one_or_none()
        job = await session.get(BatchJob, job_id)
    if items is None or job is None or job.as_of is None:
        return False
    async with transaction(factory) as session:
        result = await kind.process(resources, session, list(items), job.as_of, job.params)
        job = await _finish_chunk(session, kind, job_id, index, result, worker=worker)
    for step in result.after_commit:
        await step()
    await progress.publish(resources.redis, job)
    return True


async def fail_chunk(
    resources: Resources, *, kind: JobKind, job_id: uuid.UUID, index: int, worker: str, error: str
) -> None:
    """Record a chunk that could not be processed at all (its retries spent): each of its items
    failed with `error`, so the run can still close."""
    async with transaction(resources.session_factory) as session:
        chunk = await session.get(BatchJobChunk, (job_id, index))
        if chunk is None or chunk.status.finished:
            return
        result = ChunkResult(failed=dict.fromkeys(chunk.items, error))
        job = await _finish_chunk(session, kind, job_id, index, result, worker=worker)
    await progress.publish(resources.redis, job)


async def _finish_chunk(
    session: AsyncSession,
    kind: JobKind,
    job_id: uuid.UUID,
    index: int,
    result: ChunkResult,
    *,
    worker: str,
) -> BatchJob:
    now = clock.now()
    errors = [{"item": item, "message": message} for item, message in sorted(result.failed.items())]
    await session.execute(
        update(BatchJobChunk)
        .where(BatchJobChunk.job_id == job_id, BatchJobChunk.index == index)
        .values(
            status=JobStatus.PARTIAL if result.failed else JobStatus.SUCCEEDED,
            worker=worker,
            finished_at=now,
            done=result.done,
            failed=len(result.failed),
            errors=errors,
        )
    )
    # The run's row is locked while its totals are summed, so the last chunk closes it once.
    job = await session.get(BatchJob, job_id, with_for_update=True, populate_existing=True)
    assert job is not None
    totals = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(BatchJobChunk.finished_at.is_not(None)),
                func.coalesce(func.sum(BatchJobChunk.done), 0),
                func.coalesce(func.sum(BatchJobChunk.failed), 0),
            ).where(BatchJobChunk.job_id == job_id)
        )
    ).one()
    chunks, finished, done, failed = (int(v) for v in totals)
    job.counts = {**job.counts, "chunksDone": finished, "done": done, "failed": failed}
    job.errors = [*job.errors, *errors][:MAX_RECORDED_ERRORS]
    job.progress = finished / chunks if chunks else 1.0
    job.message = f"{finished}/{chunks} chunks: {done} {kind.unit} done, {failed} failed"
    if finished == chunks and job.status is JobStatus.RUNNING:
        _close(job, now=now, done=done, failed=failed)
    await session.flush()
    return job


def _close(job: BatchJob, *, now: datetime, done: int, failed: int) -> None:
    job.status = (
        JobStatus.FAILED
        if failed and not done
        else JobStatus.PARTIAL
        if failed
        else JobStatus.SUCCEEDED
    )
    job.finished_at = now
    job.progress = 1.0


async def run_here(
    resources: Resources,
    *,
    kind: JobKind,
    job_id: uuid.UUID,
    worker: str,
    on_chunk: Callable[[int], None] = lambda total: None,
) -> BatchJob:
    """Dispatch a queued run and process every chunk in this process, one after another (for
    commands, which need no worker); `on_chunk(total)` is called after each. Returns the run."""
    async with transaction(resources.session_factory) as session:
        chunks = await dispatch(session, kind=kind, job_id=job_id, now=clock.now())
    for index in chunks:
        await run_chunk(
            resources, kind=kind, job_id=job_id, index=index, worker=worker, now=clock.now()
        )
        on_chunk(len(chunks))
    async with resources.session_factory() as session:
        job = await session.get(BatchJob, job_id)
    assert job is not None
    return job
