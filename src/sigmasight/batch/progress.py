"""Job progress over Redis pub/sub, so a subscriber on any API process hears any worker."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from sigmasight.batch.models import BatchJob, JobStatus


@dataclass(frozen=True, slots=True)
class Progress:
    job_id: uuid.UUID
    status: JobStatus
    progress: float  # 0 to 1
    message: str | None

    @classmethod
    def of(cls, job: BatchJob) -> Progress:
        return cls(job.id, job.status, job.progress, job.message)


def _channel(job_id: uuid.UUID) -> str:
    return f"sigmasight:job-progress:{job_id}"


async def publish(redis: Redis, job: BatchJob) -> None:
    """Tell subscribers where a job stands (call after the change is committed)."""
    update = {"status": job.status.value, "progress": job.progress, "message": job.message}
    await redis.publish(_channel(job.id), json.dumps(update))


async def follow(
    redis: Redis, job_id: uuid.UUID, *, current: Callable[[], Awaitable[Progress]]
) -> AsyncIterator[Progress]:
    """Where the job stands now (`current`, read once subscribed, so no update falls between),
    then its updates as published, never going backwards, until one says it has finished."""
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(_channel(job_id))
        latest = await current()
        yield latest
        if latest.status.finished:
            return
        async for message in pubsub.listen():
            if message["type"] != "message":
                continue
            update = json.loads(message["data"])
            status = JobStatus(update["status"])
            # Chunks finishing on several workers may publish out of order.
            if not status.finished and float(update["progress"]) < latest.progress:
                continue
            latest = Progress(job_id, status, float(update["progress"]), update["message"])
            yield latest
            if status.finished:
                return
