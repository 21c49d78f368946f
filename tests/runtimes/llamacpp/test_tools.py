"""Constrained tool calling with the real packaged model: calls always match their schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from interlace.protocols import (
    Done,
    JsonSchemaFormat,
    Message,
    ModelRequest,
    SamplingSettings,
    StreamAssembler,
    ToolCallDelta,
    ToolSpec,
)
from interlace.protocols.errors import UnsupportedSchemaError
from interlace.runtimes.llamacpp import LlamaCppBackend
from tests.runtimes.llamacpp.schemas import TOOLS

# Marked here (not only by the conftest hook) so anyio sees it while parametrizing.
pytestmark = pytest.mark.anyio


def _request(spec: ToolSpec, prompt: str, choice: str = "required") -> ModelRequest:
    return ModelRequest(
        messages=(Message.user(prompt),),
        tools=(spec,),
        tool_choice=choice,  # type: ignore[arg-type]
        settings=SamplingSettings(temperature=0.0, max_tokens=72),
    )


@pytest.mark.parametrize(("spec", "prompt"), TOOLS, ids=[spec.name for spec, _ in TOOLS])
async def test_required_call_validates_against_its_schema(
    backend: LlamaCppBackend, spec: ToolSpec, prompt: str
) -> None:
    response = await backend.complete(_request(spec, prompt))
    assert response.finish_reason == "tool_calls"
    (call,) = response.tool_calls
    assert call.name == spec.name
    assert call.id.startswith("call_")
    jsonschema.validate(call.arguments, spec.parameters)


async def test_auto_yields_text_or_a_valid_call(backend: LlamaCppBackend) -> None:
    for spec, prompt in TOOLS[:3]:
        response = await backend.complete(_request(spec, prompt, "auto"))
        if response.tool_calls:
            for call in response.tool_calls:
                jsonschema.validate(call.arguments, spec.parameters)
        else:
            assert response.message.text
            assert not response.message.text.startswith("{")


async def test_streamed_call_equals_the_completed_call(backend: LlamaCppBackend) -> None:
    spec, prompt = TOOLS[5]
    complete = await backend.complete(_request(spec, prompt))
    events = [event async for event in backend.stream(_request(spec, prompt))]
    deltas = [event for event in events if isinstance(event, ToolCallDelta)]
    assert len(deltas) > 2, "arguments should arrive in several pieces"
    assembler = StreamAssembler()
    for event in events[:-1]:
        assembler.add(event)
    final = events[-1]
    assert isinstance(final, Done)
    assert assembler.tool_calls() == final.response.tool_calls
    (streamed,), (completed,) = final.response.tool_calls, complete.tool_calls
    assert (streamed.name, streamed.arguments) == (completed.name, completed.arguments)


async def test_response_format_constrains_the_whole_answer(backend: LlamaCppBackend) -> None:
    schema = {
        "type": "object",
        "properties": {"colour": {"enum": ["red", "green", "blue"]}, "count": {"type": "integer"}},
        "required": ["colour", "count"],
    }
    request = ModelRequest(
        messages=(Message.user("Pick a colour and a count."),),
        response_format=JsonSchemaFormat(json_schema=schema),
        settings=SamplingSettings(temperature=0.0, max_tokens=40),
    )
    response = await backend.complete(request)
    value = json.loads(response.message.text)
    jsonschema.validate(value, {**schema, "additionalProperties": False})


async def test_parallel_calls_when_asked(backend: LlamaCppBackend) -> None:
    spec = TOOLS[0][0]
    request = _request(spec, "What is the weather in Paris and in Rome?").model_copy(
        update={"parallel_tool_calls": True}
    )
    response = await backend.complete(request)
    assert response.tool_calls
    for call in response.tool_calls:
        jsonschema.validate(call.arguments, spec.parameters)


async def test_unsupported_schema_feature_is_named(backend: LlamaCppBackend) -> None:
    spec = ToolSpec(
        name="odd",
        parameters={"type": "object", "properties": {"x": {"type": "string", "format": "iri"}}},
    )
    with pytest.raises(UnsupportedSchemaError, match=r"'odd'.*iri"):
        await backend.complete(_request(spec, "hi"))


async def test_tool_history_round_trips_into_the_prompt(backend: LlamaCppBackend) -> None:
    spec, prompt = TOOLS[0]
    first = await backend.complete(_request(spec, prompt))
    (call,) = first.tool_calls
    follow_up = ModelRequest(
        messages=(
            Message.user(prompt),
            first.message,
            Message.tool(call.id, "Sunny, 21 C", name=call.name),
        ),
        tools=(spec,),
        tool_choice="none",
        settings=SamplingSettings(temperature=0.0, max_tokens=8),
    )
    answer = await backend.complete(follow_up)
    assert answer.message.text
    assert not answer.tool_calls
    stats = backend.last_call
    assert stats is not None
    assert stats.evaluated_tokens < stats.prompt_tokens, "the first turn's prefix is reused"
