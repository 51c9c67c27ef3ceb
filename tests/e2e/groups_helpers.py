"""Helpers for group tests: a group of friends made through the public API."""

from __future__ import annotations

from tests.e2e.chat import Person, person
from tests.e2e.conftest import Server

CREATE = (
    "mutation($n: String!, $m: [ID!]) { createGroup(name: $n, memberIds: $m) "
    "{ id conversationId memberCount myRole } }"
)


async def befriend(a: Person, b: Person) -> None:
    request = await a.run("mutation($id: ID!) { requestFriend(userId: $id) { id } }", id=b.id)
    await b.run(
        "mutation($id: ID!) { respondToRequest(requestId: $id, accept: true) { id } }",
        id=request["requestFriend"]["id"],
    )


async def group_of(
    server: Server, size: int, name: str = "Crew"
) -> tuple[list[Person], dict[str, str]]:
    """`size` people; the first owns a group with all the others, who are their friends."""
    people = [await person(server, f"g{i}_") for i in range(size)]
    for other in people[1:]:
        await befriend(people[0], other)
    created = await people[0].run(CREATE, n=name, m=[p.id for p in people[1:]])
    return people, created["createGroup"]
