"""Accounts: register, login, refresh, logout, and `me`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.auth import service as auth_service
from sigmasight.auth.service import TokenPair
from sigmasight.graphql.arguments import Input, result_union
from sigmasight.graphql.context import Info
from sigmasight.graphql.errors import AuthenticationError, ConflictError, ValidationError
from sigmasight.graphql.types import UserNode


@strawberry.type(description="A signed-in session: send `accessToken` as `Authorization: Bearer`.")
class AuthTokens:
    access_token: str = strawberry.field(description="JWT for the Authorization header.")
    access_token_expires_at: datetime = strawberry.field(
        description="When the access token expires (UTC)."
    )
    refresh_token: str = strawberry.field(
        description="Single-use token for `refreshToken`; rotated on use."
    )
    refresh_token_expires_at: datetime = strawberry.field(
        description="When the refresh token expires (UTC)."
    )
    token_type: str = strawberry.field(default="Bearer", description="Always `Bearer`.")


@strawberry.type(description="The account was created and signed in.")
class RegisterSuccess:
    user: UserNode = strawberry.field(description="The new account.")
    tokens: AuthTokens = strawberry.field(description="Tokens for the new session.")


@strawberry.type(description="Signed in.")
class LoginSuccess:
    user: UserNode = strawberry.field(description="The signed-in account.")
    tokens: AuthTokens = strawberry.field(description="Tokens for the session.")


@strawberry.type(description="A fresh token pair; the refresh token you sent is now spent.")
class RefreshTokenSuccess:
    user: UserNode = strawberry.field(description="The signed-in account.")
    tokens: AuthTokens = strawberry.field(description="The rotated tokens.")


@strawberry.type(
    description="Signed out: the refresh token and every token rotated from it are revoked."
)
class LogoutSuccess:
    revoked: bool = strawberry.field(description="Always true.")


RegisterResult = Annotated[
    RegisterSuccess | ValidationError | ConflictError,
    result_union("RegisterResult"),
]
LoginResult = Annotated[
    LoginSuccess | AuthenticationError | ValidationError,
    result_union("LoginResult"),
]
RefreshTokenResult = Annotated[
    RefreshTokenSuccess | AuthenticationError,
    result_union("RefreshTokenResult"),
]
LogoutResult = Annotated[
    LogoutSuccess | AuthenticationError,
    result_union("LogoutResult"),
]


def _tokens(pair: TokenPair) -> AuthTokens:
    return AuthTokens(
        access_token=pair.access_token,
        access_token_expires_at=pair.access_expires_at,
        refresh_token=pair.refresh_token,
        refresh_token_expires_at=pair.refresh_expires_at,
    )


@strawberry.input(description="A new account.")
class RegisterInput:
    email: str = strawberry.field(description="Sign-in email; unique ignoring case.")
    password: str = strawberry.field(description="At least 10 characters.")
    full_name: str | None = strawberry.field(
        default=None, description="Display name, up to 100 characters."
    )


RefreshTokenArgument = strawberry.argument(description="The refresh token from your last sign-in.")


@strawberry.type
class AuthQuery:
    @strawberry.field(description="The signed-in user.")
    async def me(self, info: Info) -> UserNode:
        actor = info.context.require_actor()
        async with info.context.session() as session:
            user = await auth_service.get_or_raise(session, user_id=actor.user_id)
        return UserNode.from_model(user)


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Create an account and sign in.")
    async def register(self, info: Info, input: Annotated[RegisterInput, Input]) -> RegisterResult:
        ctx = info.context

        async def work(session: AsyncSession) -> RegisterSuccess:
            pair = await auth_service.register(
                session,
                email=input.email,
                password=input.password,
                full_name=input.full_name,
                settings=ctx.settings,
                now=ctx.now,
            )
            return RegisterSuccess(user=UserNode.from_model(pair.user), tokens=_tokens(pair))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(description="Sign in with email and password.")
    async def login(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="Account email, any case.")],
        password: Annotated[str, strawberry.argument(description="Account password.")],
    ) -> LoginResult:
        ctx = info.context

        async def work(session: AsyncSession) -> LoginSuccess:
            pair = await auth_service.login(
                session, email=email, password=password, settings=ctx.settings, now=ctx.now
            )
            return LoginSuccess(user=UserNode.from_model(pair.user), tokens=_tokens(pair))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Exchange a refresh token for a new pair. Each refresh token works once; "
        "presenting a spent one revokes the whole session."
    )
    async def refresh_token(
        self, info: Info, refresh_token: Annotated[str, RefreshTokenArgument]
    ) -> RefreshTokenResult:
        ctx = info.context

        async def work(session: AsyncSession) -> RefreshTokenSuccess:
            pair = await auth_service.refresh(
                session, refresh_token=refresh_token, settings=ctx.settings, now=ctx.now
            )
            return RefreshTokenSuccess(user=UserNode.from_model(pair.user), tokens=_tokens(pair))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(description="Sign out: revoke the refresh token and its session.")
    async def logout(
        self, info: Info, refresh_token: Annotated[str, RefreshTokenArgument]
    ) -> LogoutResult:
        ctx = info.context

        async def work(session: AsyncSession) -> LogoutSuccess:
            await auth_service.logout(
                session, refresh_token=refresh_token, settings=ctx.settings, now=ctx.now
            )
            return LogoutSuccess(revoked=True)

        return await ctx.mutate(work)  # type: ignore[return-value]
