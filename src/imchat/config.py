"""Settings from the environment (IMCHAT_ prefix) and a .env file."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_SECRET_BYTES = 32


class ConfigurationError(Exception):
    """The settings cannot run a service; the message says what to set."""


def _split_origins(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IMCHAT_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    mongodb_url: str | None = None
    database_name: str = "imchat"
    amqp_url: str | None = None
    redis_url: str | None = None
    secret_key: SecretStr | None = None
    data_dir: Path = Path("data")

    access_token_ttl_seconds: int = Field(default=15 * 60, ge=30)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)

    graphiql: bool = True
    introspection: bool = True
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Host pages allowed to frame /embed; they may also open WebSockets and call /graphql.
    embed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_query_depth: int = 10
    max_query_tokens: int = 2000
    max_query_aliases: int = 15
    max_request_bytes: int = 2 * 1024 * 1024
    ws_init_timeout_seconds: float = 10.0
    max_subscriptions_per_connection: int = 10

    max_group_members: int = Field(default=2000, ge=2)
    inbox_retention_days: float = Field(default=7, gt=0)
    outbox_grace_seconds: float = Field(default=5, gt=0)
    sweep_interval_seconds: float = Field(default=2, gt=0)
    delivery_shards: int = Field(default=16, ge=1, le=256)
    # Prefix of the RabbitMQ exchange and queues, so several deployments can share a broker.
    amqp_namespace: str = Field(default="imchat", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    worker_batch: int = Field(default=200, ge=1, le=5000)

    @field_validator("allowed_origins", "embed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split_origins(value)

    @property
    def browser_origins(self) -> list[str]:
        """Origins whose pages may open WebSockets here: the allowed ones and the embed hosts."""
        return list(dict.fromkeys([*self.allowed_origins, *self.embed_origins]))

    @property
    def embedded_messaging(self) -> bool:
        """No broker configured: queue and pub/sub run inside the one `imchat serve` process."""
        if bool(self.amqp_url) != bool(self.redis_url):
            raise ConfigurationError(
                "Set both IMCHAT_AMQP_URL and IMCHAT_REDIS_URL (many processes) or neither "
                "(one process with in-memory queue and pub/sub)."
            )
        return not self.amqp_url

    def resolve_secret_key(self) -> str:
        """The signing key: configured, or generated once under the data dir outside production."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            key = self.secret_key.get_secret_value()
            if len(key.encode()) < MIN_SECRET_BYTES:
                raise ConfigurationError(
                    f"IMCHAT_SECRET_KEY must be at least {MIN_SECRET_BYTES} bytes long"
                )
            return key
        if self.env == "production":
            raise ConfigurationError(
                "IMCHAT_SECRET_KEY is not set. Production refuses to start without a secret "
                "key: set it to a long random string shared by every API node and worker."
            )
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key
