"""Accounts: register, login, refresh, logout, and `me`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from sigmasight.activity.models import Action
from sigmasight.auth import service as auth_service
from sigmasight.auth.models import Role
from sigmasight.auth.service import TokenPair
from sigmasight.auth.throttle import TooManyAttempts
from sigmasight.errors import Invalid
from sigmasight.graphql import activity
from sigmasight.graphql.arguments import Input, id_argument, result_union
from sigmasight.graphql.context import Context, Info
from sigmasight.graphql.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    UserError,
    ValidationError,
)
from sigmasight.graphql.ids import require_id
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


@strawberry.type(
    description="Too many failed sign-ins for this account or from this address: nothing was "
    "checked. Wait `retryAfterSeconds` and try again."
)
class TooManyAttemptsError(UserError):
    retry_after_seconds: int = strawberry.field(
        description="Seconds to wait before the next attempt is accepted."
    )


RegisterResult = Annotated[
    RegisterSuccess | ValidationError | ConflictError,
    result_union("RegisterResult"),
]
LoginResult = Annotated[
    LoginSuccess | AuthenticationError | ValidationError | TooManyAttemptsError,
    result_union("LoginResult"),
]
RefreshTokenResult = Annotated[
    RefreshTokenSuccess | AuthenticationError | ValidationError,
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
    email: str = strawberry.field(
        description="Sign-in email; unique ignoring case and compatibility forms. Invisible "
        "characters and a name mixing alphabets are refused."
    )
    password: str = strawberry.field(
        description="10 to 256 characters; not a commonly used password, not the email."
    )
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


@strawberry.type(description="The account's role was changed.")
class SetUserRoleSuccess:
    user: UserNode = strawberry.field(description="The account with its new role.")


SetUserRoleResult = Annotated[
    SetUserRoleSuccess | NotFoundError | ValidationError, result_union("SetUserRoleResult")
]

RoleEnum = strawberry.enum(Role, name="Role", description="What an account may do.")

# Each of these checks a password or mints tokens: one per request, so a document cannot
# multiply guesses with aliases.
CREDENTIAL_FIELDS = frozenset({"login", "register", "refreshToken"})


def _credential_field_count(info: Info) -> int:
    """How many sign-in fields the operation selects at its top level, aliases and fragments
    included; each fragment is visited once, so a document cannot make this expensive."""
    fragments = info._raw_info.fragments  # strawberry's Info does not expose them itself
    seen: set[str] = set()
    count = 0
    pending: list[SelectionSetNode] = [info.operation.selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                count += selection.name.value in CREDENTIAL_FIELDS
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    pending.append(fragments[name].selection_set)
    return count


def _one_credential_field(info: Info) -> None:
    if _credential_field_count(info) > 1:
        raise Invalid(
            "Send one `login`, `register` or `refreshToken` per request.",
            code="ONE_SIGN_IN_PER_REQUEST",
        )


def _address(ctx: Context) -> str | None:
    client = getattr(ctx.request, "client", None)
    return client.host if client else None


async def _record_failed_login(ctx: Context, user_id: uuid.UUID | None) -> None:
    """A failed sign-in is logged in a transaction of its own: the attempt's is rolled back."""
    async with ctx.session_factory() as session:
        await activity.record(ctx, session, Action.LOGIN_FAILED, user_id=user_id)
        await session.commit()


