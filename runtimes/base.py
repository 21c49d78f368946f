"""The backend interface: one small protocol every model runtime implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from interlace.protocols import Done, ModelRequest, ModelResponse, StreamEvent
from interlace.protocols.errors import BackendError


@dataclass(frozen=True)
class Capabilities:
    """What a backend supports, declared up front (never probed with ``hasattr``).

    ``native_tools``: the model takes tool specs and returns structured calls.
    ``constrained_decoding``: output can be forced to a grammar / JSON Schema, so tool
    calls are valid by construction. ``json_schema_output``: ``response_format`` with a
    JSON Schema is honoured. ``context_window``: tokens, when known. ``base_model``: the
    model is a base (not instruction-tuned) model: it continues text rather than following
    chat instructions, so agents use the ``fewshot`` decision format with it.
    """

    native_tools: bool = False
    constrained_decoding: bool = False
    json_schema_output: bool = False
    streaming: bool = True
    context_window: int | None = None
    parallel_tool_calls: bool = False
    base_model: bool = False

    @property
    def tool_path(self) -> bool:
        """Whether the backend has any way to produce tool calls."""
        return self.native_tools or self.constrained_decoding or self.json_schema_output


@runtime_checkable
class Backend(Protocol):
    """A model runtime: complete a request, or stream it as events."""

    @property
    def name(self) -> str:
        """A short human-readable name, e.g. ``llamacpp:default``."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What this backend supports."""
        ...

    async def complete(self, request: ModelRequest) -> ModelResponse:
        """Run the request to completion."""
        ...

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Run the request, yielding deltas and finally one :class:`Done` event."""
        ...

    async def aclose(self) -> None:
        """Release resources (connections, model handles)."""
        ...


class StreamingBackend(ABC):
    """Base class for backends that stream natively: ``complete`` drains ``stream``."""

    @property
    @abstractmethod
    def name(self) -> str:
        """A short human-readable name."""

    @property
    @abstractmethod
    def capabilities(self) -> Capabilities:
        """What this backend supports."""

    @abstractmethod
    def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Run the request, yielding deltas and finally one :class:`Done` event."""

    async def complete(self, request: ModelRequest) -> ModelResponse:
        """Run the request to completion by draining :meth:`stream`."""
        async for event in self.stream(request):
            if isinstance(event, Done):
                return event.response
        raise BackendError(f"{self.name}: stream ended without a final response")

    async def aclose(self) -> None:
        """Release resources; nothing to do by default."""
