"""The scripted backend passes the backend conformance suite."""

from __future__ import annotations

from typing import Literal

from interlace.protocols import Message, ModelResponse, ToolCall, Usage
from interlace.runtimes import Capabilities, ScriptedBackend
from interlace.testing import ToolCallConformance


class TestScriptedConformance(ToolCallConformance):
    expected_name = "scripted"
    expected_capabilities = Capabilities(
        native_tools=True, json_schema_output=True, parallel_tool_calls=True
    )

    def make_backend(self, purpose: Literal["text", "tools"]) -> ScriptedBackend:
        if purpose == "tools":
            call = ToolCall(id="call_1", name="get_weather", arguments={"city": "Paris"})
            return ScriptedBackend([call], repeat=True)
        answer = "Red, orange and yellow are three colours of the rainbow. " * 4
        return ScriptedBackend([answer], repeat=True, chunk_delay=0.001, chunk_size=4)


async def test_cancellation_stops_the_scripted_stream_early() -> None:
    backend = ScriptedBackend(["word " * 200], chunk_size=2, chunk_delay=0.001)
    stream = backend.stream(TestScriptedConformance().text_request())
    await anext(stream)
    await stream.aclose()
    assert backend.stats.cancelled == 1
    assert backend.stats.events_emitted == 1


def test_response_usage_is_replaced_by_request_size() -> None:
    scripted = ModelResponse(message=Message.assistant("hi"), usage=Usage(output_tokens=5))
    backend = ScriptedBackend([scripted])
    from interlace.protocols.aio import run_sync

    response = run_sync(backend.complete, TestScriptedConformance().text_request())
    assert response.usage.output_tokens == 5
    assert response.usage.input_tokens == 11
