"""GraphQL client helpers built on the `gql` library, as a Python app would use it."""

from __future__ import annotations

from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from tests.e2e.conftest import Server

TRANSPORT_WS = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL
LEGACY_WS = WebsocketsTransport.APOLLO_SUBPROTOCOL

REGISTER = """
mutation Register($username: String!, $password: String!, $displayName: String) {
  register(username: $username, password: $password, displayName: $displayName) {
    accessToken refreshToken user { id username displayName }
  }
}
"""


def http_client(server: Server, token: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return Client(transport=AIOHTTPTransport(url=server.graphql_url, headers=headers))


def ws_client(
    server: Server,
    token: str | None,
    subprotocol: str = TRANSPORT_WS,
    device_type: str = "pc",
) -> Client:
    payload: dict[str, Any] = {"deviceType": device_type}
    if token is not None:
        payload["authorization"] = f"Bearer {token}"
    transport = WebsocketsTransport(
        url=server.ws_url,
        init_payload=payload,
        subprotocols=[subprotocol],
        connect_timeout=10,
        close_timeout=2,
        ack_timeout=10,
    )
    return Client(transport=transport)


async def execute(client: Client, query: str, **variables: Any) -> dict[str, Any]:
    async with client as session:
        request = GraphQLRequest(query, variable_values=variables or None)
        result: dict[str, Any] = await session.execute(request)
        return result


async def error_code(client: Client, query: str, **variables: Any) -> str:
    """Runs an operation that must fail and returns its `extensions.code`."""
    try:
        await execute(client, query, **variables)
    except TransportQueryError as error:
        assert error.errors, "a failed operation must carry errors"
        code: str = error.errors[0]["extensions"]["code"]
        return code
    raise AssertionError("operation succeeded but was expected to fail")


async def register(server: Server, name: str, display_name: str | None = None) -> dict[str, Any]:
    from tests.conftest import unique
    from tests.factories import PASSWORD

    result = await execute(
        http_client(server),
        REGISTER,
        username=unique(name),
        password=PASSWORD,
        displayName=display_name,
    )
    payload: dict[str, Any] = result["register"]
    return payload
