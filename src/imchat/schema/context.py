"""What every resolver can reach: the caller, and the services wired at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId
from strawberry.types import Info as StrawberryInfo

from imchat.config import Settings
from imchat.errors import ImchatError, unauthenticated
from imchat.schema.users_cache import UserCache
from imchat.services.messages import TypingLimiter
from imchat.services.outbox import DispatchLog
from imchat.services.ports import DeliveryQueue, PubSub
from imchat.services.presence import PresenceStore
from imchat.services.seqs import SeqHints
from imchat.services.tokens import TokenIssuer


@dataclass(frozen=True)
class Services:
    settings: Settings
    tokens: TokenIssuer
    queue: DeliveryQueue
    pubsub: PubSub
    presence: PresenceStore
    dispatched: DispatchLog
    typing: TypingLimiter = field(default_factory=TypingLimiter)
    seq_hints: SeqHints = field(default_factory=SeqHints)
    users: UserCache = field(default_factory=UserCache)


# Slotted: a subscription keeps its Context for as long as the socket lives.
@dataclass(slots=True)
class Context:
    services: Services
    request: Any = None
    response: Any = None
    user_id: PydanticObjectId | None = None
    device_type: str = "pc"
    connection_params: dict[str, Any] | None = field(default=None)
    # A bad bearer token is reported by the first field that needs a user, so that
    # register and login still work for a client holding an expired token.
    auth_error: ImchatError | None = None

    def require_user(self) -> PydanticObjectId:
        if self.auth_error is not None:
            raise self.auth_error
        if self.user_id is None:
            raise unauthenticated()
        return self.user_id


Info = StrawberryInfo[Context, None]
