"""What each query and update shape costs on SecantusDB: the facts imchat's data access
is built on (docs/architecture.md cites them). Prints milliseconds per call.

    .venv/bin/python bench/secantus_shapes.py            # about a minute on 2 cores

One SecantusDB server is started for the run; every figure is the mean of sequential
calls from one client, after one warm-up call, so it is the server's time per call plus
one loopback round trip.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from imchat.adapters.embedded_mongo import EmbeddedMongo

CALLS = 50
INC = {"$inc": {"last_seq": 1}}
Doc = dict[str, Any]


async def per_call(call: Callable[[], Awaitable[object]], calls: int = CALLS) -> float:
    await call()
    started = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - started) / calls * 1000


def row(label: str, ms: float) -> None:
    print(f"| {label} | {ms:.2f} |")


async def find_and_modify(db: AsyncDatabase[Doc]) -> None:
    """findAndModify against the indexed update it was replaced by, as conversations grow."""
    for size in (100, 1_000, 5_000):
        collection = db[f"conversations_{size}"]
        docs = [{"_id": ObjectId(), "last_seq": 0} for _ in range(size)]
        await collection.insert_many(docs)
        key = {"_id": docs[3]["_id"]}
        fam = await per_call(
            partial(collection.find_one_and_update, key, INC, return_document=ReturnDocument.AFTER)
        )
        row(f"{size:,} conversations: findAndModify `$inc` by `_id`", fam)
        update = await per_call(partial(collection.update_one, key, INC))
        read = await per_call(partial(collection.find_one, key))
        row(f"{size:,} conversations: update_one `$inc` + find_one by `_id`", update + read)


async def member_rows(db: AsyncDatabase[Doc]) -> None:
    """Member-row shapes for a user with 1,000 conversations and a group of 1,000."""
    members = db["members"]
    heavy, group = ObjectId(), ObjectId()
    crowd = [ObjectId() for _ in range(1_000)]
    rows = [
        {"user_id": heavy, "conversation_id": ObjectId(), "unread_count": int(i % 50 == 0)}
        for i in range(1_000)
    ] + [{"user_id": user, "conversation_id": group, "unread_count": 1} for user in crowd]
    for doc in rows:
        doc |= {"active": True, "last_delivered_seq": 0, "last_message": {"content": "x" * 200}}
        doc["row_key"] = f"{doc['user_id']}:{doc['conversation_id']}"
    await members.insert_many(rows)
    await members.create_indexes(
        [
            IndexModel([("user_id", 1), ("conversation_id", 1)], unique=True),
            IndexModel([("user_id", 1), ("updated_at", -1)]),
            IndexModel([("row_key", 1)]),
            IndexModel([("conversation_id", 1), ("last_read_seq", 1)]),
            IndexModel(
                [("user_id", 1)],
                name="unread_by_user",
                partialFilterExpression={"unread_count": {"$gt": 0}, "active": True},
            ),
        ]
    )
    mine = rows[5]["conversation_id"]
    pair = [heavy, crowd[5]]
    shard = crowd[:60]

    async def find(query: Doc) -> list[Doc]:
        return await members.find(query).to_list()

    shapes: list[tuple[str, Doc]] = [
        (
            "heavy user: `user_id $in` + `conversation_id $in`",
            {"user_id": {"$in": pair}, "conversation_id": {"$in": [mine, group]}},
        ),
        (
            "heavy user: `user_id $in` + `conversation_id` equal",
            {"user_id": {"$in": pair}, "conversation_id": mine},
        ),
        (
            "group of 1,000, 60 members: `conversation_id $in` + `user_id $in`",
            {"conversation_id": {"$in": [group]}, "user_id": {"$in": shard}},
        ),
        (
            "group of 1,000, 60 members: `user_id $in` + `conversation_id` equal",
            {"user_id": {"$in": shard}, "conversation_id": group},
        ),
        (
            "heavy user: exact rows by `row_key $in`",
            {"row_key": {"$in": [f"{heavy}:{mine}", f"{crowd[5]}:{group}"]}},
        ),
        (
            "group of 1,000, 60 members: exact rows by `row_key $in`",
            {"row_key": {"$in": [f"{user}:{group}" for user in shard]}},
        ),
        (
            "heavy user: unread rows, `user_id $in` (partial index)",
            {"user_id": {"$in": pair}, "unread_count": {"$gt": 0}, "active": True},
        ),
        (
            "heavy user: top-level `$or`",
            {
                "user_id": {"$in": pair},
                "$or": [{"conversation_id": mine}, {"unread_count": {"$gt": 0}}],
            },
        ),
    ]
    for label, query in shapes:
        row(label, await per_call(partial(find, query)))

    seq = iter(range(1, 10**6))
    guarded = await per_call(
        lambda: members.bulk_write(
            [
                UpdateOne(
                    {
                        "user_id": heavy,
                        "conversation_id": mine,
                        "last_delivered_seq": {"$lt": next(seq)},
                    },
                    {"$set": {"last_delivered_seq": 0}},
                )
            ]
        )
    )
    row("heavy user: update with a guard in the filter", guarded)
    keyed = await per_call(
        lambda: members.bulk_write(
            [
                UpdateOne(
                    {"user_id": heavy, "conversation_id": mine},
                    [
                        {"$set": {"_ok": {"$lt": ["$last_delivered_seq", next(seq)]}}},
                        {"$set": {"unread_count": {"$cond": ["$_ok", 1, "$unread_count"]}}},
                        {"$unset": "_ok"},
                    ],
                )
            ]
        )
    )
    row("heavy user: update by the unique key, guard inside the pipeline", keyed)


async def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        server = EmbeddedMongo(Path(workdir) / "db")
        await server.astart()
        client: AsyncMongoClient[Doc] = AsyncMongoClient(server.url)
        try:
            print("| shape | ms per call |\n|---|---|")
            await find_and_modify(client["shapes"])
            await member_rows(client["shapes"])
        finally:
            await client.close()
            await server.astop()


if __name__ == "__main__":
    asyncio.run(main())
