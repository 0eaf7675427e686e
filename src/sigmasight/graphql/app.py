"""The GraphQL HTTP endpoint: builds a Context per request."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from sigmasight import clock
from sigmasight.auth import service as auth_service
from sigmasight.graphql.context import Context
from sigmasight.graphql.schema import create_schema
from sigmasight.redis_client import connect_jobs
from sigmasight.settings import Settings


class GraphQLApp(GraphQL[Context, None]):
    def __init__(
        self,
        *,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        redis: Redis,
    ) -> None:
        super().__init__(
            create_schema(settings),
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            allow_queries_via_get=settings.get_queries_enabled,
            multipart_uploads_enabled=True,
            # graphql-transport-ws only (what GraphiQL and Apollo speak): the legacy graphql-ws
            # protocol would let a client subscribe without the connection_init that signs it in.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.settings = settings
        self.session_factory = session_factory
        self.redis = redis
        self._jobs: ArqRedis | None = None

    async def enqueue(self, function: str, job_id: str) -> None:
        """Hand a job to the worker; the job id makes a repeated enqueue a no-op."""
        if self._jobs is None:
            self._jobs = connect_jobs(self.settings)
        await self._jobs.enqueue_job(function, job_id, _job_id=f"{function}:{job_id}")

    async def close(self) -> None:
        """Close the job queue's connection."""
        if self._jobs is not None:
            await self._jobs.aclose()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        now = clock.now()
        actor, auth_error = auth_service.authenticate_header(
            request.headers.get("authorization", ""), settings=self.settings, now=now
        )
        return Context(
            settings=self.settings,
            session_factory=self.session_factory,
            redis=self.redis,
            now=now,
            actor=actor,
            auth_error=auth_error,
            enqueue=self.enqueue,
            request=request,
            response=response,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Sign a websocket in from its `connection_init` payload (browsers cannot set headers
        on a websocket): `{"Authorization": "Bearer <accessToken>"}`. A bad token is refused."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if isinstance(header, str) and header:
            actor, error = auth_service.authenticate_header(
                header, settings=self.settings, now=context.now
            )
            if error is not None:
                raise ConnectionRejectionError({"message": error.message})
            context.actor, context.auth_error = actor, None
        return await super().on_ws_connect(context)

    async def get_root_value(self, request: Any) -> None:
        return None
