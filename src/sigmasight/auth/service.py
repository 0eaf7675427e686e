"""Registration, login, token refresh and logout."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight import conflicts
from sigmasight.auth import emails, password_policy, passwords, sessions, throttle, tokens
from sigmasight.auth.actor import Actor
from sigmasight.auth.models import RefreshToken, Role, User
from sigmasight.errors import Invalid, NotFound, Unauthenticated
from sigmasight.settings import Settings

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # argon2 hashes any length; the bound keeps a request from buying CPU
# Rotation gives the next refresh token an id derived from the spent one, so a token presented
# twice within the grace window is answered with the very same pair, recomputed, not stored.
_ROTATION = uuid.UUID("6d3f8f0e-6a8e-4f39-9a44-0d3c1b7f2a51")


class RefreshTokenReused(Unauthenticated):
    """Refusal that follows revoking a token family; the revocation must be committed."""

    commit_changes = True

    def __init__(self, message: str, *, user_id: uuid.UUID, code: str) -> None:
        super().__init__(message, code=code)
        self.user_id = user_id


class InvalidCredentials(Unauthenticated):
    """Wrong email or password; `user_id` names the account when the email was one."""

    def __init__(self, *, user_id: uuid.UUID | None) -> None:
        super().__init__("Email or password is incorrect.", code="INVALID_CREDENTIALS")
        self.user_id = user_id


@dataclass(frozen=True, slots=True)
class TokenPair:
    user: User
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    session_id: uuid.UUID


def _validate_credentials(email: str, password: str) -> None:
    emails.validate(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters.",
            field="password",
            code="PASSWORD_TOO_SHORT",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(
            f"Password must be at most {MAX_PASSWORD_LENGTH} characters.",
            field="password",
            code="PASSWORD_TOO_LONG",
        )
    password_policy.check(password, email=email)


async def get_by_email(session: AsyncSession, *, email: str) -> User | None:
    """The user with this email, compared by the one case-insensitive key."""
    stmt = select(User).where(User.email_key == emails.key(email))
    return (await session.execute(stmt)).scalar_one_or_none()


async def get(session: AsyncSession, *, user_id: uuid.UUID) -> User | None:
    """The user with this id, if any (callers decide who may look)."""
    return await session.get(User, user_id)


async def get_or_raise(session: AsyncSession, *, user_id: uuid.UUID) -> User:
    """The user with this id, or NotFound."""
    user = await get(session, user_id=user_id)
    if user is None:
        raise NotFound("User not found.")
    return user


async def create(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    full_name: str | None = None,
    role: Role = Role.USER,
    is_demo: bool = False,
) -> User:
    """Create a user with an argon2id password hash; emails are unique ignoring case."""
    email = emails.normalise(email)
    _validate_credentials(email, password)
    if full_name is not None and len(full_name.strip()) > 100:
        raise Invalid("Name must be at most 100 characters.", field="fullName", code="TOO_LONG")
    if await get_by_email(session, email=email) is not None:
        raise conflicts.CONFLICTS["uq_users_email_key"]()
    user = User(
        email=email,
        email_key=emails.key(email),
        password_hash=await passwords.hash_password_off_loop(password),
        full_name=(full_name or "").strip() or None,
        role=role,
        is_demo=is_demo,
    )
    # Two sign-ups for one address at once: the unique key decides, the loser is told so.
    async with conflicts.constraint_errors(session):
        session.add(user)
    return user


async def _issue_tokens(
    session: AsyncSession,
    *,
    user: User,
    settings: Settings,
    now: datetime,
    family_id: uuid.UUID | None = None,
    token_id: uuid.UUID | None = None,
) -> TokenPair:
    record = RefreshToken(
        id=token_id or uuid.uuid4(),
        user_id=user.id,
        family_id=family_id or uuid.uuid4(),
        issued_at=now,
        expires_at=now + timedelta(days=settings.refresh_token_days),
    )
    session.add(record)
    await session.flush()
    return _pair(user=user, record=record, settings=settings)


def _pair(*, user: User, record: RefreshToken, settings: Settings) -> TokenPair:
    """The tokens for a refresh-token row: the same row always gives the same strings."""
    now = record.issued_at
    access_lifetime = timedelta(minutes=settings.access_token_minutes)
    refresh_lifetime = record.expires_at - record.issued_at
    access = tokens.encode(
        secret=settings.secret_key,
        kind="access",
        subject=user.id,
        issued_at=now,
        lifetime=access_lifetime,
        extra={"role": user.role.value, "sid": str(record.family_id)},
    )
    refresh = tokens.encode(
        secret=settings.secret_key,
        kind="refresh",
        subject=user.id,
        issued_at=now,
        lifetime=refresh_lifetime,
        extra={"jti": str(record.id)},
    )
    return TokenPair(
        user, access, now + access_lifetime, refresh, record.expires_at, record.family_id
    )


async def register(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    full_name: str | None,
    settings: Settings,
    now: datetime,
) -> TokenPair:
    """Create a regular account and sign it in."""
    user = await create(session, email=email, password=password, full_name=full_name)
    user.last_login_at = now
    return await _issue_tokens(session, user=user, settings=settings, now=now)


async def login(
    session: AsyncSession,
    *,
    redis: Redis,
    email: str,
    password: str,
    address: str | None,
    settings: Settings,
    now: datetime,
) -> TokenPair:
    """Check credentials and issue a token pair; one error for a wrong email or password.

    Attempts are throttled per account and per client address (TooManyAttempts) before the
    password is checked, whatever token the request carries."""
    user = await get_by_email(session, email=email)
    scope = throttle.Scope(account_key=emails.key(email), address=address)
    await throttle.admit(
        redis, session, user_id=user.id if user else None, scope=scope, settings=settings, now=now
    )
    if (
        not await passwords.verify_password_off_loop(user.password_hash if user else None, password)
        or user is None
    ):
        raise InvalidCredentials(user_id=user.id if user else None)
    await throttle.succeeded(redis, scope=scope)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash_password_off_loop(password)
    user.last_login_at = now
    return await _issue_tokens(session, user=user, settings=settings, now=now)


async def _revoke_family(
    session: AsyncSession,
    *,
    redis: Redis | None,
    family_id: uuid.UUID,
    settings: Settings,
    now: datetime,
) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    # Published before the commit: should the commit fail, the session ends early (fails
    # closed) rather than an access token outliving its logout.
    await sessions.mark_revoked(redis, session_id=family_id, settings=settings)


async def _refresh_record(
    session: AsyncSession, *, refresh_token: str, settings: Settings, now: datetime
) -> RefreshToken:
    claims = tokens.decode_refresh(refresh_token, secret=settings.secret_key, now=now)
    stmt = select(RefreshToken).where(RefreshToken.id == claims.token_id).with_for_update()
    record = (await session.execute(stmt)).scalar_one_or_none()
    if record is None or record.user_id != claims.user_id:
        raise Unauthenticated("Invalid token.", code="INVALID_TOKEN")
    return record


def _rotated_id(token_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_ROTATION, str(token_id))


async def refresh(
    session: AsyncSession,
    *,
    redis: Redis | None,
    refresh_token: str,
    settings: Settings,
    now: datetime,
) -> TokenPair:
    """Rotate a refresh token. Presented again within the grace window (two tabs at once), it
    gets the same new pair; later, presenting a spent one revokes its whole family."""
    # The row lock makes concurrent refreshes of one token take turns: the first rotates, the
    # rest find the rotation done and are answered from it.
    record = await _refresh_record(session, refresh_token=refresh_token, settings=settings, now=now)
    if record.revoked_at is None:
        record.revoked_at = now
        user = await get_or_raise(session, user_id=record.user_id)
        return await _issue_tokens(
            session,
            user=user,
            settings=settings,
            now=now,
            family_id=record.family_id,
            token_id=_rotated_id(record.id),
        )
    successor = await session.get(RefreshToken, _rotated_id(record.id))
    within_grace = now - record.revoked_at <= timedelta(seconds=settings.refresh_grace_seconds)
    if (
        within_grace
        and successor is not None
        and successor.revoked_at is None
        and successor.expires_at > now
    ):
        user = await get_or_raise(session, user_id=record.user_id)
        return _pair(user=user, record=successor, settings=settings)
    # A spent token came back: someone holds a copy, so every descendant ends as well.
    await _revoke_family(
        session, redis=redis, family_id=record.family_id, settings=settings, now=now
    )
    raise RefreshTokenReused(
        "Refresh token was already used.", user_id=record.user_id, code="TOKEN_REVOKED"
    )


async def logout(
    session: AsyncSession,
    *,
    redis: Redis | None,
    refresh_token: str,
    settings: Settings,
    now: datetime,
) -> uuid.UUID:
    """Revoke the refresh token and every token rotated from the same login; the user's id."""
    record = await _refresh_record(session, refresh_token=refresh_token, settings=settings, now=now)
    if record.revoked_at is not None:
        raise Unauthenticated("Refresh token has been revoked.", code="TOKEN_REVOKED")
    await _revoke_family(
        session, redis=redis, family_id=record.family_id, settings=settings, now=now
    )
    return record.user_id


