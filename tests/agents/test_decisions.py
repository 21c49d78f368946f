"""Decision formats: ``fewshot`` turns a base model's JSON completions into decisions,
chosen automatically from the backend's capabilities (graph logic on a function backend)."""

from __future__ import annotations

from typing import Any

import pytest

from interlace.agents import Agent, run, sequence
from interlace.agents.decisions import decision_format
from interlace.agents.decisions.examples import example_arguments, example_task, nearest_first
from interlace.protocols import ModelRequest, ToolSpec
from interlace.protocols.errors import UsageError
from interlace.runtimes.base import Capabilities
from interlace.runtimes.scripted import FunctionBackend
from interlace.tools import FunctionToolset, tool

from .helpers import add

BASE = Capabilities(json_schema_output=True, constrained_decoding=True, base_model=True)


def _agent(backend: FunctionBackend, **fields: Any) -> Agent:
    return Agent(
        name="solver",
        instructions="Add numbers.",
        model=backend,
        toolsets=[FunctionToolset([add])],
        **fields,
    )


def _base_model(*replies: str) -> FunctionBackend:
    """A scripted base model that gives ``replies`` in turn."""
    answers = iter(replies)
    return FunctionBackend(lambda request: next(answers), capabilities=BASE)


def _schema(request: ModelRequest) -> dict[str, Any]:
    assert request.response_format is not None
    return request.response_format.json_schema  # type: ignore[union-attr,no-any-return]


def test_auto_picks_fewshot_for_base_models_only() -> None:
    assert decision_format("auto", BASE).name == "fewshot"
    assert decision_format("auto", Capabilities(native_tools=True)).name == "native"
    assert decision_format("fewshot", Capabilities(native_tools=True)).name == "fewshot"
    with pytest.raises(UsageError, match="did you mean 'fewshot'"):
        Agent(name="a", model="scripted:x", decision_format="fewshots")


def test_examples_come_from_the_schema() -> None:
    spec = ToolSpec(
        name="weather",
        description="Look up the weather.",
        parameters={
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": 'A city such as "Oslo".'},
                "days": {"type": "integer"},
                "unit": {"type": "string", "enum": ["C", "F"]},
            },
            "required": ["city", "days"],
        },
    )
    arguments = example_arguments(spec.parameters)
    assert arguments == {"city": "Oslo", "days": 3}  # optional "unit" gives no example
    assert example_task(spec, arguments) == "Look up the weather: Oslo, 3"


async def test_a_base_model_calls_a_tool_then_answers_with_the_result() -> None:
    backend = _base_model('{"tool":"add","arguments":{"a":2,"b":3}}', '{"done":true}')
    result = await run(_agent(backend), "What is 2 + 3?")
    assert result.stop_reason == "final"
    assert result.output == "5"
    calls = [call for message in result.messages for call in message.tool_calls]
    assert [(c.name, c.arguments) for c in calls] == [("add", {"a": 2, "b": 3})]
    first, second = backend.requests
    # one completion-style prompt; the grammar's schema is the decision, tools are not sent
    assert first.tools == ()
    assert len(first.messages) == 1
    prompt = first.messages[0].text
    assert prompt.startswith("Add numbers.\n\nTools:\n- add: Add two integers.")
    assert 'Action: {"tool":"add","arguments":{"a":3,"b":3}}' in prompt  # generated example
    assert prompt.endswith("Task: What is 2 + 3?\nAction:")
    # before any result the agent must call a tool; after it, call again or hand it on
    assert _schema(first)["properties"]["tool"] == {"const": "add"}
    options = [set(o["properties"]) for o in _schema(second)["anyOf"]]
    assert options == [{"tool", "arguments"}, {"done"}]
    assert 'Result: 42\nAction: {"done":true}' in prompt
    assert second.messages[0].text.endswith(
        'Action: {"tool":"add","arguments":{"a":2,"b":3}}\nResult: 5\nAction:'
    )


async def test_a_repeated_or_copied_call_is_answered_instead() -> None:
    backend = _base_model(
        '{"tool":"add","arguments":{"a":5,"b":0}}',
        '{"tool":"add","arguments":{"a":5,"b":0}}',  # the same call (it uses the result)
        '{"done":true}',
    )
    result = await run(_agent(backend), "What is 5 + 0?")
    assert result.output == "5"
    assert len([m for m in result.messages if m.role == "tool"]) == 1
    assert set(_schema(backend.requests[2])["properties"]) == {"done"}  # no call any more

    backend = _base_model('{"tool":"add","arguments":{"a":3,"b":3}}', '{"answer":"no sum"}')
    result = await run(_agent(backend), "Hello there")  # nothing in it to add
    assert result.output == "no sum"
    assert not any(m.role == "tool" for m in result.messages)


