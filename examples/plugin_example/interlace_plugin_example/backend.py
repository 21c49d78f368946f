"""The plugin's backend: ``reverse:NAME``, a deterministic model for demos and tests.

It calls the first offered tool with the user's text, then answers with the last message
(the tool's result, or the user's text) reversed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio.lowlevel

from interlace.protocols import (
    Message,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    ToolCall,
    Usage,
    response_events,
)
from interlace.runtimes import Capabilities, ModelRef, StreamingBackend


class ReverseBackend(StreamingBackend):
    """Reverses text; calls a tool first when tools are offered."""

    def __init__(self, name: str) -> None:
        self._name = f"reverse:{name}"

    @property
    def name(self) -> str:
        return self._name

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(native_tools=True, streaming=True, context_window=4096)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        for event in response_events(self._respond(request)):
            await anyio.lowlevel.checkpoint()  # a cancelled consumer stops the stream here
            yield event

    def _respond(self, request: ModelRequest) -> ModelResponse:
        last = request.messages[-1]
        used_tools = any(message.role == "tool" for message in request.messages)
        if request.tools and request.tool_choice != "none" and not used_tools:
            spec = request.tools[0]
            argument = next(iter(spec.parameters.get("properties", {})), "text")
            call = ToolCall(id="call_reverse_1", name=spec.name, arguments={argument: last.text})
            message = Message.assistant(None, (call,))
        else:
            message = Message.assistant(last.text[::-1])
        words = sum(len(m.text.split()) for m in request.messages)
        return ModelResponse(
            message=message,
            finish_reason="tool_calls" if message.tool_calls else "stop",
            usage=Usage(
                input_tokens=max(words, 1), output_tokens=max(len(message.text.split()), 1)
            ),
            model=self._name,
        )


def reverse_from_ref(ref: ModelRef) -> ReverseBackend:
    """Factory for ``reverse:NAME`` references."""
    return ReverseBackend(ref.target)
