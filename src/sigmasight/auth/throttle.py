"""Failed sign-in throttle, per account and per client address, before any password is checked.

Each sign-in attempt is counted before argon2 runs, so a burst of parallel guesses is cut off at
the limit rather than after it. Below the limit an attempt goes ahead. From the limit on, an
attempt goes ahead only by taking the lock that then refuses every other attempt until it
expires; each further failure doubles the lock (30 s, 60 s, ... up to the configured maximum). A
successful sign-in clears the account's count. Counts live in Redis so every API process shares
them; when Redis cannot answer, the committed LOGIN_FAILED rows of the activity log are counted
instead, so an outage neither opens the door nor locks everyone out.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.activity.models import Action, ActivityEvent
from sigmasight.auth.sessions import redis_or_none
from sigmasight.errors import DomainError
from sigmasight.settings import Settings

FIRST_LOCK_SECONDS = 30


class TooManyAttempts(DomainError):
    """Too many failed sign-ins: wait `retry_after` seconds."""

    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(
            f"Too many failed sign-in attempts; try again in {self.retry_after} s.",
            code="TOO_MANY_ATTEMPTS",
        )

    @property
    def extensions(self) -> dict[str, object]:
        return {**super().extensions, "retryAfter": self.retry_after}


@dataclass(frozen=True, slots=True)
class Scope:
    """What one attempt is counted against: an account key (folded email) and an address."""

    account_key: str
    address: str | None


def lock_seconds(over: int, settings: Settings) -> int:
    """The lock after the limit was passed `over` times (0 = reached): 30 s, doubling, capped."""
    if over > 20:  # far past the cap already; keeps the power small
        return settings.login_lockout_max_seconds
    return int(min(settings.login_lockout_max_seconds, FIRST_LOCK_SECONDS * 2**over))


def _keys(scope: Scope) -> list[tuple[str, str, str]]:
    """(counter key, lock key, setting name) for each thing an attempt is counted against."""
    keys = [
        (
            f"sigmasight:login:fail:account:{scope.account_key}",
            f"sigmasight:login:lock:account:{scope.account_key}",
            "login_failures_per_account",
        )
    ]
    if scope.address:
        keys.append(
            (
                f"sigmasight:login:fail:address:{scope.address}",
                f"sigmasight:login:lock:address:{scope.address}",
                "login_failures_per_address",
            )
        )
    return keys


async def _admit_redis(redis: Redis, scope: Scope, settings: Settings) -> bool | None:
    """Count the attempt in Redis; True when it may go ahead, None when Redis did not answer."""
    counted: list[str] = []
    for counter, lock, limit_name in _keys(scope):
        limit: int = getattr(settings, limit_name)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(counter)
            pipe.expire(counter, settings.login_failure_window_seconds, nx=True)
            answer = await redis_or_none(pipe.execute())
        if answer is None:
            await _uncount(redis, counted)
            return None
        attempts = int(answer[0])
        counted.append(counter)
        if attempts < limit:
            continue
        taken = await redis_or_none(
            redis.set(lock, b"1", ex=lock_seconds(attempts - limit, settings), nx=True)
        )
        if taken:
            continue
        # Refused attempts are not failures: only checked passwords count towards the lock.
        await _uncount(redis, counted)
        ttl = await redis_or_none(redis.ttl(lock))
        raise TooManyAttempts(int(ttl) if ttl and ttl > 0 else FIRST_LOCK_SECONDS)
    return True


async def _uncount(redis: Redis, counters: list[str]) -> None:
    if counters:
        async with redis.pipeline(transaction=False) as pipe:
            for counter in counters:
                pipe.decr(counter)
            await redis_or_none(pipe.execute())


async def _admit_database(
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None,
    scope: Scope,
    settings: Settings,
    now: datetime,
) -> None:
    """The same rule over committed LOGIN_FAILED rows, for when Redis cannot answer."""
    since = now - timedelta(seconds=settings.login_failure_window_seconds)
    checks = []
    if scope.address:
        checks.append((ActivityEvent.ip == scope.address, settings.login_failures_per_address))
    if user_id is not None:
        checks.append((ActivityEvent.user_id == user_id, settings.login_failures_per_account))
    for condition, limit in checks:
        stmt = select(func.count(), func.max(ActivityEvent.created_at)).where(
            condition,
            ActivityEvent.action == Action.LOGIN_FAILED.value,
            ActivityEvent.created_at > since,
        )
        failures, latest = (await session.execute(stmt)).one()
        if failures < limit or latest is None:
            continue
        wait = lock_seconds(failures - limit, settings) - (now - latest).total_seconds()
        if wait > 0:
            raise TooManyAttempts(math.ceil(wait))


async def admit(
    redis: Redis,
    session: AsyncSession,
    *,
    user_id: uuid.UUID | None,
    scope: Scope,
    settings: Settings,
    now: datetime,
) -> None:
    """Count a sign-in attempt, or refuse it with TooManyAttempts before its password is checked."""
    if await _admit_redis(redis, scope, settings) is None:
        await _admit_database(session, user_id=user_id, scope=scope, settings=settings, now=now)


async def succeeded(redis: Redis, *, scope: Scope) -> None:
    """A correct password: the account starts afresh, and the attempt is not an address failure."""
    keys = _keys(scope)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.delete(keys[0][0], keys[0][1])
        for counter, _, _ in keys[1:]:
            pipe.decr(counter)
        await redis_or_none(pipe.execute())