@strawberry.type
class AuthMutation:
    @strawberry.mutation(description="Create an account and sign in.")
    async def register(self, info: Info, input: Annotated[RegisterInput, Input]) -> RegisterResult:
        ctx = info.context
        _one_credential_field(info)

        async def work(session: AsyncSession) -> RegisterSuccess:
            pair = await auth_service.register(
                session,
                email=input.email,
                password=input.password,
                full_name=input.full_name,
                settings=ctx.settings,
                now=ctx.now,
            )
            await activity.record(ctx, session, Action.REGISTER, user_id=pair.user.id)
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
        _one_credential_field(info)
        failed: list[uuid.UUID | None] = []

        async def work(session: AsyncSession) -> LoginSuccess | TooManyAttemptsError:
            try:
                pair = await auth_service.login(
                    session,
                    redis=ctx.redis,
                    email=email,
                    password=password,
                    address=_address(ctx),
                    settings=ctx.settings,
                    now=ctx.now,
                )
            except TooManyAttempts as refused:
                if isinstance(ctx.response, Response):
                    ctx.response.headers["Retry-After"] = str(refused.retry_after)
                return TooManyAttemptsError(
                    field=None,
                    code=refused.code,
                    message=refused.message,
                    retry_after_seconds=refused.retry_after,
                )
            except auth_service.InvalidCredentials as wrong:
                failed.append(wrong.user_id)
                raise
            await activity.record(ctx, session, Action.LOGIN, user_id=pair.user.id)
            return LoginSuccess(user=UserNode.from_model(pair.user), tokens=_tokens(pair))

        result = await ctx.mutate(work)
        if failed:
            await _record_failed_login(ctx, failed[0])
        return result  # type: ignore[return-value]

    @strawberry.mutation(
        description="Exchange a refresh token for a new pair. Each refresh token works once; "
        "presenting a spent one revokes the whole session."
    )
    async def refresh_token(
        self, info: Info, refresh_token: Annotated[str, RefreshTokenArgument]
    ) -> RefreshTokenResult:
        ctx = info.context
        _one_credential_field(info)

        async def work(session: AsyncSession) -> RefreshTokenSuccess:
            try:
                pair = await auth_service.refresh(
                    session,
                    redis=ctx.redis,
                    refresh_token=refresh_token,
                    settings=ctx.settings,
                    now=ctx.now,
                )
            except auth_service.RefreshTokenReused as reused:
                await activity.record(
                    ctx, session, Action.TOKEN_REUSE_DETECTED, user_id=reused.user_id
                )
                raise
            return RefreshTokenSuccess(user=UserNode.from_model(pair.user), tokens=_tokens(pair))

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(description="Sign out: revoke the refresh token and its session.")
    async def logout(
        self, info: Info, refresh_token: Annotated[str, RefreshTokenArgument]
    ) -> LogoutResult:
        ctx = info.context

        async def work(session: AsyncSession) -> LogoutSuccess:
            user_id = await auth_service.logout(
                session,
                redis=ctx.redis,
                refresh_token=refresh_token,
                settings=ctx.settings,
                now=ctx.now,
            )
            await activity.record(ctx, session, Action.LOGOUT, user_id=user_id)
            return LogoutSuccess(revoked=True)

        return await ctx.mutate(work)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Admin only: give an account the `user` or `admin` role. Takes effect on "
        "the account's very next request, including tokens already issued."
    )
    async def set_user_role(
        self,
        info: Info,
        user_id: Annotated[strawberry.ID, id_argument("account")],
        role: Annotated[RoleEnum, strawberry.argument(description="The new role.")],  # type: ignore[valid-type]
    ) -> SetUserRoleResult:
        ctx = info.context
        admin = ctx.require_admin()
        target = require_id(user_id, "User", field="userId")
        new_role = Role(role)

        async def work(session: AsyncSession) -> SetUserRoleSuccess:
            if target == admin.user_id and new_role is not Role.ADMIN:
                raise Invalid(
                    "An administrator cannot remove their own admin role.",
                    field="role",
                    code="SELF_DEMOTION",
                )
            user = await auth_service.set_role(session, user_id=target, role=new_role)
            await activity.record(
                ctx,
                session,
                Action.ROLE_CHANGED,
                user_id=target,
                subject_type="User",
                subject_id=target,
                details={"role": new_role.value},
            )
            ctx.after_commit(
                lambda: auth_service.publish_user_change(
                    ctx.redis, user_id=target, role=new_role, settings=ctx.settings
                )
            )
            return SetUserRoleSuccess(user=UserNode.from_model(user))

        return await ctx.mutate(work)  # type: ignore[return-value]
