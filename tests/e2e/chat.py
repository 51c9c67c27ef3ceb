"""Chat helpers for end-to-end tests: users who are friends, and an event listener."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from gql import GraphQLRequest

from tests.e2e.clients import TRANSPORT_WS, execute, http_client, register, ws_client
from tests.e2e.conftest import Server

EVENTS = """
subscription($since: Int) {
  events(since: $since) {
    __typename
    ... on MessageEvent { eventSeq
          message { id seq content clientId conversationId sender { id } } }
    ... on ReadReceiptEvent { eventSeq conversationId userId upToSeq }
    ... on ConversationUpdatedEvent { eventSeq totalUnread
          conversation { id unreadCount lastReadSeq lastMessage { seq content } } }
    ... on FriendRequestEvent { eventSeq request { id status } }
    ... on TypingEvent { conversationId userId }
    ... on PresenceEvent { userId online devices }
    ... on ResyncRequiredEvent { latestEventSeq }
  }
}
"""
SEND = """
mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { id seq content clientId conversationId createdAt sender { id } }
}
"""
MARK_READ = """
mutation($c: ID!, $s: Int) { markRead(conversationId: $c, upToSeq: $s) {
  id unreadCount lastReadSeq } }
"""
CONVERSATIONS = """
query { totalUnread conversations { edges { cursor node { id kind unreadCount lastReadSeq
  peer { id } lastMessage { seq content sender { id } } } } pageInfo { hasNextPage } } }
"""


@dataclass
class Person:
    server: Server
    auth: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.auth["user"]["id"])

    @property
    def token(self) -> str:
        return str(self.auth["accessToken"])

    async def run(self, query: str, **variables: Any) -> dict[str, Any]:
        return await execute(http_client(self.server, self.token), query, **variables)

    async def send(
        self, conversation_id: str, content: str, client_id: str | None = None
    ) -> dict[str, Any]:
        result = await self.run(
            SEND,
            input={
                "conversationId": conversation_id,
                "content": content,
                "clientId": client_id or uuid.uuid4().hex,
            },
        )
        message: dict[str, Any] = result["sendMessage"]
        return message


async def person(server: Server, name: str) -> Person:
    return Person(server, await register(server, name))


async def friends(server: Server) -> tuple[Person, Person, str]:
    """Two new users who are friends, and their conversation id."""
    ann, bob = await person(server, "ann"), await person(server, "bob")
    request = await ann.run("mutation($id: ID!) { requestFriend(userId: $id) { id } }", id=bob.id)
    await bob.run(
        "mutation($id: ID!) { respondToRequest(requestId: $id, accept: true) { id } }",
        id=request["requestFriend"]["id"],
    )
    listed = await ann.run("query { friends { user { id } conversationId } }")
    return ann, bob, str(listed["friends"][0]["conversationId"])


@dataclass
class Listener:
    """Collects a user's `events` stream in the background."""

    events: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def of_type(self, typename: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["__typename"] == typename]

    def messages(self) -> list[dict[str, Any]]:
        return [e["message"] for e in self.of_type("MessageEvent")]

    async def wait_for(self, predicate: Any, within: float = 20.0) -> None:
        async def check() -> None:
            while not predicate(self):
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(check(), within)

    @property
    def last_seq(self) -> int:
        seqs = [e["eventSeq"] for e in self.events if "eventSeq" in e]
        return max(seqs) if seqs else 0


@contextlib.asynccontextmanager
async def listening(
    server: Server,
    who: Person,
    since: int | None = None,
    device: str = "pc",
    subprotocol: str = TRANSPORT_WS,
    settle: float = 0.5,
) -> AsyncIterator[Listener]:
    listener = Listener()

    async def pump() -> None:
        async with ws_client(server, who.token, subprotocol, device) as session:
            request = GraphQLRequest(EVENTS, variable_values={"since": since})
            async for result in session.subscribe(request):
                listener.events.append(result["events"])
                listener.changed.set()

    task = asyncio.create_task(pump())
    await asyncio.sleep(settle)  # the subscription is registered on the server
    try:
        yield listener
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
