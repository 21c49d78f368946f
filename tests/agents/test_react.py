"""The ReAct planner: tool loop, events, usage, validation errors and guards."""

from __future__ import annotations

from interlace.agents import (
    DoneEvent,
    TextDeltaEvent,
    ToolCallEvent,
    ToolResultEvent,
    stream,
)
from interlace.agents.runner import run
from interlace.protocols.errors import BackendError
from interlace.runtimes import ScriptedBackend, call

from .helpers import scripted_agent


async def test_react_runs_tools_until_an_answer() -> None:
    agent, backend = scripted_agent("calc", [call("add", a=2, b=3), "It is 5."])
    result = await run(agent, "What is 2+3?")
    assert result.stop_reason == "final"
    assert result.output == "It is 5."
    assert [m.role for m in result.messages] == ["user", "assistant", "tool", "assistant"]
    assert result.messages[2].text == "5"
    # the model saw the system prompt, the tools and the tool result
    second = backend.requests[1]
    assert second.messages[0].role == "system"
    assert {spec.name for spec in second.tools} == {"add", "fail", "delete_file"}
    assert second.messages[-1].text == "5"
    assert result.usage == result.usage_by_agent["calc"]
    assert result.usage.input_tokens > 0
    backend.assert_all_consumed()


async def test_parallel_tool_calls_all_run_in_order() -> None:
    calls = [call("add", a=1, b=1), call("add", a=2, b=2), call("add", a=3, b=3)]
    agent, _ = scripted_agent("calc", [calls, "done"])
    result = await run(agent, "sums")
    tool_messages = [m for m in result.messages if m.role == "tool"]
    assert [m.tool_call_id for m in tool_messages] == [c.id for c in calls]
    assert [m.text for m in tool_messages] == ["2", "4", "6"]


async def test_invalid_arguments_go_back_to_the_model() -> None:
    agent, backend = scripted_agent("calc", [call("add", a="x", b=1), call("nope"), "sorry"])
    result = await run(agent, "add")
    assert result.stop_reason == "final"
    errors = [m.text for m in result.messages if m.role == "tool"]
    assert errors[0] == (
        "invalid arguments for tool 'add': a: Input should be a valid integer. "
        "Call it again with arguments that match its parameter schema."
    )
    assert errors[1] == "unknown tool 'nope'; available tools: add, delete_file, fail"
    tool_messages = [m for m in backend.requests[1].messages if m.role == "tool"]
    assert [m.text for m in tool_messages] == errors[:1]  # the model saw the problem
    assert backend.remaining == 0


async def test_stream_emits_one_event_stream() -> None:
    agent, _ = scripted_agent("calc", [call("add", a=2, b=3), "The answer is five."])
    events = [event async for event in stream(agent, "2+3?")]
    kinds = [type(event).__name__ for event in events]
    assert kinds[0] == "ToolCallEvent"
    assert kinds[1] == "ToolResultEvent"
    assert isinstance(events[-1], DoneEvent)
    text = "".join(e.text for e in events if isinstance(e, TextDeltaEvent))
    assert text == "The answer is five."
    assert sum(isinstance(e, TextDeltaEvent) for e in events) > 1  # real deltas
    assert all(e.agent == "calc" for e in events)
    call_event = next(e for e in events if isinstance(e, ToolCallEvent))
    result_event = next(e for e in events if isinstance(e, ToolResultEvent))
    assert result_event.result.tool_call_id == call_event.call.id
    assert events[-1].result.output == text


async def test_max_steps_stops_cleanly() -> None:
    script = [call("add", a=i, b=i) for i in range(5)]
    agent, _ = scripted_agent("calc", script, max_steps=3)
    result = await run(agent, "loop")
    assert result.stop_reason == "max_steps"
    assert "max_steps=3" in result.detail
    assert sum(m.role == "assistant" for m in result.messages) == 3


async def test_repeated_identical_calls_stop_as_loop() -> None:
    script = [call("add", a=1, b=1) for _ in range(5)]
    agent, _ = scripted_agent("calc", script, max_repeated_calls=2)
    result = await run(agent, "loop")
    assert result.stop_reason == "loop"
    assert "add" in result.detail
    assert sum(m.role == "tool" for m in result.messages) == 2


async def test_token_budget_stops_cleanly() -> None:
    script = [call("add", a=i, b=1) for i in range(10)]
    agent, _ = scripted_agent("calc", script, max_tokens=30)
    result = await run(agent, "count a lot of words in this prompt please")
    assert result.stop_reason == "max_tokens"
    assert result.usage.total_tokens > 30


async def test_timeout_stops_cleanly() -> None:
    backend = ScriptedBackend([call("add", a=1, b=1), "done"], chunk_delay=0.5)
    agent, _ = scripted_agent("calc", [], timeout_s=0.2)
    agent = agent.model_copy(update={"model": backend})
    result = await run(agent, "slow")
    assert result.stop_reason == "timeout"
    assert "timeout_s=0.2" in result.detail


async def test_backend_failure_is_a_stop_reason() -> None:
    agent, _ = scripted_agent("calc", [BackendError("server down")])
    result = await run(agent, "hi")
    assert result.stop_reason == "error"
    assert "server down" in result.detail
