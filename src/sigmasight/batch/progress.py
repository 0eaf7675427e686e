"""Job progress over Redis pub/sub, so a subscriber on any API process hears any worker."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from sigmasight.batch.models import BatchJob, JobStatus
from sigmasight.redis_client import REDIS_FAULTS

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Progress:
    job_id: uuid.UUID
    status: JobStatus
    progress: float  # 0 to 1
    message: str | None

    @classmethod
    def of(cls, job: BatchJob) -> Progress:
        return cls(job.id, job.status, job.progress, job.message)


RECHECK_SECONDS = 15.0


def _channel(job_id: uuid.UUID) -> str:
    return f"sigmasight:job-progress:{job_id}"


async def publish(redis: Redis, job: BatchJob) -> None:
    """Tell subscribers where a job stands (call after the change is committed)."""
    update = {"status": job.status.value, "progress": job.progress, "message": job.message}
    try:
        await redis.publish(_channel(job.id), json.dumps(update))
    except REDIS_FAULTS as exc:
        # The stored row is the truth; subscribers re-read it every RECHECK_SECONDS.
        logger.warning("job progress not published: %s", exc)


async def follow(
    redis: Redis,
    job_id: uuid.UUID,
    *,
    current: Callable[[], Awaitable[Progress]],
    recheck_seconds: float = RECHECK_SECONDS,
) -> AsyncIterator[Progress]:
    """Where the job stands now (`current`, read once subscribed, so no update falls between),
    then its updates as published, never going backwards, until it has finished.

    When nothing is published for `recheck_seconds`, the stored state is read again, so a
    run closed without a message (superseded by a rerun, its worker gone) still ends here.
    Without Redis (unreachable, or lost midway) the stored state is read every
    `recheck_seconds` instead: slower updates, same ending.
    """
    latest: Progress | None = None
    try:
        async with redis.pubsub() as pubsub:
            await pubsub.subscribe(_channel(job_id))
            latest = await current()
            yield latest
            while not latest.status.finished:
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=recheck_seconds
                )
                if message is None:
                    update = await current()
                else:
                    raw = json.loads(message["data"])
                    update = Progress(
                        job_id, JobStatus(raw["status"]), float(raw["progress"]), raw["message"]
                    )
                if _moves_on(latest, update):
                    latest = update
                    yield latest
        return
    except REDIS_FAULTS as exc:
        logger.warning("job progress messages unavailable, reading the stored job: %s", exc)
    if latest is None:
        latest = await current()
        yield latest
    while not latest.status.finished:
        await asyncio.sleep(recheck_seconds)
        update = await current()
        if _moves_on(latest, update):
            latest = update
            yield latest


def _moves_on(latest: Progress, update: Progress) -> bool:
    """Chunks finishing on several workers may publish out of order: never go back."""
    return update.status.finished or (update != latest and update.progress >= latest.progress)
