"""The web client's routes: pages, the embed's framing policy, and CORS for embed hosts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from imchat.config import Settings
from imchat.web import routes
from imchat.web.routes import embed_cors, web_routes

HOST = "https://shop.example"


async def fetch(
    settings: Settings, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> httpx.Response:
    app = Starlette(routes=web_routes(settings), middleware=embed_cors(settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://imchat.test") as client:
        return await client.request(method, path, headers=headers)


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    page = "<html><head><!--imchat-config--></head><body>{}</body></html>"
    (dist / "index.html").write_text(page.format("app"))
    (dist / "embed.html").write_text(page.format("embed"))
    (dist / "assets" / "app.js").write_text("console.log('hi')")
    monkeypatch.setattr(routes, "DIST", dist)
    return dist


def config_of(html: str) -> dict[str, object]:
    found = re.search(r'id="imchat-config">(.*?)</script>', html)
    assert found, html
    parsed: dict[str, object] = json.loads(found.group(1))
    return parsed


async def test_embed_may_be_framed_only_by_the_configured_origins(built: Path) -> None:
    response = await fetch(Settings(embed_origins=[HOST]), "/embed")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {HOST}" in csp


async def test_embed_page_carries_the_allowed_origins_for_its_postmessage_checks(
    built: Path,
) -> None:
    html = (await fetch(Settings(embed_origins=[HOST]), "/embed")).text
    assert config_of(html) == {"mode": "embed", "embedOrigins": [HOST]}


async def test_inlined_config_cannot_close_its_script_element(built: Path) -> None:
    settings = Settings(embed_origins=["https://x.example</script><script>"])
    html = (await fetch(settings, "/embed")).text
    assert "</script><script>" not in html


async def test_the_app_page_may_not_be_framed_by_other_sites(built: Path) -> None:
    response = await fetch(Settings(embed_origins=[HOST]), "/")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'self';" in csp + ";"
    assert HOST not in csp


async def test_assets_are_served_from_the_build(built: Path) -> None:
    response = await fetch(Settings(), "/assets/app.js")
    assert response.status_code == 200
    assert "console.log" in response.text


async def test_unbuilt_client_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "DIST", tmp_path / "missing")
    response = await fetch(Settings(), "/")
    assert response.status_code == 503
    assert "make web" in response.text


async def test_embed_hosts_may_call_graphql_across_origins() -> None:
    settings = Settings(embed_origins=[HOST])
    response = await fetch(
        settings,
        "/graphql",
        "OPTIONS",
        {
            "Origin": HOST,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.headers["access-control-allow-origin"] == HOST


async def test_other_origins_get_no_cors_grant() -> None:
    response = await fetch(
        Settings(embed_origins=[HOST]),
        "/graphql",
        "OPTIONS",
        {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers


def test_embed_origins_may_also_open_websockets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMCHAT_EMBED_ORIGINS", f"{HOST}, https://b.example")
    monkeypatch.setenv("IMCHAT_ALLOWED_ORIGINS", "https://app.example")
    assert Settings().browser_origins == ["https://app.example", HOST, "https://b.example"]
