"""The `imchat` command: serve the API, export the schema."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from imchat.config import ConfigurationError, Settings

cli = typer.Typer(help="imchat: real-time instant messaging over one GraphQL endpoint.")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where embedded data and the generated key live")
    ] = None,
) -> None:
    """Run the API (and, with no broker configured, the push worker in-process)."""
    from imchat.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
    try:
        settings.resolve_secret_key()
    except ConfigurationError as error:
        typer.echo(f"imchat: {error}", err=True)
        raise typer.Exit(2) from None
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@cli.command()
def worker() -> None:
    """Run a push worker: RabbitMQ deliveries into inboxes and out on Redis (service mode)."""
    import asyncio
    import signal

    from imchat.runtime import open_runtime

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with open_runtime(settings, "worker"):
            logging.getLogger("imchat.worker").info("Worker running")
            await stop.wait()

    try:
        asyncio.run(main())
    except ConfigurationError as error:
        typer.echo(f"imchat: {error}", err=True)
        raise typer.Exit(2) from None


@cli.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from imchat.schema.root import build_schema

    sys.stdout.write(build_schema(Settings()).as_str() + "\n")


def main() -> None:
    cli()
