"""A backend over any Chat Completions transport (HTTP, litellm): strategies and checks.

Text streams live; tool calls are emitted once they are assembled, repaired where safe
and validated, so a consumer never sees a call that breaks its schema. Unusable replies
go back to the model with the problems listed (``repair_attempts`` times) before a
:class:`BackendError` is raised.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from typing import Any, Literal, Protocol

from interlace.protocols import (
    Done,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
    response_events,
)
from interlace.protocols.errors import BackendError, ProtocolError
from interlace.protocols.openai_wire import ChunkDecoder, usage_to_openai

from ..base import Capabilities, StreamingBackend
from .decoding import Mode, Outcome, decode
from .kinds import ServerProfile
from .repair import may_be_json
from .settings import ToolStrategy
from .strategies import build_body, choose_mode, with_feedback

Json = dict[str, Any]


class ChatTransport(Protocol):
    """Sends Chat Completions bodies somewhere and returns OpenAI-shaped JSON."""

    url: str

    async def complete(self, body: Json) -> Json:
        """One non-streamed completion."""
        ...

    def stream(self, body: Json) -> AsyncGenerator[Json, None]:
        """The chunks of a streamed completion; raises on a truncated stream."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


def capabilities_of(
    profile: ServerProfile, strategy: ToolStrategy, context_window: int | None
) -> Capabilities:
    """What a server of ``profile`` offers under ``strategy``."""
    if strategy == "none":
        return Capabilities(context_window=context_window)
    schema = profile.schema_style is not None and strategy in ("auto", "json_schema")
    native = strategy in ("native", "parse") or (strategy == "auto" and profile.native_tools)
    return Capabilities(
        native_tools=native,
        constrained_decoding=schema,
        json_schema_output=profile.schema_style is not None,
        streaming=True,
        context_window=context_window,
        parallel_tool_calls=native and profile.parallel_tool_calls,
    )


class _TextGate:
    """Holds back text that may still turn out to be a tool call written as JSON."""

    def __init__(self, policy: Literal["open", "sniff", "hold"]) -> None:
        self.policy = policy
        self.held = ""
        self.emitted = ""

    def push(self, text: str) -> str:
        if self.policy == "sniff" and not may_be_json(self.held + text):
            self.policy = "open"
        if self.policy != "open":
            self.held += text
            return ""
        out, self.held = self.held + text, ""
        self.emitted += out
        return out


def _gate_policy(request: ModelRequest, mode: Mode) -> Literal["open", "sniff", "hold"]:
    if mode in ("schema", "parse"):
        return "hold"
    if not request.tools or request.tool_choice == "none":
        return "open"
    return "sniff" if request.tool_choice == "auto" else "hold"


def _synthesized(decoder: ChunkDecoder, pieces: int) -> Json:
    """The non-streamed completion equivalent to everything a decoder was fed."""
    calls = [
        {
            "id": partial.id,
            "type": "function",
            "function": {"name": partial.name, "arguments": "".join(partial.arguments)},
        }
        for _, partial in sorted(decoder.assembler.calls.items())
    ]
    text = "".join(decoder.assembler.text)
    # Servers that send no usage in streams: count the deltas (about one token each).
    usage = decoder.usage or Usage(output_tokens=pieces)
    message: Json = {"role": "assistant", "content": text or None, "tool_calls": calls or None}
    return {
        "id": decoder.id,
        "model": decoder.model,
        "choices": [{"index": 0, "message": message, "finish_reason": decoder.finish_reason}],
        "usage": usage_to_openai(usage),
    }


class ChatCompletionsBackend(StreamingBackend):
    """A backend for servers and libraries that speak OpenAI Chat Completions."""

    def __init__(
        self,
        *,
        name: str,
        transport: ChatTransport,
        profile: ServerProfile,
        model: str | None,
        tool_strategy: ToolStrategy = "auto",
        repair_attempts: int = 1,
        extra_body: Mapping[str, Any] | None = None,
        context_window: int | None = None,
    ) -> None:
        self._name = name
        self.transport = transport
        self.profile = profile
        self.model = model
        self.tool_strategy = tool_strategy
        self.repair_attempts = repair_attempts
        self.extra_body = dict(extra_body or {})
        self.context_window = context_window

    @property
    def name(self) -> str:
        return self._name

    @property
    def capabilities(self) -> Capabilities:
        return capabilities_of(self.profile, self.tool_strategy, self.context_window)

    async def prepare(self) -> None:
        """Runs before every request (a subclass may probe the server once here)."""

    def body(self, request: ModelRequest, mode: Mode, stream: bool = False) -> Json:
        """The request body for ``request`` in ``mode``."""
        body = build_body(request, mode, self.profile, self.model, self.extra_body)
        if stream and self.profile.stream_usage:
            body["stream_options"] = {"include_usage": True}
        return body

    async def complete(self, request: ModelRequest) -> ModelResponse:
        """One completion, repaired and validated."""
        await self.prepare()
        mode = choose_mode(request, self.profile, self.tool_strategy)
        raw = await self.transport.complete(self.body(request, mode))
        return await self._checked(request, mode, self._decode(request, mode, raw))

    def _decode(self, request: ModelRequest, mode: Mode, raw: Json) -> Outcome:
        try:
            return decode(request, mode, raw)
        except ProtocolError as exc:
            raise BackendError(f"{self.name} sent a malformed completion: {exc}") from exc

    async def _checked(self, request: ModelRequest, mode: Mode, outcome: Outcome) -> ModelResponse:
        usage = outcome.response.usage
        current = request
        for _ in range(self.repair_attempts):
            if not outcome.problems:
                break
            current = with_feedback(current, outcome)
            outcome = self._decode(
                request, mode, await self.transport.complete(self.body(current, mode))
            )
            usage = usage + outcome.response.usage
        if outcome.problems:
            raise BackendError(
                f"{self.name}: the model's reply is unusable after {self.repair_attempts} "
                f"repair attempt(s): {'; '.join(outcome.problems)}"
            )
        return outcome.response.model_copy(update={"usage": usage})

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Stream text live; tool calls and the final response once checked."""
        await self.prepare()
        mode = choose_mode(request, self.profile, self.tool_strategy)
        gate = _TextGate(_gate_policy(request, mode))
        decoder = ChunkDecoder()
        pieces = 0
        async with aclosing(self.transport.stream(self.body(request, mode, stream=True))) as chunks:
            async for chunk in chunks:
                try:
                    events = decoder.feed(chunk)
                except ProtocolError as exc:
                    raise BackendError(f"{self.name} sent a malformed chunk: {exc}") from exc
                for event in events:
                    pieces += 1
                    if isinstance(event, TextDelta) and (text := gate.push(event.text)):
                        yield TextDelta(text=text)
        outcome = self._decode(request, mode, _synthesized(decoder, pieces))
        response = await self._checked(request, mode, outcome)
        final_text = response.message.text
        if final_text.startswith(gate.emitted) and len(final_text) > len(gate.emitted):
            yield TextDelta(text=final_text[len(gate.emitted) :])
        for event in response_events(response):
            if isinstance(event, ToolCallDelta):
                yield event
        yield Done(response=response)

    async def aclose(self) -> None:
        """Close the transport's connections."""
        await self.transport.aclose()
