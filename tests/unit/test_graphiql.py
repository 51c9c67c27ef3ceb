"""GraphiQL at /graphql is the bundle built from web-embed, never Strawberry's CDN page."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import strawberry
from starlette.types import Receive, Scope, Send

from imchat.app import ImchatGraphQL
from imchat.config import Settings
from imchat.schema.root import build_schema
from imchat.web import routes

CDNS = ("unpkg", "jsdelivr", "esm.sh", "cdnjs", "googleapis")
BUILT = routes.DIST / "graphiql.html"


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    return build_schema(Settings())


async def open_graphiql(schema: strawberry.Schema, graphql_ide: str | None) -> httpx.Response:
    """GET /graphql as a browser does, with the page switched on or off."""
    graphql = ImchatGraphQL(schema, graphql_ide="graphiql" if graphql_ide else None)
    # get_context runs before the page is rendered; it needs no more than a token reader.
    runtime = SimpleNamespace(
        services=SimpleNamespace(tokens=SimpleNamespace(user_from_bearer=lambda _: None))
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await graphql({**scope, "state": {"runtime": runtime}}, receive, send)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://imchat.test") as client:
        return await client.get("/graphql", headers={"Accept": "text/html"})


def external_urls(text: str) -> list[str]:
    return re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", text)


def local_references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


async def test_graphql_serves_the_page_from_the_build(
    schema: strawberry.Schema, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "graphiql.html").write_text('<script src="/assets/graphiql-x.js"></script>')
    monkeypatch.setattr(routes, "DIST", tmp_path)
    response = await open_graphiql(schema, "graphiql")
    assert response.status_code == 200
    assert response.text == '<script src="/assets/graphiql-x.js"></script>'
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "connect-src 'self';" in csp


async def test_the_built_page_loads_only_local_assets(schema: strawberry.Schema) -> None:
    # `make test` builds the web client first; a missing build is a failure, not a skip.
    assert BUILT.is_file(), "web client not built: run `make web`"
    response = await open_graphiql(schema, "graphiql")
    assert response.status_code == 200
    html = response.text
    assert external_urls(html) == []
    references = local_references(html)
    assert any(ref.endswith(".js") for ref in references), html
    assert any(ref.endswith(".css") for ref in references), html
    for ref in references:
        if ref.startswith("data:"):
            continue
        assert ref.startswith("/assets/"), ref
        assert (routes.DIST / ref.removeprefix("/")).is_file(), ref
    for asset in (routes.DIST / "assets").iterdir():
        if asset.suffix in {".js", ".css"}:
            text = asset.read_text(encoding="utf-8").lower()
            assert not [cdn for cdn in CDNS if cdn in text], asset.name


async def test_unbuilt_graphiql_says_how_to_build_it_and_links_nothing_external(
    schema: strawberry.Schema, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "DIST", tmp_path / "missing")
    response = await open_graphiql(schema, "graphiql")
    assert response.status_code == 503
    assert "make web" in response.text
    assert external_urls(response.text) == []


async def test_graphiql_switched_off_serves_no_page(
    schema: strawberry.Schema, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "graphiql.html").write_text("<title>GraphiQL</title>")
    monkeypatch.setattr(routes, "DIST", tmp_path)
    response = await open_graphiql(schema, None)
    assert response.status_code == 404
    assert "GraphiQL" not in response.text
