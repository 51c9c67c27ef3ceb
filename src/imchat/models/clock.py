"""Wall-clock time for display fields; ordering never depends on it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    # MongoDB keeps milliseconds; truncating here makes a value read back equal the one written.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
