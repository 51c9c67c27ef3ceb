"""The web client in headless Chromium against the real app: run by web-embed/e2e/run.mjs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from imchat.adapters.embedded_mongo import free_port
from imchat.web.routes import DIST
from tests.e2e.conftest import start_server, stop_server

ROOT = Path(__file__).parents[3]
WEB = ROOT / "web-embed"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def _missing_prerequisites() -> list[str]:
    # Not a skip: a browser suite that quietly does not run would hide a broken client.
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install -y chromium; .ci/run does it)")
    if shutil.which("node") is None:
        missing.append("node (Node.js 20)")
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        missing.append("web-embed/node_modules (cd web-embed && npm ci)")
    if not (DIST / "index.html").is_file():
        missing.append("the built client (make web)")
    return missing


def test_two_people_chat_in_browsers_and_a_host_page_embeds_the_client(
    mongo_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    missing = _missing_prerequisites()
    assert not missing, "browser suite cannot run; missing: " + ", ".join(missing)
    host_port, evil_port = free_port(), free_port()
    server = start_server(
        mongo_url,
        tmp_path_factory.mktemp("browser"),
        extra_env={"IMCHAT_EMBED_ORIGINS": f"http://localhost:{host_port}"},
    )
    try:
        result = subprocess.run(
            ["node", "--test-reporter=spec", "e2e/run.mjs"],
            cwd=WEB,
            env={
                **os.environ,
                "IMCHAT_URL": server.base_url,
                "HOST_PORT": str(host_port),
                "EVIL_PORT": str(evil_port),
                "ARTIFACTS_DIR": str(ARTIFACTS),
                "CHROMIUM_PATH": str(CHROMIUM),
            },
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    finally:
        stop_server(server)
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"browser suite failed:\n{report[-6000:]}"
    # A runner that found no test also exits 0; the report must show tests that passed.
    assert re.search(r"\bpass [1-9]", report), report
    assert re.search(r"\bfail 0\b", report), report
