"""The GraphQL HTTP endpoint: builds a Context per request."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from sigmasight import clock
from sigmasight.auth import service as auth_service
from sigmasight.graphql import http_conduct
from sigmasight.graphql.context import Context
from sigmasight.graphql.ide import OfflineGraphiQL
from sigmasight.graphql.schema import create_schema
from sigmasight.redis_client import connect_jobs
from sigmasight.settings import Settings


class GraphQLApp(OfflineGraphiQL, GraphQL[Context, None]):
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
        context = Context(
            settings=self.settings,
            session_factory=self.session_factory,
            redis=self.redis,
            now=clock.now(),
            actor=None,
            auth_error=None,
            enqueue=self.enqueue,
            request=request,
            response=response,
        )
        # Through the request's read session: a session check that misses the Redis cache
        # reads PostgreSQL on the one connection the request's reads use anyway.
        context.actor, context.auth_error = await auth_service.authenticate_header(
            request.headers.get("authorization", ""),
            settings=self.settings,
            redis=self.redis,
            session_factory=context.reads.use,
            now=context.now,
        )
        if isinstance(request, Request):
            request.state.graphql_context = context  # so `run` can release its read session
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Sign a websocket in from its `connection_init` payload (browsers cannot set headers
        on a websocket): `{"Authorization": "Bearer <accessToken>"}`. A bad token is refused."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if isinstance(header, str) and header:
            actor, error = await auth_service.authenticate_header(
                header,
                settings=self.settings,
                redis=self.redis,
                session_factory=self.session_factory,
                now=context.now,
            )
            if error is not None:
                raise ConnectionRejectionError({"message": error.message})
            context.actor, context.auth_error = actor, None
        return await super().on_ws_connect(context)

    async def get_root_value(self, request: Any) -> None:
        return None

    # GraphQL over HTTP. strawberry decides media types and status codes in a few methods;
    # the overrides below only adjust those decisions.

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refusals of the request itself (bad JSON, wrong content type) answer with a JSON
        error body, not strawberry's plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            answer = await self.run(request)
            assert isinstance(answer, Response)  # an HTTP request gets an HTTP response
            response = answer
        except HTTPException as error:
            response = Response(
                http_conduct.error_body(error.reason),
                status_code=error.status_code,
                media_type=http_conduct.response_media_type(request.headers.get("accept", "")),
            )
        await response(scope, receive, send)

    async def run(  # type: ignore[override]
        self,
        request: Request | WebSocket,
        context: Context = UNSET,
        root_value: None = UNSET,
    ) -> Response | WebSocket:
        """Serve `application/graphql-response+json` to clients that ask for it, with 400 for a
        request that never ran (see `process_result`)."""
        try:
            response = await super().run(request, context, root_value)
        finally:
            # A request refused before any operation ran (a body that is not JSON, say) never
            # reaches the extension that releases the read session its sign-in check opened.
            opened = getattr(request.state, "graphql_context", None)
            if isinstance(opened, Context):
                await opened.reads.close(ended=True)
        if isinstance(request, Request) and isinstance(response, Response):
            media_type = getattr(request.state, "graphql_media_type", None)
            if media_type is not None:
                response.headers["content-type"] = media_type
                if getattr(request.state, "graphql_request_error", False):
                    response.status_code = 400
        return response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        media_type = http_conduct.response_media_type(request.headers.get("accept", ""))
        if media_type == http_conduct.GRAPHQL_RESPONSE_JSON:
            request.state.graphql_media_type = media_type
            if http_conduct.is_request_error(result):
                # The spec: a request that did not execute has no `data` entry at all.
                processed.pop("data", None)
                request.state.graphql_request_error = True
        return processed

    def parse_json(self, data: str | bytes) -> Any:
        """Any body that is not JSON (bad UTF-8, nesting too deep to decode) is a 400."""
        try:
            return super().parse_json(data)
        except (ValueError, RecursionError) as error:
            raise HTTPException(400, "Unable to parse request body as JSON") from error

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Multipart requests must carry a header that forces a CORS preflight (checked before
        the body is read), so that a plain HTML form on another site cannot post one."""
        content_type = (request.content_type or "").lower()
        if content_type.startswith("multipart/") and not http_conduct.has_preflight_header(
            {k.lower(): v for k, v in request.headers.items()}
        ):
            raise HTTPException(
                400,
                "Multipart requests must send a non-empty `Apollo-Require-Preflight` (or "
                "`X-Apollo-Operation-Name`) header.",
            )
        return await super().parse_http_body(request)