async def test_native_models_get_the_request_as_written() -> None:
    backend = FunctionBackend(lambda request: "5")
    result = await run(_agent(backend), "What is 2 + 3?")
    assert result.output == "5"
    (request,) = backend.requests
    assert [spec.name for spec in request.tools] == ["add"]
    assert request.response_format is None


async def test_a_writer_rewrites_notes_in_one_sentence() -> None:
    notes = "Rayleigh scattering. Blue light scatters most. So the sky looks blue."
    researcher = Agent(name="researcher", model="scripted:" + notes)
    writer_backend = _base_model('{"answer":"Blue light scatters most, so the sky looks blue."}')
    writer = Agent(name="writer", model=writer_backend, instructions="Rewrite as one sentence.")
    result = await run(sequence([researcher, writer]), "Why is the sky blue?")
    assert result.output == "Blue light scatters most, so the sky looks blue."
    (request,) = writer_backend.requests
    assert request.messages[0].text.endswith(f"Task: Why is the sky blue?\nNotes: {notes}\nAction:")
    sentence = _schema(request)["properties"]["answer"]
    assert sentence["pattern"] == r"^[^.!?\n]{1,300}[.!?]$"


async def test_plans_and_routes_keep_their_formats() -> None:
    backend = _base_model(
        '{"answer":{"steps":["What is 2 + 3?"]}}',
        '{"tool":"add","arguments":{"a":2,"b":3}}',
        '{"done":true}',
    )
    result = await run(_agent(backend, planner="plan_execute"), "What is 2 + 3?")
    assert result.output == "5"  # a one-step plan: its answer is final
    plan_request = backend.requests[0]
    plan_schema = _schema(plan_request)["properties"]["answer"]
    assert plan_schema["properties"]["steps"]["maxItems"] >= 1
    assert '"steps":["Say hello."]' in plan_request.messages[0].text
    assert [m.text for m in result.messages if m.role == "user"][1] == (
        "Carry out step 1 of the plan: What is 2 + 3?"
    )


@tool
def read_note(name: str, lines: int = 10) -> str:
    """Read a note, such as "todo.txt".

    Args:
        name: the note's name
        lines: how many lines to read
    """
    return {"count.txt": "12"}.get(name, f"no note {name!r}")


@tool
def word_count(text: str) -> int:
    """Count the words of a text."""
    return len(text.split())


def test_the_example_nearest_to_the_task_comes_first() -> None:
    specs = [t.spec for t in (add, word_count, read_note)]
    assert next(s.name for s in nearest_first(specs, "Read the note count.txt.")) == "read_note"
    assert next(s.name for s in nearest_first(specs, "Count words: red green.")) == "word_count"
    assert [s.name for s in nearest_first(specs, "Hello")] == ["add", "word_count", "read_note"]


async def test_a_copied_example_value_gets_one_try_copying_from_the_task() -> None:
    backend = _base_model(
        '{"tool":"read_note","arguments":{"name":"todo.txt","lines":7}}',  # the example's
        '{"tool":"read_note","arguments":{"name":"count.txt","lines":7}}',
        '{"done":true}',
    )
    agent = Agent(name="a", model=backend, toolsets=[FunctionToolset([read_note, word_count])])
    result = await run(agent, "Read the note count.txt.")
    assert result.output == "12"
    calls = [call for message in result.messages for call in message.tool_calls]
    # the copy's unsourced optional value is left out: the tool's default stands
    assert [(c.name, c.arguments) for c in calls] == [("read_note", {"name": "count.txt"})]
    retry = _schema(backend.requests[1])
    assert retry["properties"]["tool"] == {"const": "read_note"}  # the same tool, once more
    names = retry["properties"]["arguments"]["properties"]["name"]["enum"]
    assert "count.txt" in names
    assert "todo.txt" not in names


@tool
def clock() -> str:
    """Return the current time."""
    return "12:00"


async def test_a_call_taking_nothing_from_the_task_must_fit_it() -> None:
    backend = _base_model(
        '{"tool":"clock","arguments":{}}',  # nothing of "Add 2 and 3." in it, nor near it
        '{"tool":"add","arguments":{"a":2,"b":3}}',
        '{"done":true}',
    )
    agent = Agent(name="a", model=backend, toolsets=[FunctionToolset([clock, add])])
    result = await run(agent, "Add 2 and 3.")
    assert result.output == "5"
    calls = [call.name for message in result.messages for call in message.tool_calls]
    assert calls == ["add"]
    assert _schema(backend.requests[1])["properties"]["tool"] == {"const": "add"}
