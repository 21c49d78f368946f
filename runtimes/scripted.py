"""Test doubles for graph logic: a backend answered by a function, and one that replays a
script (both ship in :mod:`interlace.testing`)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import count

import anyio

from interlace.protocols import (
    Message,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    ToolCall,
    Usage,
    response_events,
)
from interlace.protocols.errors import ScriptError
from interlace.protocols.memo import ObjectMemo

from .base import Capabilities, StreamingBackend

ScriptItem = str | ToolCall | Sequence[ToolCall] | ModelResponse | Exception
Responder = Callable[[ModelRequest], ScriptItem | Awaitable[ScriptItem]]
"""Answers one request: text, tool call(s), a full response, or an exception to raise."""

_call_ids = count(1)


def _words(message: Message) -> int:
    return len(message.text.split()) + len(message.tool_calls)


_WORDS = ObjectMemo(_words)  # a conversation's messages are counted once, not every call


def _word_count(messages: Iterable[Message]) -> int:
    return sum(map(_WORDS, messages))


def as_response(item: str | ToolCall | Sequence[ToolCall] | ModelResponse) -> ModelResponse:
    """Turn a script item into a response (text, one or more tool calls, or as given)."""
    if isinstance(item, ModelResponse):
        return item
    if isinstance(item, str):
        message = Message.assistant(item)
    else:
        calls = (item,) if isinstance(item, ToolCall) else tuple(item)
        message = Message.assistant(None, calls)
    return ModelResponse(
        message=message,
        finish_reason="tool_calls" if message.tool_calls else "stop",
        usage=Usage(output_tokens=max(1, _word_count([message]))),
        model="scripted",
    )


def call(name: str, **arguments: object) -> ToolCall:
    """A tool call with a fresh id, for scripts: ``call("add", a=1, b=2)``."""
    return ToolCall(id=f"call_{next(_call_ids)}", name=name, arguments=dict(arguments))


@dataclass
class _Stats:
    events_emitted: int = 0
    cancelled: int = 0


class FunctionBackend(StreamingBackend):
    """A backend whose answers come from ``function(request)`` (sync or async): the
    request-driven test double (like pydantic-ai's ``FunctionModel``).

    The function returns a text answer, a :class:`ToolCall` (or several), a full
    :class:`ModelResponse`, or an exception to raise; usage counts the request's words.
    ``chunk_delay`` slows streaming down (seconds per event) for cancellation tests.
    ``requests`` records every request received; ``stats`` counts events and cancels.
    """

    def __init__(
        self,
        function: Responder,
        *,
        name: str = "function",
        capabilities: Capabilities | None = None,
        chunk_delay: float = 0.0,
        chunk_size: int = 8,
    ) -> None:
        self.function = function
        self._name = name
        self._capabilities = capabilities or Capabilities(
            native_tools=True, json_schema_output=True, parallel_tool_calls=True
        )
        self.chunk_delay = chunk_delay
        self.chunk_size = chunk_size
        self.requests: list[ModelRequest] = []
        self.stats = _Stats()

    @property
    def name(self) -> str:
        return self._name

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    async def respond(self, request: ModelRequest) -> ModelResponse:
        """The response to ``request`` (recorded), with usage filled in."""
        self.requests.append(request)
        item = self.function(request)
        if inspect.isawaitable(item):
            item = await item
        if isinstance(item, Exception):
            raise item
        response = as_response(item)
        usage = Usage(
            input_tokens=max(1, _word_count(request.messages)),
            output_tokens=response.usage.output_tokens,
        )
        return response.model_copy(update={"usage": usage})

    async def complete(self, request: ModelRequest) -> ModelResponse:
        # the stream's events are built only to be drained again: skip them, unless the
        # stream is slowed down or a subclass streams its own way
        if self.chunk_delay or type(self).stream is not FunctionBackend.stream:
            return await super().complete(request)
        return await self.respond(request)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        response = await self.respond(request)
        try:
            for event in response_events(response, self.chunk_size):
                if self.chunk_delay:
                    await anyio.sleep(self.chunk_delay)
                self.stats.events_emitted += 1
                yield event
        except (anyio.get_cancelled_exc_class(), GeneratorExit):
            self.stats.cancelled += 1
            raise


class ScriptedBackend(FunctionBackend):
    """Replays queued responses in order and fails loudly on a mismatch.

    Each item is a text answer, a :class:`ToolCall` (or several), a full
    :class:`ModelResponse`, or an exception to raise. Calling it more often than scripted
    raises :class:`ScriptError`; :meth:`assert_all_consumed` fails when it was called
    fewer times. ``chunk_delay`` slows streaming down (seconds per event) for
    cancellation tests; ``repeat=True`` cycles the script forever (no count checks).
    ``requests`` records every request received.
    """

    def __init__(
        self,
        script: Iterable[ScriptItem] = (),
        *,
        name: str = "scripted",
        capabilities: Capabilities | None = None,
        chunk_delay: float = 0.0,
        chunk_size: int = 8,
        repeat: bool = False,
    ) -> None:
        super().__init__(
            self._next_item,
            name=name,
            capabilities=capabilities,
            chunk_delay=chunk_delay,
            chunk_size=chunk_size,
        )
        self._script: list[ScriptItem] = list(script)
        self.repeat = repeat

    @property
    def remaining(self) -> int:
        """How many scripted responses are still queued."""
        return len(self._script)

    def push(self, *items: ScriptItem) -> None:
        """Queue more responses."""
        self._script.extend(items)

    def assert_all_consumed(self) -> None:
        """Fail when fewer calls were made than scripted."""
        if self._script and not self.repeat:
            raise ScriptError(
                f"{self._name}: {len(self._script)} scripted response(s) were never requested "
                f"(made {len(self.requests)} call(s)); next unused: {self._script[0]!r}"
            )

    def _next_item(self, request: ModelRequest) -> ScriptItem:
        if not self._script:
            last = request.messages[-1].text[:120] if request.messages else ""
            raise ScriptError(
                f"{self._name}: called {len(self.requests)} time(s) but only "
                f"{len(self.requests) - 1} response(s) were scripted; last message: {last!r}"
            )
        item = self._script.pop(0)
        if self.repeat:
            self._script.append(item)
        return item
