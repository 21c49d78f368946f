"""``mcp-sampling:`` references: the MCP host's own model, through sampling.

An agent whose model is ``mcp-sampling:any`` (or ``mcp-sampling:HINT``, a model name the
host may prefer) answers with the model of the MCP client that called it: each model call
becomes a ``sampling/createMessage`` request to that client (see
:mod:`interlace.protocols.peer`). It works only while serving an MCP request whose client
declared sampling; anywhere else a call fails with a clear error. Tool specs go along as
MCP sampling tools, which the client must support (``sampling.tools``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator

from interlace.protocols import Done, ModelRequest, ModelResponse, StreamEvent, TextDelta
from interlace.protocols.errors import BackendUnavailableError
from interlace.protocols.peer import Sampling, current_peer

from .base import Capabilities
from .refs import ModelRef

ANY = ("", "any", "default", "host")
"""Targets that state no model preference."""


class McpSamplingBackend:
    """A backend answering through the calling MCP client's model."""

    def __init__(self, hint: str | None = None) -> None:
        self.hint = hint

    @property
    def name(self) -> str:
        return f"mcp-sampling:{self.hint or 'any'}"

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(native_tools=True, streaming=False, parallel_tool_calls=True)

    async def complete(self, request: ModelRequest) -> ModelResponse:
        """Ask the client's model (one sampling request, keyed by the request's content)."""
        peer = current_peer()
        if peer is None:
            raise BackendUnavailableError(
                f"{self.name} answers only while serving an MCP request (its client's model "
                "answers); run the agent through an MCP client that supports sampling, or "
                "give it another model"
            )
        asked = request.model_copy(update={"cache_key": None})
        question = Sampling(request=asked, model_hint=self.hint)
        key = _key(question)
        answer = (await peer.ask({key: question}))[key]
        assert isinstance(answer, ModelResponse)
        return answer

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """The whole answer as one delta (sampling does not stream)."""
        response = await self.complete(request)
        if response.message.text:
            yield TextDelta(text=response.message.text)
        yield Done(response=response)

    async def aclose(self) -> None:
        """Nothing to release."""


def _key(question: Sampling) -> str:
    """A stable key per request: the same model call asks the same question again."""
    data = json.dumps(question.model_dump(mode="json"), sort_keys=True)
    digest = hashlib.sha256(data.encode()).hexdigest()
    return f"sample_{digest[:16]}"


def mcp_sampling_from_ref(ref: ModelRef) -> McpSamplingBackend:
    """``mcp-sampling:any`` or ``mcp-sampling:MODEL_HINT``."""
    target = ref.target.strip()
    return McpSamplingBackend(None if target.lower() in ANY else target)
