"""Options of an ``openai:`` backend, from a reference string or a config block."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interlace.protocols.errors import ConfigError

from ..refs import ModelRef
from .kinds import ServerKind

ToolStrategy = Literal["auto", "native", "json_schema", "parse", "none"]


class OpenAISettings(BaseModel):
    """How to reach and use one OpenAI-compatible server.

    ``tool_strategy``: ``auto`` picks native tool calls where the server kind has them,
    else a JSON Schema constraint, else parsing; ``parse`` prompts and parses (opt-in for
    servers that cannot constrain); ``none`` disables tool calls.
    ``native_tools`` / ``json_schema`` override what the server kind's profile declares
    (e.g. ``native_tools: false`` for a vLLM started without a tool-call parser).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str
    model: str | None = None
    api_key_env: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    server: ServerKind = "auto"
    tool_strategy: ToolStrategy = "auto"
    native_tools: bool | None = None
    json_schema: bool | None = None
    timeout: float = Field(default=120.0, gt=0)
    connect_timeout: float = Field(default=5.0, gt=0)
    max_retries: int = Field(default=3, ge=0)
    backoff: float = Field(default=0.5, ge=0)
    max_backoff: float = Field(default=8.0, ge=0)
    max_retry_after: float = Field(default=60.0, ge=0)
    max_connections: int = Field(default=64, gt=0)
    repair_attempts: int = Field(default=1, ge=0)
    context_window: int | None = Field(default=None, gt=0)
    extra_body: dict[str, Any] = Field(default_factory=dict)

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                f"base_url {value!r} must start with http:// or https://, "
                "for example http://127.0.0.1:8000/v1"
            )
        return value.rstrip("/")

    @field_validator("api_key_env")
    @classmethod
    def _key_is_set(cls, name: str | None) -> str | None:
        return require_env(name)

    def api_key(self) -> str | None:
        """The API key read from ``api_key_env``; a missing variable is a config error."""
        if self.api_key_env is None:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise ConfigError(
                f"environment variable {self.api_key_env} (api_key_env of {self.base_url}) "
                "is not set; export it or remove api_key_env"
            )
        return key

    def auth_headers(self) -> dict[str, str]:
        """The configured headers plus ``Authorization`` when an API key is set."""
        key = self.api_key()
        return {**self.headers, **({"Authorization": f"Bearer {key}"} if key else {})}


def settings_from_ref(ref: ModelRef) -> OpenAISettings:
    """Validate a reference's target and options, e.g. ``openai:http://h:8000/v1?model=m``."""
    from ..registry import backend_options

    settings: OpenAISettings = backend_options(ref)
    return settings


def require_env(name: str | None) -> str | None:
    """``api_key_env`` must name a variable that is set (checked when the model is
    resolved, so ``interlace validate`` refuses what a run would)."""
    if name is not None and not os.environ.get(name):
        raise ValueError(
            f"environment variable {name} (api_key_env) is not set; export it or remove api_key_env"
        )
    return name


def openai_endpoints(settings: OpenAISettings) -> list[str]:
    """Where an ``openai:`` model connects (its registration's ``endpoints``)."""
    return [settings.base_url]
