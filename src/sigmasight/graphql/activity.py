"""The activity log in the schema: `Query.activity`, and the one call mutations record with."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON

from sigmasight import clock
from sigmasight.activity import service as activity_service
from sigmasight.activity.models import Action, ActivityEvent
from sigmasight.errors import Forbidden
from sigmasight.graphql.arguments import After, First
from sigmasight.graphql.context import Context, Info
from sigmasight.graphql.ids import parse_id, to_global_id
from sigmasight.graphql.relay import Connection, listed
from sigmasight.pagination import PageRequest

MAX_REQUEST_ID_LENGTH = 128


def origin(ctx: Context) -> activity_service.Origin:
    """Who is acting in this request, from which address, under which request id."""
    request = ctx.request
    ip = request_id = None
    if request is not None:
        client = getattr(request, "client", None)
        ip = client.host if client else None
        state_id = getattr(getattr(request, "state", None), "request_id", None)
        request_id = state_id or request.headers.get("x-request-id") or None
    return activity_service.Origin(
        actor_id=ctx.actor.user_id if ctx.actor else None,
        ip=ip,
        request_id=request_id[:MAX_REQUEST_ID_LENGTH] if request_id else None,
    )


async def record(
    ctx: Context,
    session: AsyncSession,
    action: Action,
    *,
    user_id: uuid.UUID | None = None,
    subject_type: str | None = None,
    subject_id: uuid.UUID | str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Log `action` in the mutation's own transaction: on the signed-in user's account unless
    `user_id` names another (an admin acting on it, or a sign-in)."""
    owner = user_id or (ctx.actor.user_id if ctx.actor else None)
    await activity_service.record(
        session,
        user_id=owner,
        action=action,
        origin=origin(ctx),
        at=clock.now(),
        subject_type=subject_type,
        subject_id=subject_id,
        details=details,
    )


@strawberry.type(
    name="ActivityEvent",
    description="Something done to an account: a sign-in, an import, a change to a position, "
    "tag or portfolio, an administrator's action.",
)
class ActivityEventNode:
    id: strawberry.ID = strawberry.field(description="Global id of the event.")
    action: str = strawberry.field(
        description="What happened, e.g. `LOGIN`, `LOGIN_FAILED`, `LOGOUT`, "
        "`TOKEN_REUSE_DETECTED`, `IMPORT_POSITIONS`, `POSITION_ADDED`, `TAG_CREATED`, "
        "`RESET_DEMO_DATA`."
    )
    at: datetime = strawberry.field(description="When it happened (UTC).")
    user_id: strawberry.ID | None = strawberry.field(
        description="Global id of the account it concerns."
    )
    actor_id: strawberry.ID | None = strawberry.field(
        description="Global id of who did it: the account's owner, or an administrator; null "
        "when nobody was signed in (a sign-in, a failed sign-in)."
    )
    subject_type: str | None = strawberry.field(
        description="The kind of object changed, e.g. `Portfolio`, `Position`, `Tag`."
    )
    subject_id: strawberry.ID | None = strawberry.field(
        description="Global id of the object changed (or the job's id for batch jobs)."
    )
    details: JSON = strawberry.field(
        description="What changed, as a small JSON object (never passwords or tokens)."
    )
    ip: str | None = strawberry.field(description="The client address the request came from.")
    request_id: str | None = strawberry.field(
        description="The request's id (`X-Request-ID`), to find it in the server's logs."
    )

    @classmethod
    def from_model(cls, event: ActivityEvent) -> ActivityEventNode:
        subject_id: str | None = event.subject_id
        if subject_id and event.subject_type:
            # A job name rather than a uuid is shown as stored.
            with contextlib.suppress(ValueError):
                subject_id = to_global_id(event.subject_type, uuid.UUID(subject_id))
        return cls(
            id=to_global_id("ActivityEvent", event.id),
            action=event.action,
            at=event.created_at,
            user_id=to_global_id("User", event.user_id) if event.user_id else None,
            actor_id=to_global_id("User", event.actor_id) if event.actor_id else None,
            subject_type=event.subject_type,
            subject_id=strawberry.ID(subject_id) if subject_id else None,
            details=event.details,  # type: ignore[arg-type]
            ip=event.ip,
            request_id=event.request_id,
        )


@strawberry.type
class ActivityQuery:
    @strawberry.field(
        description="The activity log, newest first: your own account's, or (administrators "
        "only) the account `userId` names."
    )
    async def activity(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        user_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Global id of the account to read (administrators only); "
                "omit for your own."
            ),
        ] = None,
    ) -> Connection[ActivityEventNode]:
        ctx = info.context
        actor = ctx.require_actor()
        owner = actor.user_id
        if user_id is not None:
            requested = parse_id(user_id, "User")
            if requested != actor.user_id:
                if not actor.is_admin:
                    raise Forbidden("Only administrators can read another account's activity.")
                owner = requested or uuid.UUID(int=0)  # a malformed id reads an empty log
        request = PageRequest(first, after)
        return await listed(
            ctx,
            lambda session: activity_service.page(session, user_id=owner, request=request),
            lambda session: activity_service.count(session, user_id=owner),
            ActivityEventNode.from_model,
        )
