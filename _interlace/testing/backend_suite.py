"""The backend conformance suites: every backend, built-in or plugin, runs one.

Subclass :class:`ToolCallConformance` (a backend that declares a tool path) or
:class:`TextOnlyConformance` (one that declares none) in a test module (its name starting
with ``Test``), implement :meth:`make_backend` and declare ``expected_name`` and
``expected_capabilities`` (what the backend must report once it has answered a request);
:func:`suite_for` picks the class from the backend's declared capabilities. ``purpose``
is ``"text"`` for a backend that answers with text, ``"tools"`` for one that will be asked
for a tool call. The backend must be deterministic for the suite's requests (temperature
0 or scripted). Or run ``python -m interlace.testing backend REFERENCE`` (see
``interlace.testing``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Literal

import anyio
import pytest

from interlace.protocols import (
    Done,
    Message,
    ModelRequest,
    ModelResponse,
    NamedToolChoice,
    SamplingSettings,
    StreamAssembler,
    TextDelta,
    ToolCallDelta,
    ToolSpec,
)
from interlace.protocols.errors import CapabilityError
from interlace.runtimes import Backend, Capabilities

WEATHER_TOOL = ToolSpec(
    name="get_weather",
    description="Get the current weather for a city.",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}},
        "required": ["city"],
        "additionalProperties": False,
    },
)


class BackendConformance(ABC):
    """Behaviour every backend must show.

    Subclasses declare ``expected_name`` and ``expected_capabilities``: what the backend
    must report once it has answered a request.
    """

    pytestmark = pytest.mark.anyio

    expected_name: str
    expected_capabilities: Capabilities

    #: seconds a cancelled stream may take to stop (and to free the backend)
    cancel_limit: float = 2.0
    #: the outer limit of the cancellation test, so that a stuck stream fails, not hangs
    cancel_grace: float = 30.0
    max_tokens: int = 24

    @abstractmethod
    def make_backend(self, purpose: Literal["text", "tools"]) -> Backend:
        """A backend ready for the suite's requests."""

    def text_request(self, max_tokens: int | None = None) -> ModelRequest:
        return ModelRequest(
            messages=(
                Message.system("You are a helpful assistant."),
                Message.user("Name three colours of the rainbow."),
            ),
            settings=SamplingSettings(
                temperature=0.0, seed=7, max_tokens=max_tokens or self.max_tokens
            ),
        )

    def tool_request(self) -> ModelRequest:
        return ModelRequest(
            messages=(Message.user("What is the weather in Paris?"),),
            tools=(WEATHER_TOOL,),
            tool_choice=NamedToolChoice(name="get_weather"),
            settings=SamplingSettings(temperature=0.0, seed=7, max_tokens=64),
        )

    async def test_declares_its_name_and_capabilities(self) -> None:
        backend = self.make_backend("text")
        await backend.complete(self.text_request())  # servers may be probed on first use
        await backend.aclose()
        assert backend.name == self.expected_name
        assert backend.capabilities == self.expected_capabilities

    async def test_complete_returns_assistant_message_with_usage(self) -> None:
        backend = self.make_backend("text")
        response = await backend.complete(self.text_request())
        await backend.aclose()
        assert response.message.role == "assistant"
        assert response.message.text.strip()
        assert response.usage.input_tokens > 0
        assert response.usage.output_tokens > 0
        assert response.finish_reason in ("stop", "length")

    async def test_stream_ends_with_one_done_that_matches_the_deltas(self) -> None:
        backend = self.make_backend("text")
        events = [event async for event in backend.stream(self.text_request())]
        await backend.aclose()
        assert isinstance(events[-1], Done)
        assert not any(isinstance(event, Done) for event in events[:-1])
        assert any(isinstance(event, TextDelta) for event in events)
        assembler = StreamAssembler()
        for event in events[:-1]:
            assembler.add(event)
        final = events[-1].response
        assert assembler.message().text == final.message.text
        assert final.usage.output_tokens > 0

    async def test_streaming_and_non_streaming_agree(self) -> None:
        backend = self.make_backend("text")
        complete = await backend.complete(self.text_request())
        streamed = [event async for event in backend.stream(self.text_request())]
        await backend.aclose()
        assert isinstance(streamed[-1], Done)
        assert streamed[-1].response.message == complete.message
        assert streamed[-1].response.finish_reason == complete.finish_reason

    async def test_cancellation_stops_generation_and_frees_the_backend(self) -> None:
        """A cancelled stream lets go within ``cancel_limit`` seconds, and the generation
        stops: the next request takes little longer than the same request did before."""
        backend = self.make_backend("text")
        before = await _timed_complete(backend, self.text_request())
        received: list[object] = []
        cancelled_at = float("inf")
        with anyio.move_on_after(self.cancel_grace) as outer:
            async with anyio.create_task_group() as group:

                async def consume() -> None:
                    nonlocal cancelled_at
                    async for event in backend.stream(self.text_request(max_tokens=512)):
                        received.append(event)
                        if len(received) == 1:
                            cancelled_at = anyio.current_time()
                            group.cancel_scope.cancel()

                group.start_soon(consume)
        let_go = anyio.current_time() - cancelled_at
        assert not outer.cancelled_caught, (
            f"the stream ignored cancellation for {self.cancel_grace} s"
        )
        assert received, "the stream produced no event before cancellation"
        assert not any(isinstance(event, Done) for event in received)
        assert let_go < self.cancel_limit, f"the stream took {let_go:.2f} s to stop"
        with anyio.fail_after(self.cancel_grace):
            after = await _timed_complete(backend, self.text_request())
        await backend.aclose()
        assert after[1].message.text
        delay = after[0] - before[0]
        # A loaded machine slows both short requests alike, so the slack grows with the
        # first one; a generation left running costs the rest of its 512 tokens, far more.
        allowed = self.cancel_limit + 4 * before[0]
        assert delay < allowed, (
            f"the request after the cancelled one took {delay:.2f} s longer than before it "
            f"(allowed {allowed:.2f} s): the cancelled generation kept the backend busy"
        )


