"""Type aliases shared across layers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

JsonObject = Mapping[str, Any]


@dataclass(frozen=True)
class Incoming:
    """One delivery taken from the queue; `redelivered` means it may have been handled before."""

    payload: dict[str, Any]
    redelivered: bool


BatchHandler = Callable[[list[Incoming]], Awaitable[None]]
