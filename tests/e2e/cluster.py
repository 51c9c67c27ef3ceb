"""Service mode for tests: API nodes and push workers as real processes sharing
one database, RabbitMQ and Redis, in a namespace of their own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from imchat.adapters.rabbit_queue import RabbitQueue
from tests.conftest import unique
from tests.e2e.conftest import Server, start_server, stop_server

AMQP_URL = os.environ.get("IMCHAT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("IMCHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class Cluster:
    mongo_url: str
    data_dir: Path
    namespace: str = field(default_factory=lambda: unique("t"))
    database: str = field(default_factory=lambda: unique("cluster_"))
    servers: list[Server] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {
            "IMCHAT_AMQP_URL": AMQP_URL,
            "IMCHAT_REDIS_URL": REDIS_URL,
            "IMCHAT_AMQP_NAMESPACE": self.namespace,
            "IMCHAT_OUTBOX_GRACE_SECONDS": "1",
            "IMCHAT_SWEEP_INTERVAL_SECONDS": "0.5",
            "IMCHAT_DELIVERY_SHARDS": "4",
        }

    def start_api(self) -> Server:
        server = start_server(self.mongo_url, self.data_dir, self.env, database=self.database)
        self.servers.append(server)
        return server

    def start_worker(self) -> subprocess.Popen[bytes]:
        log_path = self.data_dir / f"worker-{len(self.workers)}-{unique('')}.log"
        env = {
            **os.environ,
            **self.env,
            "IMCHAT_MONGODB_URL": self.mongo_url,
            "IMCHAT_DATABASE_NAME": self.database,
            "IMCHAT_SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
            "IMCHAT_ENV": "test",
            "IMCHAT_DATA_DIR": str(self.data_dir),
        }
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "imchat", "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while b"Worker running" not in log_path.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start; see {log_path}")
            time.sleep(0.1)
        self.workers.append(process)
        return process

    def stop_all(self) -> None:
        for server in self.servers:
            if server.process.poll() is None:
                stop_server(server)
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()

    async def delete_queues(self) -> None:
        queue = RabbitQueue(AMQP_URL, shards=4, namespace=self.namespace)
        await queue.start()
        await queue.delete_topology()
        await queue.stop()


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: the process gets no chance to finish or clean up."""
    process.kill()
    process.wait()
