"""Signed JWT access and refresh tokens (HS256)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import jwt

from sigmasight.auth.models import Role
from sigmasight.errors import Unauthenticated

ALGORITHM = "HS256"
ISSUER = "sigmasight"
TokenKind = Literal["access", "refresh"]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    role: Role
    # The session (refresh-token family) the token was issued for; checked on every request.
    session_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class RefreshClaims:
    user_id: uuid.UUID
    token_id: uuid.UUID


def encode(
    *,
    secret: str,
    kind: TokenKind,
    subject: uuid.UUID,
    issued_at: datetime,
    lifetime: timedelta,
    extra: dict[str, Any] | None = None,
) -> str:
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "sub": str(subject),
        "typ": kind,
        "iat": int(issued_at.timestamp()),
        "exp": int((issued_at + lifetime).timestamp()),
        **(extra or {}),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def _decode(token: str, *, secret: str, kind: TokenKind, now: datetime) -> dict[str, Any]:
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # pinned: never trust the token's own `alg` header
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "typ"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise Unauthenticated("Invalid token.", code="INVALID_TOKEN") from exc
    # Expiry is checked against the injected clock rather than the library's wall clock.
    if payload["exp"] <= int(now.timestamp()):
        raise Unauthenticated("Token has expired.", code="TOKEN_EXPIRED")
    if payload["typ"] != kind:
        raise Unauthenticated("Wrong kind of token.", code="INVALID_TOKEN")
    return payload


def decode_access(token: str, *, secret: str, now: datetime) -> AccessClaims:
    payload = _decode(token, secret=secret, kind="access", now=now)
    try:
        return AccessClaims(
            user_id=uuid.UUID(payload["sub"]),
            role=Role(payload["role"]),
            session_id=uuid.UUID(payload["sid"]),
        )
    except (KeyError, ValueError) as exc:
        raise Unauthenticated("Invalid token.", code="INVALID_TOKEN") from exc


def claimed_subject(token: str, *, secret: str, now: datetime) -> uuid.UUID | None:
    """The user a validly signed, unexpired access token names, without asking whether its
    session is still live: cheap enough for keying rate limits, never enough to authorise."""
    try:
        return decode_access(token, secret=secret, now=now).user_id
    except Unauthenticated:
        return None


def decode_refresh(token: str, *, secret: str, now: datetime) -> RefreshClaims:
    payload = _decode(token, secret=secret, kind="refresh", now=now)
    try:
        return RefreshClaims(user_id=uuid.UUID(payload["sub"]), token_id=uuid.UUID(payload["jti"]))
    except (KeyError, ValueError) as exc:
        raise Unauthenticated("Invalid token.", code="INVALID_TOKEN") from exc
