"""plan_execute: a structured plan, steps with tools, replanning when a step fails."""

from __future__ import annotations

import json

from interlace.agents import sequence
from interlace.agents.runner import run
from interlace.runtimes import call

from .helpers import scripted_agent


def _plan(*steps: str) -> str:
    return json.dumps({"steps": list(steps)})


async def test_plan_then_execute_each_step() -> None:
    agent, backend = scripted_agent(
        "planner",
        [
            _plan("add 1 and 2", "add 3 and 4"),
            call("add", a=1, b=2),
            "3",
            call("add", a=3, b=4),
            "7",
            "The sums are 3 and 7.",
        ],
        planner="plan_execute",
    )
    result = await run(agent, "add 1+2 and 3+4")
    assert result.stop_reason == "final"
    assert result.output == "The sums are 3 and 7."
    plan_request = backend.requests[0]
    assert plan_request.response_format is not None
    assert plan_request.response_format.json_schema["properties"]["steps"]["type"] == "array"
    assert plan_request.tools == ()  # planning does not call tools
    assert "add" in plan_request.messages[0].text  # it knows which tools exist
    user_texts = [m.text for m in result.messages if m.role == "user"]
    assert user_texts[1:] == [
        "Carry out step 1 of the plan: add 1 and 2",
        "Carry out step 2 of the plan: add 3 and 4",
    ]
    assert [m.text for m in result.messages if m.role == "tool"] == ["3", "7"]
    backend.assert_all_consumed()


async def test_failed_step_replans() -> None:
    agent, backend = scripted_agent(
        "planner",
        [
            _plan("use the broken tool"),
            call("fail", reason="boom"),
            "it failed",
            _plan("add 2 and 2 instead"),
            call("add", a=2, b=2),
            "4",
        ],
        planner="plan_execute",
    )
    result = await run(agent, "compute")
    assert result.output == "4"  # the revised plan has one step: its answer is final
    replan = backend.requests[3]
    assert replan.response_format is not None
    assert "failed" in replan.messages[0].text
    assert any("Revised plan" in m.text for m in result.messages)
    backend.assert_all_consumed()


async def test_same_graph_with_react_and_plan_execute() -> None:
    """One field (Agent.planner) swaps the strategy inside the same graph."""

    def build(planner: str, script: list[object]) -> object:
        worker, backend = scripted_agent("worker", script, planner=planner)  # type: ignore[arg-type]
        reviewer, _ = scripted_agent("reviewer", ["looks right"], tools=False)
        return sequence([worker, reviewer]), backend

    react_graph, react_backend = build("react", [call("add", a=2, b=2), "4"])
    plan_graph, plan_backend = build(
        "plan_execute", [_plan("add 2 and 2"), call("add", a=2, b=2), "4"]
    )
    for graph, backend in ((react_graph, react_backend), (plan_graph, plan_backend)):
        result = await run(graph, "2+2?")  # type: ignore[arg-type]
        assert result.stop_reason == "final"
        assert result.output == "looks right"
        assert [m.text for m in result.messages if m.role == "tool"] == ["4"]
        backend.assert_all_consumed()  # type: ignore[attr-defined]
    assert plan_backend.requests[0].response_format is not None  # type: ignore[attr-defined]
    assert react_backend.requests[0].response_format is None  # type: ignore[attr-defined]
