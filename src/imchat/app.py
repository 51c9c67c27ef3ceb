"""The Starlette application: /graphql over HTTP and WebSocket, health and readiness."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypedDict

from beanie import PydanticObjectId
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult

from imchat.adapters.database import database_ready
from imchat.config import Settings
from imchat.errors import ErrorCode, ImchatError, unauthenticated
from imchat.gc_policy import freeze_now, run_gc_policy
from imchat.runtime import Runtime, open_runtime
from imchat.schema.context import Context
from imchat.schema.root import build_schema
from imchat.services.tokens import TokenIssuer
from imchat.web.routes import embed_cors, graphiql_page, web_routes

DEVICE_TYPES = ("pc", "mobile")


class State(TypedDict):
    runtime: Runtime


def _user_id(tokens: TokenIssuer, header: str | None) -> PydanticObjectId | None:
    user_id = tokens.user_from_bearer(header)
    return PydanticObjectId(user_id) if user_id else None


class ImchatGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        runtime: Runtime = request.state.runtime
        context = Context(services=runtime.services, request=request, response=response)
        if isinstance(request, Request):
            try:
                context.user_id = _user_id(
                    runtime.services.tokens, request.headers.get("authorization")
                )
            except ImchatError as error:
                context.auth_error = error
        return context

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: Any,
    ) -> ExecutionResult:
        # Strawberry runs a subscription sent by plain POST as a query, which can only fail
        # obscurely; say where subscriptions live instead.
        if _is_subscription(request_data.query, request_data.operation_name):
            error = GraphQLError(
                "Subscriptions run over WebSocket at /graphql (graphql-transport-ws)",
                extensions={"code": str(ErrorCode.BAD_USER_INPUT)},
            )
            return ExecutionResult(data=None, errors=[error])
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

    def decode_json(self, data: str | bytes) -> object:
        decoded = json.loads(data)
        # Every socket of a client app subscribes with the same text, and Strawberry keeps
        # it for as long as the subscription lives: one shared copy instead of one each.
        payload = decoded.get("payload") if isinstance(decoded, dict) else None
        if isinstance(payload, dict) and isinstance(payload.get("query"), str):
            payload["query"] = sys.intern(payload["query"])
        return decoded

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = process_result(result)
        errors: list[dict[str, Any]] = response.get("errors") or []  # type: ignore[assignment]
        for error in errors:
            # Parse and validation errors are returned before our error extension sees them.
            extensions = error.setdefault("extensions", {})
            extensions.setdefault("code", str(ErrorCode.BAD_USER_INPUT))
        return response

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params or {}
        header = params.get("authorization") or params.get("Authorization")
        try:
            user_id = _user_id(context.services.tokens, header if isinstance(header, str) else None)
            if user_id is None:
                raise unauthenticated("connection_init must carry authorization")
        except ImchatError as error:
            raise ConnectionRejectionError(
                {"code": str(error.code), "message": error.message}
            ) from None
        context.user_id = user_id
        device = params.get("deviceType")
        context.device_type = device if device in DEVICE_TYPES else "pc"
        return None

    async def render_graphql_ide(self, request: Request) -> Response:
        # The bundled GraphiQL (web-embed), not Strawberry's page that loads it from a CDN.
        return graphiql_page()


def _is_subscription(query: str | None, operation_name: str | None) -> bool:
    if not query or "subscription" not in query:
        return False
    try:
        document = parse(query)
    except GraphQLError:
        return False  # reported by the normal path
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation == OperationType.SUBSCRIPTION


class BodySizeLimit:
    """Refuses request bodies over the limit before GraphQL parses them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            # The app's own coroutine, not one of ours awaiting it: a WebSocket lives for
            # hours, and a suspended frame per socket is memory per socket.
            return self.app(scope, receive, send)
        return self._limited(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = {
            "errors": [
                {
                    "message": f"Request body is larger than {self.max_bytes} bytes",
                    "extensions": {"code": str(ErrorCode.PAYLOAD_TOO_LARGE)},
                }
            ]
        }
        response = Response(json.dumps(body), status_code=413, media_type="application/json")
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    runtime: Runtime = request.state.runtime
    checks = {
        "database": await database_ready(runtime.mongo),
        "pubsub": runtime.services.pubsub.healthy,
    }
    status = 200 if all(checks.values()) else 503
    return JSONResponse({"ready": status == 200, "checks": checks}, status_code=status)


def create_app(settings: Settings) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        async with open_runtime(settings, "api") as runtime:
            freeze_now()
            policy = asyncio.create_task(run_gc_policy())
            try:
                yield {"runtime": runtime}
            finally:
                policy.cancel()

    graphql = ImchatGraphQL(
        build_schema(settings),
        graphql_ide="graphiql" if settings.graphiql else None,
        keep_alive=True,
        keep_alive_interval=15,
        connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        allowed_origins=settings.browser_origins,
    )
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *web_routes(settings),
        ],
        middleware=embed_cors(settings),
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    return app
