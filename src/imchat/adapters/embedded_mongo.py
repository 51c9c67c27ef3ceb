"""A SecantusDB server (MongoDB wire protocol) run as a child process.

SecantusDB is GPL-2.0 and runs threads that would share our GIL, so it stays behind
the wire: we start its own executable and talk to it over loopback TCP.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from imchat.config import ConfigurationError


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_executable() -> str:
    beside_python = Path(sys.executable).parent / "secantusd-py"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("secantusd-py")
    if found is None:
        raise ConfigurationError(
            "No IMCHAT_MONGODB_URL is set and the embedded database is not installed: "
            "install the 'embedded' extra (pip install 'imchat[embedded]') or point "
            "IMCHAT_MONGODB_URL at a MongoDB server."
        )
    return found


class EmbeddedMongo:
    """Starts SecantusDB on a free loopback port with its data under `storage_path`."""

    def __init__(self, storage_path: Path, port: int | None = None) -> None:
        self.storage_path = storage_path
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        # No retryable writes: SecantusDB remembers each one for 30 minutes (up to 10,000)
        # and walks that whole record on every write, ~7 % of its CPU under load here.
        # A local child process has no failover for a retry to ride out, and every write
        # of ours is safe to repeat by hand (unique keys, guarded updates).
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true&retryWrites=false"

    def start(self, timeout: float = 30.0) -> None:
        self.storage_path.mkdir(parents=True, exist_ok=True)
        log = (self.storage_path / "secantusd.log").open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - our own executable, fixed arguments
            [
                _server_executable(),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--storage-path",
                str(self.storage_path),
                "--log-level",
                "WARNING",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise ConfigurationError(
                    f"The embedded database exited at start; see {self.storage_path}/secantusd.log"
                )
            client: MongoClient[dict[str, object]] = MongoClient(
                self.url, serverSelectionTimeoutMS=500
            )
            try:
                client.admin.command("ping")
                return
            except PyMongoError:
                time.sleep(0.2)
            finally:
                client.close()
        self.stop()
        raise ConfigurationError("The embedded database did not answer in time")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    async def astart(self) -> None:
        await asyncio.to_thread(self.start)

    async def astop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.stop)
