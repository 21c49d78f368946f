"""Constrained tool calling with the real packaged model: calls always match their schema."""

from __future__ import annotations

import json

import anyio
import anyio.to_thread
import jsonschema
import pytest

from interlace.protocols import (
    Done,
    JsonSchemaFormat,
    Message,
    ModelRequest,
    SamplingSettings,
    StreamAssembler,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
)
from interlace.protocols.errors import UnsupportedSchemaError
from interlace.runtimes.llamacpp import LlamaCppBackend
from interlace.runtimes.llamacpp.calls import OutputParser, calls_json
from interlace.runtimes.llamacpp.grammar import constraint_for
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


async def test_counted_prompt_tokens_are_what_a_call_evaluates(backend: LlamaCppBackend) -> None:
    spec, prompt = TOOLS[0]
    request = _request(spec, prompt)
    counted = await anyio.to_thread.run_sync(backend.count_prompt_tokens, request)
    response = await backend.complete(request)
    assert counted == response.usage.input_tokens
    # no grammar is built to count: a schema the constraint engine rejects still counts
    iri = {"type": "string", "format": "iri"}
    odd = ToolSpec(name="odd", parameters={"type": "object", "properties": {"x": iri}})
    more = request.model_copy(update={"tools": (spec, odd)})
    with pytest.raises(UnsupportedSchemaError):
        constraint_for(more)
    assert await anyio.to_thread.run_sync(backend.count_prompt_tokens, more) > counted


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


async def test_parallel_calls_only_when_asked(backend: LlamaCppBackend) -> None:
    """The packaged base model seldom chooses two calls by itself, so the constraint is
    checked directly: asked for parallel calls, the grammar takes two schema-valid calls and
    the parser reads both (distinct ids); not asked, it refuses a second call. The model's
    own answer to the parallel request is valid too."""
    spec = TOOLS[0][0]
    asked = _request(spec, "What is the weather in Paris and in Rome?").model_copy(
        update={"parallel_tool_calls": True}
    )
    not_asked = asked.model_copy(update={"parallel_tool_calls": False})
    two = calls_json(
        (
            ToolCall(id="a", name=spec.name, arguments={"city": "Paris"}),
            ToolCall(id="b", name=spec.name, arguments={"city": "Rome"}),
        )
    )
    model = await anyio.to_thread.run_sync(backend.load)
    tokens = model.llm.tokenize(two.encode(), add_bos=False, special=False)

    def grammar_takes(request: ModelRequest) -> bool:
        from llguidance import LLMatcher

        grammar = constraint_for(request).grammar
        assert grammar is not None
        matcher = LLMatcher(model.lltokenizer(), grammar, log_level=0)  # not the shared cache
        return bool(matcher.consume_tokens(tokens)) and matcher.is_accepting()

    assert grammar_takes(asked)
    assert not grammar_takes(not_asked)
    parser = OutputParser("always")
    parser.feed(two)
    calls = parser.message().tool_calls
    assert [call.arguments["city"] for call in calls] == ["Paris", "Rome"]
    assert len({call.id for call in calls}) == 2
    response = await backend.complete(asked)
    assert response.tool_calls
    for call in response.tool_calls:
        jsonschema.validate(call.arguments, spec.parameters)


async def test_a_failed_constraint_does_not_poison_the_next_request(
    backend: LlamaCppBackend,
) -> None:
    """Matchers are cached per grammar; one that failed must not be handed out again."""
    spec = TOOLS[0][0]
    grammar = constraint_for(_request(spec, "x")).grammar
    assert grammar is not None
    model = await anyio.to_thread.run_sync(backend.load)
    broken = '{"tool_calls":[{"name":"get_weather","arguments":{"city":"P"}},'
    await model.admission.acquire()  # matchers are only used holding the model
    try:
        failed = model.matcher(grammar)
        assert not failed.consume_tokens(model.llm.tokenize(broken.encode(), add_bos=False))
        assert failed.is_error()
        assert not model.matcher(grammar).is_error()
    finally:
        model.admission.release()
    response = await backend.complete(_request(*TOOLS[0]))
    assert response.tool_calls[0].name == spec.name


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