async def set_role(session: AsyncSession, *, user_id: uuid.UUID, role: Role) -> User:
    """Change a user's role; publish it with `publish_user_change` once committed."""
    user = await get_or_raise(session, user_id=user_id)
    user.role = role
    await session.flush()
    return user


async def delete_user(session: AsyncSession, *, user_id: uuid.UUID) -> None:
    """Delete a user with everything they own; publish it with `publish_user_change` once
    committed, so their access tokens stop working at once."""
    user = await get_or_raise(session, user_id=user_id)
    await session.delete(user)
    await session.flush()


async def publish_user_change(
    redis: Redis | None, *, user_id: uuid.UUID, role: Role | None, settings: Settings
) -> None:
    """Tell every API process a user's new role, or (role None) that the user is gone."""
    await sessions.mark_user_changed(redis, user_id=user_id, role=role, settings=settings)


async def authenticate(
    access_token: str,
    *,
    settings: Settings,
    redis: Redis | None,
    session_factory: sessions.SessionOpener,
    now: datetime,
) -> Actor:
    """The actor an access token speaks for, with the user's role as it is now, or
    Unauthenticated: a bad or expired token, an ended session, a deleted user."""
    claims = tokens.decode_access(access_token, secret=settings.secret_key, now=now)
    if redis is None:
        async with session_factory() as session:
            state = await sessions.read_database(
                session, user_id=claims.user_id, session_id=claims.session_id, now=now
            )
    else:
        state = await sessions.state(
            redis,
            session_factory,
            user_id=claims.user_id,
            session_id=claims.session_id,
            settings=settings,
            now=now,
        )
    if not state.live or state.role is None:
        raise Unauthenticated(
            "This session has ended (signed out, revoked or the account is gone); sign in again.",
            code="TOKEN_REVOKED",
        )
    return Actor(user_id=claims.user_id, role=state.role)


