"""The ``litellm:`` backend: hosted providers through litellm (imported only when used).

``litellm:anthropic/claude-...``, ``litellm:openai/gpt-...``, or any litellm model with
``api_base`` (``litellm:openai/NAME?api_base=http://127.0.0.1:8000/v1``). litellm's remote
cost-map download and its telemetry are switched off before it is imported; requests go
through the same tool strategies and checks as the ``openai:`` backend.
"""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import AsyncGenerator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interlace.protocols.errors import (
    BackendError,
    BackendUnavailableError,
    ConfigError,
    InterlaceError,
)

from .openai.chat import ChatCompletionsBackend
from .openai.failures import status_error
from .openai.kinds import ServerKind, profile_for
from .openai.settings import ToolStrategy, require_env
from .refs import ModelRef

Json = dict[str, Any]
_warmed = False


class LiteLLMSettings(BaseModel):
    """Options of a ``litellm:`` model (``server`` reuses the ``openai:`` kind table)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(min_length=1)
    api_base: str | None = None
    api_key_env: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    server: ServerKind = "openai"
    tool_strategy: ToolStrategy = "auto"
    native_tools: bool | None = None
    json_schema: bool | None = None
    timeout: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=3, ge=0)
    repair_attempts: int = Field(default=1, ge=0)
    context_window: int | None = Field(default=None, gt=0)
    extra_body: dict[str, Any] = Field(default_factory=dict)

    @field_validator("api_key_env")
    @classmethod
    def _key_is_set(cls, name: str | None) -> str | None:
        return require_env(name)


def litellm_endpoints(settings: LiteLLMSettings) -> list[str]:
    """Where a ``litellm:`` model connects when it names one (``api_base``)."""
    return [settings.api_base] if settings.api_base else []


def load_litellm() -> Any:
    """Import litellm with its remote cost map and telemetry off."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    global _warmed
    if not _warmed:
        # litellm's response models build their pydantic schemas on first use, and pydantic
        # warns there about a TypedDict of litellm's; build them once, quietly.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            litellm.ModelResponse()
            litellm.ModelResponseStream()
        _warmed = True
    return litellm


def _error(exc: Exception, where: str) -> InterlaceError:
    litellm = load_litellm()
    if isinstance(exc, litellm.APIConnectionError | litellm.ServiceUnavailableError):
        return BackendUnavailableError(
            f"cannot reach {where} through litellm ({exc}). Check the provider's address "
            "(api_base), that the server is running, and your network"
        )
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and status >= 400:
        return status_error(status, str(getattr(exc, "message", exc)), where, None)
    return BackendError(f"litellm call to {where} failed: {exc}")


class LiteLLMTransport:
    """Sends Chat Completions bodies through ``litellm.acompletion``."""

    def __init__(self, settings: LiteLLMSettings) -> None:
        self.settings = settings
        self.url = settings.api_base or f"litellm:{settings.model}"
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _openai_client(self, api_key: str) -> Any:
        """Our own pooled client for OpenAI-compatible bases, one per event loop.

        litellm caches clients process-wide; owning this one lets :meth:`aclose` release
        its connections and keeps a client from being reused on another event loop.
        """
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import httpx
            import openai

            self._client = openai.AsyncOpenAI(
                api_key=api_key,
                base_url=self.settings.api_base,
                max_retries=0,
                http_client=httpx.AsyncClient(timeout=self.settings.timeout),
            )
            self._loop = loop
        return self._client

    def _kwargs(self, body: Json) -> Json:
        s = self.settings
        kwargs = {k: v for k, v in body.items() if k != "prompt_cache_key"}
        kwargs.update(model=s.model, timeout=s.timeout, num_retries=s.max_retries)
        if s.api_base:
            kwargs["api_base"] = s.api_base
        if s.headers:
            kwargs["extra_headers"] = dict(s.headers)
        if s.api_key_env:
            key = os.environ.get(s.api_key_env)
            if not key:
                raise ConfigError(f"environment variable {s.api_key_env} is not set; export it")
            kwargs["api_key"] = key
        elif s.api_base:
            kwargs["api_key"] = "none"  # local servers need none, litellm wants one
        if s.api_base and s.model.startswith("openai/"):
            kwargs["client"] = self._openai_client(kwargs["api_key"])
        return kwargs

    async def complete(self, body: Json) -> Json:
        litellm = load_litellm()
        try:
            response = await litellm.acompletion(**self._kwargs(body))
        except InterlaceError:
            raise
        except Exception as exc:
            raise _error(exc, self.url) from exc
        data: Json = response.model_dump()
        return data

    async def stream(self, body: Json) -> AsyncGenerator[Json, None]:
        litellm = load_litellm()
        kwargs = self._kwargs(body) | {"stream": True}
        try:
            response = await litellm.acompletion(**kwargs)
        except Exception as exc:
            raise _error(exc, self.url) from exc
        try:
            async for chunk in response:
                yield chunk.model_dump()
        except InterlaceError:
            raise
        except Exception as exc:
            raise _error(exc, self.url) from exc
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        """Close the client this transport owns (litellm pools its own otherwise)."""
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.close()


def litellm_from_ref(ref: ModelRef) -> ChatCompletionsBackend:
    """Build the backend for ``litellm:PROVIDER/MODEL?api_base=...`` or a config block."""
    from .registry import backend_options

    settings: LiteLLMSettings = backend_options(ref)
    profile = profile_for(settings.server).overridden(settings.native_tools, settings.json_schema)
    return ChatCompletionsBackend(
        name=f"litellm:{settings.model}",
        transport=LiteLLMTransport(settings),
        profile=profile,
        model=None,
        tool_strategy=settings.tool_strategy,
        repair_attempts=settings.repair_attempts,
        extra_body=settings.extra_body,
        context_window=settings.context_window,
    )
