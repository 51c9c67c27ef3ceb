"""The real app under uvicorn in its own process, and real GraphQL clients for it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from imchat.adapters.embedded_mongo import free_port
from tests.conftest import unique


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def ws_url(self) -> str:
        return self.graphql_url.replace("http://", "ws://")


def start_server(
    mongo_url: str | None,
    data_dir: Path,
    extra_env: dict[str, str] | None = None,
    database: str = "",
) -> Server:
    """`imchat serve` as a child process; no `mongo_url` means its own embedded database."""
    port = free_port()
    env = {
        **os.environ,
        **({"IMCHAT_MONGODB_URL": mongo_url} if mongo_url else {}),
        "IMCHAT_DATABASE_NAME": database or unique("e2e_"),
        "IMCHAT_SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
        "IMCHAT_ENV": "test",
        **(extra_env or {}),
    }
    log_path = data_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "imchat",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited; see {log_path}")
        try:
            if httpx.get(f"{server.base_url}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not become ready")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def server(mongo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(mongo_url, tmp_path_factory.mktemp("api"))
    try:
        yield running
    finally:
        stop_server(running)


def post(
    server: Server, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    """One GraphQL request over HTTP POST, as any client sends it; returns the JSON body."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        server.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=10,
    )
    body: dict[str, Any] = response.json()
    return body
