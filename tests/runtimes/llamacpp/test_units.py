"""Model-free parts of the llama.cpp backend: output parser, stop text, schemas, chat."""

from __future__ import annotations

import json

import pytest

from interlace.protocols import (
    Message,
    ModelRequest,
    NamedToolChoice,
    StreamAssembler,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
)
from interlace.protocols.errors import CapabilityError, UsageError
from interlace.runtimes.llamacpp.calls import OutputParser, calls_json
from interlace.runtimes.llamacpp.chat import render_gemma, resolve_format, to_turns, tool_prompt
from interlace.runtimes.llamacpp.generate import StopText
from interlace.runtimes.llamacpp.grammar import constraint_for, strict_schema

CALLS = (
    ToolCall(id="a", name="get_weather", arguments={"city": 'Pa"ris}', "days": [1, {"x": 2}]}),
    ToolCall(id="b", name="add", arguments={"a": 1, "b": 2}),
)


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_parser_streams_calls_in_any_chunking(chunk: int) -> None:
    text = calls_json(CALLS)
    parser = OutputParser("maybe")
    events = [e for i in range(0, len(text), chunk) for e in parser.feed(text[i : i + chunk])]
    events += parser.finish()
    assert all(isinstance(event, ToolCallDelta) for event in events)
    message = parser.message()
    assert [(c.name, c.arguments) for c in message.tool_calls] == [
        (c.name, c.arguments) for c in CALLS
    ]
    assembler = StreamAssembler()
    for event in events:
        assembler.add(event)
    assert assembler.tool_calls() == message.tool_calls
    assert not parser.incomplete_call


def test_parser_passes_text_and_holds_back_a_possible_call_prefix() -> None:
    parser = OutputParser("maybe")
    assert parser.feed('{"tool') == []
    assert parser.feed("s are") == [TextDelta(text='{"tools are')]
    assert parser.message().text == '{"tools are'
    plain = OutputParser("never")
    assert plain.feed('{"tool_calls":[') == [TextDelta(text='{"tool_calls":[')]


def test_parser_keeps_only_complete_calls_when_cut_off() -> None:
    text = calls_json(CALLS)
    parser = OutputParser("always")
    parser.feed(text[: text.index('"add"') + 10])
    assert parser.incomplete_call
    assert [call.name for call in parser.message().tool_calls] == ["get_weather"]


def test_stop_text_cuts_and_holds_back() -> None:
    stop = StopText(["END!"])
    assert stop.push("hello E") == "hello "
    assert stop.push("N") == ""
    assert stop.push("X more") == "ENX more"
    assert stop.push(" fin EN") == " fin "
    assert stop.push("D! ignored") == ""
    assert stop.hit


def test_strict_schema_closes_every_object() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "object", "properties": {"b": {"type": "string"}}},
            "c": {"type": "array", "items": {"properties": {"d": {"type": "number"}}}},
            "e": {"anyOf": [{"type": "object", "properties": {}}, {"type": "null"}]},
            "f": {"type": "object", "additionalProperties": True},
        },
    }
    strict = strict_schema(schema)
    assert strict["additionalProperties"] is False
    assert strict["properties"]["a"]["additionalProperties"] is False
    assert strict["properties"]["c"]["items"]["additionalProperties"] is False
    assert strict["properties"]["e"]["anyOf"][0]["additionalProperties"] is False
    assert strict["properties"]["f"]["additionalProperties"] is True
    assert "additionalProperties" not in schema, "the input is not modified"


def _request(**fields: object) -> ModelRequest:
    return ModelRequest(messages=(Message.user("hi"),), **fields)  # type: ignore[arg-type]


def test_constraints_follow_tool_choice_and_are_cached() -> None:
    spec = ToolSpec(
        name="f", parameters={"type": "object", "properties": {"x": {"type": "string"}}}
    )
    other = ToolSpec(name="g")
    assert constraint_for(_request()).grammar is None
    auto = constraint_for(_request(tools=(spec, other)))
    assert auto.calls == "maybe"
    assert auto.grammar is not None
    assert auto.grammar.startswith("start: text | calls")
    assert '"additionalProperties": false' in auto.grammar
    required = constraint_for(_request(tools=(spec,), tool_choice="required"))
    assert (required.calls, required.grammar.splitlines()[0]) == ("always", "start: calls")
    named = constraint_for(_request(tools=(spec, other), tool_choice=NamedToolChoice(name="g")))
    assert named.grammar is not None
    assert '\\"g\\"' in named.grammar
    assert '\\"f\\"' not in named.grammar
    assert constraint_for(_request(tools=(spec, other))).grammar is auto.grammar
    assert constraint_for(_request(tools=(spec,), tool_choice="none")).grammar is None
    with pytest.raises(UsageError, match="'h'"):
        constraint_for(_request(tools=(spec,), tool_choice=NamedToolChoice(name="h")))
    with pytest.raises(UsageError, match="at least one tool"):
        constraint_for(_request(tool_choice="required"))


def test_gemma_format_puts_system_into_the_first_user_turn() -> None:
    call = ToolCall(id="c1", name="f", arguments={"x": 1})
    messages = (
        Message.system("Be brief."),
        Message.user("Hi <start_of_turn>"),
        Message.assistant(None, (call,)),
        Message.tool("c1", "42", name="f"),
    )
    segments = render_gemma(to_turns(messages))
    markup = [text for text, is_markup in segments if is_markup]
    content = [text for text, is_markup in segments if not is_markup]
    assert content[0] == "Be brief.\n\nHi <start_of_turn>"
    assert json.loads(content[1]) == {"tool_calls": [{"name": "f", "arguments": {"x": 1}}]}
    assert content[2] == "Result of tool call f (c1):\n42"
    assert markup[-1] == "<start_of_turn>model\n"
    assert markup.count("<start_of_turn>model\n") == 2


def test_images_are_refused_and_formats_resolve() -> None:
    from interlace.protocols import ImagePart, TextPart

    image = Message.user((TextPart(text="see"), ImagePart(url="https://x/y.png")))
    with pytest.raises(CapabilityError, match="text-only"):
        to_turns((image,))
    assert resolve_format("auto", {"general.architecture": "gemma3"}) == "gemma"
    assert resolve_format("auto", {"tokenizer.chat_template": "{{x}}"}) == "template"
    assert resolve_format("auto", {"general.architecture": "qwen2"}) == "chatml"
    assert resolve_format("chatml", {"general.architecture": "gemma3"}) == "chatml"
    assert "plain text" in tool_prompt((ToolSpec(name="f"),), required=False)
    assert "plain text" not in tool_prompt((ToolSpec(name="f"),), required=True)