async def authenticate_header(
    authorization: str,
    *,
    settings: Settings,
    redis: Redis | None,
    session_factory: sessions.SessionOpener,
    now: datetime,
) -> tuple[Actor | None, Unauthenticated | None]:
    """The actor an `Authorization: Bearer` header speaks for, or why it speaks for nobody.

    An absent header is anonymous (no actor, no error); a malformed or bad token is an error.
    """
    if not authorization:
        return None, None
    token = _bearer_token(authorization)
    if token is None:
        error = Unauthenticated(
            "Authorization header must be `Bearer <accessToken>`.", code="INVALID_TOKEN"
        )
        return None, error
    try:
        actor = await authenticate(
            token,
            settings=settings,
            redis=redis,
            session_factory=session_factory,
            now=now,
        )
        return actor, None
    except Unauthenticated as error:
        return None, error


def claimed_user(authorization: str, *, settings: Settings, now: datetime) -> uuid.UUID | None:
    """The user a signed, unexpired bearer token names, without asking whether its session is
    live: cheap enough to key rate limits by, never enough to authorise anything."""
    token = _bearer_token(authorization)
    if token is None:
        return None
    return tokens.claimed_subject(token, secret=settings.secret_key, now=now)


def _bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None for any other shape."""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def purge_expired_refresh_tokens(session: AsyncSession, *, now: datetime) -> int:
    """Delete refresh tokens past expiry; they can no longer be used or reused."""
    result = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