async def _timed_complete(backend: Backend, request: ModelRequest) -> tuple[float, ModelResponse]:
    started = anyio.current_time()
    response = await backend.complete(request)
    return anyio.current_time() - started, response


class ToolCallConformance(BackendConformance):
    """A backend that declares a tool path (native tools, constrained decoding or JSON
    Schema output) must turn a named tool choice into a schema-valid call."""

    async def test_named_tool_choice_yields_a_call(self) -> None:
        backend = self.make_backend("tools")
        assert backend.capabilities.tool_path
        response = await backend.complete(self.tool_request())
        events = [event async for event in backend.stream(self.tool_request())]
        await backend.aclose()
        assert response.finish_reason == "tool_calls"
        (call,) = response.message.tool_calls[:1]
        assert call.name == "get_weather"
        assert call.id
        assert isinstance(call.arguments.get("city"), str)
        assert any(isinstance(event, ToolCallDelta) for event in events)
        assert isinstance(events[-1], Done)
        assert events[-1].response.message.tool_calls[0].name == "get_weather"


class TextOnlyConformance(BackendConformance):
    """A backend that declares no tool path says so, and agents with tools are refused
    before they run rather than failing on their first tool call."""

    def test_declares_no_tool_path_and_tool_agents_are_refused(self) -> None:
        from interlace.runtimes.capability_check import require_tool_path

        backend = self.make_backend("text")
        assert not backend.capabilities.tool_path
        with pytest.raises(CapabilityError, match="researcher"):
            require_tool_path(backend, "researcher")


def suite_for(backend: Backend) -> type[BackendConformance]:
    """The suite a backend runs, from the capabilities it declares."""
    return ToolCallConformance if backend.capabilities.tool_path else TextOnlyConformance
