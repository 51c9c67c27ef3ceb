"""A bare Strawberry relay: the GraphQL layer alone, with no database, queue or auth.

`sendMessage(to, body)` over HTTP puts the body on the recipient's queue; the recipient's
`events(user)` subscription (graphql-transport-ws) yields it. Configured as STACK.md's
best measured relay: parser and validation caches, and `gc.freeze()` after start-up.
Target (a) of the delivery benchmark is stated against this relay, so measuring it in
the same run turns that target into a ratio that survives this machine's noise.

Run: uvicorn strawberry_relay:app --app-dir bench --no-access-log
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

queues: dict[str, asyncio.Queue[str]] = {}


@strawberry.type
class Query:
    @strawberry.field
    def sockets(self) -> int:
        return len(queues)


@strawberry.type
class Mutation:
    @strawberry.mutation
    def send_message(self, to: str, body: str) -> bool:
        queue = queues.get(to)
        if queue is None:
            return False
        queue.put_nowait(body)
        return True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self, user: str) -> AsyncGenerator[str, None]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        queues[user] = queue
        try:
            while True:
                yield await queue.get()
        finally:
            if queues.get(user) is queue:
                del queues[user]


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[lambda: ParserCache(maxsize=128), lambda: ValidationCache(maxsize=128)],
)
graphql: GraphQL[None, None] = GraphQL(schema, graphql_ide=None)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "sockets": len(queues)})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    gc.collect()
    gc.freeze()
    yield


app = Starlette(
    routes=[
        Route("/graphql", graphql, methods=["POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
    ],
    lifespan=lifespan,
)
