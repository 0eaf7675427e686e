"""Following a job's progress still ends when Redis cannot carry the messages."""

from __future__ import annotations

import socket
import uuid

from sigmasight.batch import progress
from sigmasight.batch.models import JobStatus
from sigmasight.redis_client import connect
from sigmasight.settings import Settings


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_progress_is_read_from_the_stored_job_when_redis_is_down(
    settings: Settings,
) -> None:
    # given a Redis nobody listens on, and a job the database shows running then finished
    dead = connect(settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{_unused_port()}"}))
    job_id = uuid.uuid4()
    stored = iter(
        [
            progress.Progress(job_id, JobStatus.RUNNING, 0.5, None),
            progress.Progress(job_id, JobStatus.RUNNING, 0.5, None),
            progress.Progress(job_id, JobStatus.SUCCEEDED, 1.0, "done"),
        ]
    )

    async def current() -> progress.Progress:
        return next(stored)

    # when
    try:
        seen = [
            update.status
            async for update in progress.follow(dead, job_id, current=current, recheck_seconds=0)
        ]
    finally:
        await dead.aclose()
    # then
    assert seen == [JobStatus.RUNNING, JobStatus.SUCCEEDED]
