"""Serves the built web client: the chat app at /, the iframe mode at /embed, GraphiQL for
/graphql (see ImchatGraphQL.render_graphql_ide), and assets."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from imchat.config import Settings

DIST = Path(__file__).parent / "dist"
CONFIG_MARKER = "<!--imchat-config-->"

NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>imchat: web client not built</title>
<h1>The web client is not built</h1>
<p>The API works at <a href="/graphql">/graphql</a>. To build the browser client, run
<code>make web</code> (or <code>cd web-embed &amp;&amp; npm ci &amp;&amp; npm run build</code>)
and reload; <code>make run</code> does it for you.</p>
"""

GRAPHIQL_NOT_BUILT = """<!doctype html><meta charset="utf-8">
<title>imchat: GraphiQL not built</title>
<h1>GraphiQL is not built</h1>
<p>GraphiQL is bundled with the web client and served from this server, never from a CDN.
To build it, run <code>make web</code> (or
<code>cd web-embed &amp;&amp; npm ci &amp;&amp; npm run build</code>) and reload;
<code>make run</code> does it for you. Meanwhile the API answers POST requests here.</p>
"""

# The bundle has no inline script and no eval; styles may be set by Vue bindings.
_CSP_BASE = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)
# GraphiQL's stylesheet carries its fonts as data: URLs; Monaco's workers are bundle files.
_CSP_GRAPHIQL = f"{_CSP_BASE}; font-src 'self' data:; worker-src 'self'; frame-ancestors 'self'"


def _headers(csp: str) -> dict[str, str]:
    return {
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Content-Security-Policy": csp,
    }


def graphiql_page() -> Response:
    """GraphiQL as built by web-embed (graphiql.html): every asset comes from /assets."""
    html_file = DIST / "graphiql.html"
    headers = _headers(_CSP_GRAPHIQL)
    if not html_file.is_file():
        return HTMLResponse(GRAPHIQL_NOT_BUILT, status_code=503, headers=headers)
    return HTMLResponse(html_file.read_text(encoding="utf-8"), headers=headers)


def _page(name: str, config: dict[str, object], frame_ancestors: str) -> Response:
    html_file = DIST / name
    headers = _headers(f"{_CSP_BASE}; frame-ancestors {frame_ancestors}")
    if not html_file.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503, headers=headers)
    # A JSON data block is never executed, so it needs no script-src exception; escaping
    # "<" keeps any configured value from closing the element.
    data = json.dumps(config).replace("<", "\\u003c")
    block = f'<script type="application/json" id="imchat-config">{data}</script>'
    html = html_file.read_text(encoding="utf-8").replace(CONFIG_MARKER, block)
    return HTMLResponse(html, headers=headers)


def web_routes(settings: Settings) -> list[BaseRoute]:
    """Routes for the web client; they answer even before the client is built."""
    embed_origins = settings.embed_origins
    ancestors = " ".join(["'self'", *embed_origins])

    async def app_page(request: Request) -> Response:
        return _page("index.html", {"mode": "app"}, "'self'")

    async def embed_page(request: Request) -> Response:
        return _page("embed.html", {"mode": "embed", "embedOrigins": embed_origins}, ancestors)

    return [
        Route("/", app_page),
        Route("/embed", embed_page),
        Mount(
            "/assets",
            app=StaticFiles(directory=DIST / "assets", check_dir=False),
            name="assets",
        ),
    ]


def embed_cors(settings: Settings) -> list[Middleware]:
    """CORS for /graphql from the embed hosts, so the Vue component can run on their pages.

    Only the Authorization header is accepted, never cookies, so no credentials mode.
    """
    if not settings.embed_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.embed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
            max_age=600,
        )
    ]
