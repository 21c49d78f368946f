"""One multi-agent graph end to end on the real on-device model, with react and with
plan_execute (one field changed). Small max_tokens keep it quick."""

from __future__ import annotations

import pytest

from interlace.agents import Agent, DoneEvent, Limits, TextDeltaEvent, sequence, stream
from interlace.protocols import SamplingSettings
from interlace.tools import FunctionToolset

from .helpers import add

pytestmark = pytest.mark.slow

SAMPLING = SamplingSettings(max_tokens=32, temperature=0)


def _graph(planner: str) -> object:
    solver = Agent(
        name="solver",
        description="adds numbers",
        instructions="Add the numbers with the add tool, then say the sum.",
        model="llamacpp:default",
        toolsets=[FunctionToolset([add])],
        planner=planner,
        sampling=SAMPLING,
        limits=Limits(max_steps=6),
    )
    reviewer = Agent(
        name="reviewer",
        instructions="Repeat the sum in one short sentence.",
        model="llamacpp:default",
        sampling=SAMPLING,
    )
    return sequence([solver, reviewer], name="team")


async def test_team_runs_on_llamacpp_with_react() -> None:
    await _check_team("react")


async def test_same_team_runs_with_plan_execute() -> None:
    await _check_team("plan_execute")


async def _check_team(planner: str) -> None:
    events = [event async for event in stream(_graph(planner), "What is 2 + 3?")]  # type: ignore[arg-type]
    done = events[-1]
    assert isinstance(done, DoneEvent)
    result = done.result
    assert set(result.usage_by_agent) == {"solver", "reviewer"}
    # the reviewer answers last, in one model call: its answer is cut exactly when it used
    # the whole max_tokens, and the run says so
    cut = result.usage_by_agent["reviewer"].output_tokens >= (SAMPLING.max_tokens or 0)
    assert result.stop_reason == ("length" if cut else "final"), result.detail
    for usage in result.usage_by_agent.values():
        assert usage.input_tokens > 10
        assert usage.output_tokens > 0
    # the reviewer's streamed deltas are exactly its final answer
    streamed = "".join(
        e.text for e in events if isinstance(e, TextDeltaEvent) and e.agent == "reviewer"
    )
    assert streamed == result.output
    assert result.output
    # every tool result answers a call the model made, with schema-valid arguments
    calls = [c for m in result.messages for c in m.tool_calls]
    results = [m for m in result.messages if m.role == "tool"]
    assert [m.tool_call_id for m in results] == [c.id for c in calls]
    assert all(c.name == "add" and set(c.arguments) == {"a", "b"} for c in calls)
    if planner == "react":  # the react solver adds 2 and 3 and the sum comes back
        assert [(c.name, c.arguments) for c in calls] == [("add", {"a": 2, "b": 3})], calls
        assert [m.text for m in results] == ["5"]
    if planner == "plan_execute":
        plan = next(m.text for m in result.messages if m.text.startswith("Plan:"))
        planned = [line for line in plan.splitlines()[1:] if line.strip()]
        assert 1 <= len(planned) <= 2  # the grammar bounds the plan to the step budget
        steps = [m for m in result.messages if m.role == "user" and "of the plan" in m.text]
        assert len(steps) == len(planned)
