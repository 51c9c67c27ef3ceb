"""The transport ceiling: a bare Starlette WebSocket router doing the same 1:1 routing.

Sockets register by user id (`/ws?user=ID`); `POST /send {"to": ID, "body": TEXT}` writes
the body to that user's socket. No GraphQL, no database, no queue: whatever imchat costs
beyond this is the price of its features, which is why every figure is also reported as
a ratio to this router measured in the same run.

Run: uvicorn bare_router:app --app-dir bench --no-access-log
"""

from __future__ import annotations

import gc
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

sockets: dict[str, WebSocket] = {}


async def connect(websocket: WebSocket) -> None:
    user = websocket.query_params.get("user", "")
    await websocket.accept()
    sockets[user] = websocket
    try:
        while True:
            await websocket.receive_text()  # clients send nothing; this notices the close
    except WebSocketDisconnect:
        pass
    finally:
        if sockets.get(user) is websocket:
            del sockets[user]


async def send(request: Request) -> Response:
    payload = json.loads(await request.body())
    websocket = sockets.get(str(payload["to"]))
    if websocket is None:
        return JSONResponse({"delivered": False}, status_code=404)
    await websocket.send_text(payload["body"])
    return JSONResponse({"delivered": True})


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "sockets": len(sockets)})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # The same start-up GC policy as imchat's app, so the comparison is about the work.
    gc.collect()
    gc.freeze()
    yield


app = Starlette(
    routes=[
        WebSocketRoute("/ws", connect),
        Route("/send", send, methods=["POST"]),
        Route("/healthz", healthz),
    ],
    lifespan=lifespan,
)
