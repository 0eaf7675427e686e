"""Is this session still live, and who is its user now? Asked on every authenticated request.

PostgreSQL is the authority (a session is live while its refresh-token family holds an unrevoked,
unexpired token; the role is the user's row). Redis caches both answers for a few seconds so a
request usually costs one round trip; when Redis is slow or down, PostgreSQL answers alone.
Revocation, role changes and deletion overwrite the cached answer, and a cached "live" is only
ever written when no answer is there (SET NX), so a slow reader cannot resurrect a revoked session.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from redis.asyncio import Redis
from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.auth.models import RefreshToken, Role, User
from sigmasight.redis_client import REDIS_FAULTS
from sigmasight.settings import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Opens a database session: a sessionmaker, or a request's shared read session (`ReadSession.use`).
SessionOpener = Callable[[], AbstractAsyncContextManager[AsyncSession]]

# Marks the per-request session check, which the Redis cache usually answers: statement counts
# of a query's own work (tests pin them) leave it out, as its cost depends on the cache's age.
SESSION_CHECK_OPTION = "sigmasight_session_check"
LIVE = b"live"
REVOKED = b"revoked"
GONE = b"gone"


def _session_key(session_id: uuid.UUID) -> str:
    return f"sigmasight:auth:session:{session_id}"


def _user_key(user_id: uuid.UUID) -> str:
    return f"sigmasight:auth:user:{user_id}"


@dataclass(frozen=True, slots=True)
class SessionState:
    live: bool  # the session has not been revoked, and its user still exists
    role: Role | None  # the user's role now; None when the session is not live


async def redis_or_none(redis_call: Awaitable[T]) -> T | None:
    """`redis_call`'s answer, or None when Redis fails; every client is time-bounded already
    (`redis_client.connect`), so a paused Redis costs one timeout, not a hang."""
    try:
        return await redis_call
    except REDIS_FAULTS as exc:
        logger.warning("redis unavailable for session state, using the database: %s", exc)
        return None


async def read_database(
    session: AsyncSession, *, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime
) -> SessionState:
    """PostgreSQL's answer: live while the family holds an unrevoked, unexpired refresh token."""
    live_token = exists().where(
        and_(
            RefreshToken.family_id == session_id,
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
    )
    stmt = (
        select(User.role, live_token)
        .where(User.id == user_id)
        .execution_options(**{SESSION_CHECK_OPTION: True})
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return SessionState(live=False, role=None)
    return SessionState(live=True, role=row[0]) if row[1] else SessionState(live=False, role=None)


async def state(
    redis: Redis,
    session_factory: SessionOpener,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    settings: Settings,
    now: datetime,
) -> SessionState:
    """Whether the session is live and the user's current role (None once deleted)."""
    cached = await redis_or_none(redis.mget(_session_key(session_id), _user_key(user_id)))
    if cached is not None:
        session_value, user_value = cached
        if session_value == REVOKED or user_value == GONE:
            return SessionState(live=False, role=None)
        if session_value == LIVE and user_value is not None:
            return SessionState(live=True, role=Role(user_value.decode()))
    async with session_factory() as session:
        answer = await read_database(session, user_id=user_id, session_id=session_id, now=now)
    if cached is not None:  # Redis answered a moment ago: remember what PostgreSQL said
        await _remember(
            redis, user_id=user_id, session_id=session_id, answer=answer, settings=settings
        )
    return answer


async def _remember(
    redis: Redis,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    answer: SessionState,
    settings: Settings,
) -> None:
    ttl = settings.auth_cache_seconds
    if ttl <= 0:
        return
    ended = settings.access_token_minutes * 60  # no access token outlives this
    async with redis.pipeline(transaction=False) as pipe:
        if answer.live:
            pipe.set(_session_key(session_id), LIVE, ex=ttl, nx=True)
        else:
            pipe.set(_session_key(session_id), REVOKED, ex=ended)
        if answer.role is not None:
            pipe.set(_user_key(user_id), answer.role.value, ex=ttl, nx=True)
        await redis_or_none(pipe.execute())


async def mark_revoked(redis: Redis | None, *, session_id: uuid.UUID, settings: Settings) -> None:
    """Tell every API process at once that a session has ended (PostgreSQL already knows)."""
    if redis is not None:
        ended = settings.access_token_minutes * 60
        await redis_or_none(redis.set(_session_key(session_id), REVOKED, ex=ended))


async def mark_user_changed(
    redis: Redis | None, *, user_id: uuid.UUID, role: Role | None, settings: Settings
) -> None:
    """Publish a user's new role, or that the user is gone (role None), to every API process."""
    if redis is None:
        return
    if role is None:
        value, ttl = GONE, settings.access_token_minutes * 60
    else:
        value, ttl = role.value.encode(), max(1, settings.auth_cache_seconds)
    await redis_or_none(redis.set(_user_key(user_id), value, ex=ttl))
