"""Registration, login, token refresh and logout."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.auth import passwords, tokens
from sigmasight.auth.actor import Actor
from sigmasight.auth.models import RefreshToken, Role, User
from sigmasight.errors import Conflict, Invalid, NotFound, Unauthenticated
from sigmasight.settings import Settings

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # argon2 hashes any length; the bound keeps a request from buying CPU
MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RefreshTokenReused(Unauthenticated):
    """Refusal that follows revoking a token family; the revocation must be committed."""

    commit_changes = True


@dataclass(frozen=True, slots=True)
class TokenPair:
    user: User
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _validate_credentials(email: str, password: str) -> None:
    if not email or len(email) > MAX_EMAIL_LENGTH or not _EMAIL.match(email):
        raise Invalid("Enter a valid email address.", field="email", code="INVALID_EMAIL")
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


async def get_by_email(session: AsyncSession, *, email: str) -> User | None:
    """The user with this email, compared case-insensitively."""
    stmt = select(User).where(func.lower(User.email) == normalise_email(email))
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
    email = normalise_email(email)
    _validate_credentials(email, password)
    if full_name is not None and len(full_name.strip()) > 100:
        raise Invalid("Name must be at most 100 characters.", field="fullName", code="TOO_LONG")
    if await get_by_email(session, email=email) is not None:
        raise Conflict(
            "An account with this email already exists.", field="email", code="EMAIL_TAKEN"
        )
    user = User(
        email=email,
        password_hash=await passwords.hash_password_off_loop(password),
        full_name=(full_name or "").strip() or None,
        role=role,
        is_demo=is_demo,
    )
    session.add(user)
    await session.flush()
    return user


async def _issue_tokens(
    session: AsyncSession,
    *,
    user: User,
    settings: Settings,
    now: datetime,
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    access_lifetime = timedelta(minutes=settings.access_token_minutes)
    refresh_lifetime = timedelta(days=settings.refresh_token_days)
    record = RefreshToken(
        id=uuid.uuid4(),
        user_id=user.id,
        family_id=family_id or uuid.uuid4(),
        issued_at=now,
        expires_at=now + refresh_lifetime,
    )
    session.add(record)
    await session.flush()
    access = tokens.encode(
        secret=settings.secret_key,
        kind="access",
        subject=user.id,
        issued_at=now,
        lifetime=access_lifetime,
        extra={"role": user.role.value},
    )
    refresh = tokens.encode(
        secret=settings.secret_key,
        kind="refresh",
        subject=user.id,
        issued_at=now,
        lifetime=refresh_lifetime,
        extra={"jti": str(record.id)},
    )
    return TokenPair(user, access, now + access_lifetime, refresh, record.expires_at)


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
    session: AsyncSession, *, email: str, password: str, settings: Settings, now: datetime
) -> TokenPair:
    """Check credentials and issue a token pair; one error for a wrong email or password."""
    user = await get_by_email(session, email=email)
    if (
        not await passwords.verify_password_off_loop(user.password_hash if user else None, password)
        or user is None
    ):
        raise Unauthenticated("Email or password is incorrect.", code="INVALID_CREDENTIALS")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash_password_off_loop(password)
    user.last_login_at = now
    return await _issue_tokens(session, user=user, settings=settings, now=now)


async def _revoke_family(session: AsyncSession, *, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def _live_refresh_record(
    session: AsyncSession, *, refresh_token: str, settings: Settings, now: datetime
) -> RefreshToken:
    claims = tokens.decode_refresh(refresh_token, secret=settings.secret_key, now=now)
    stmt = select(RefreshToken).where(RefreshToken.id == claims.token_id).with_for_update()
    record = (await session.execute(stmt)).scalar_one_or_none()
    if record is None or record.user_id != claims.user_id:
        raise Unauthenticated("Invalid token.", code="INVALID_TOKEN")
    if record.revoked_at is not None:
        raise Unauthenticated("Refresh token has been revoked.", code="TOKEN_REVOKED")
    return record


async def refresh(
    session: AsyncSession, *, refresh_token: str, settings: Settings, now: datetime
) -> TokenPair:
    """Rotate a refresh token. Presenting a used one again revokes its whole family."""
    try:
        record = await _live_refresh_record(
            session, refresh_token=refresh_token, settings=settings, now=now
        )
    except Unauthenticated as exc:
        if exc.code != "TOKEN_REVOKED":
            raise
        # A rotated token came back: someone holds a copy, so every descendant ends as well.
        claims = tokens.decode_refresh(refresh_token, secret=settings.secret_key, now=now)
        reused = await session.get(RefreshToken, claims.token_id)
        if reused is not None:
            await _revoke_family(session, family_id=reused.family_id, now=now)
        raise RefreshTokenReused("Refresh token was already used.", code="TOKEN_REVOKED") from exc
    record.revoked_at = now
    user = await get_or_raise(session, user_id=record.user_id)
    return await _issue_tokens(
        session, user=user, settings=settings, now=now, family_id=record.family_id
    )


async def logout(
    session: AsyncSession, *, refresh_token: str, settings: Settings, now: datetime
) -> None:
    """Revoke the refresh token and every token rotated from the same login."""
    record = await _live_refresh_record(
        session, refresh_token=refresh_token, settings=settings, now=now
    )
    await _revoke_family(session, family_id=record.family_id, now=now)


def authenticate(access_token: str, *, settings: Settings, now: datetime) -> Actor:
    """The actor an access token speaks for, or Unauthenticated."""
    claims = tokens.decode_access(access_token, secret=settings.secret_key, now=now)
    return Actor(user_id=claims.user_id, role=claims.role)


def authenticate_header(
    authorization: str, *, settings: Settings, now: datetime
) -> tuple[Actor | None, Unauthenticated | None]:
    """The actor an `Authorization: Bearer` header speaks for, or why it speaks for nobody.

    An absent header is anonymous (no actor, no error); a malformed or bad token is an error.
    """
    if not authorization:
        return None, None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        error = Unauthenticated(
            "Authorization header must be `Bearer <accessToken>`.", code="INVALID_TOKEN"
        )
        return None, error
    try:
        return authenticate(token.strip(), settings=settings, now=now), None
    except Unauthenticated as error:
        return None, error


async def purge_expired_refresh_tokens(session: AsyncSession, *, now: datetime) -> int:
    """Delete refresh tokens past expiry; they can no longer be used or reused."""
    result = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
