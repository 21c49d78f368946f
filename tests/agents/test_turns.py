"""Turns on a thread: each new message starts fresh run bookkeeping (step budget, timeout,
stop, route, hops, usage) while the conversation carries over; a resume is no new turn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interlace.agents import Agent, Decision, resume, sqlite_checkpointer, supervisor
from interlace.agents.runner import run
from interlace.agents.units import compile_unit
from interlace.runtimes import ScriptedBackend, call
from interlace.tools import FunctionToolset, tool

from .helpers import scripted_agent


@pytest.fixture(params=["memory", "sqlite"])
def checkpointer(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """``None`` (a thread id alone: the in-memory checkpointer) or an SQLite file."""
    return None if request.param == "memory" else tmp_path / "runs.sqlite"


def _thread() -> str:
    import uuid

    return uuid.uuid4().hex  # the in-memory checkpointer is shared by the whole process


async def test_every_turn_gets_the_full_step_budget(checkpointer: Any) -> None:
    turns = 3
    agent, _ = scripted_agent("calc", [call("add", a=1, b=2), "3"] * turns, max_steps=2)
    thread = _thread()
    usages = []
    for turn in range(turns):
        result = await run(agent, f"turn {turn}", thread_id=thread, checkpointer=checkpointer)
        assert result.stop_reason == "final", result.detail
        assert result.output == "3"
        usages.append(result.usage)
    assert len([m for m in result.messages if m.role == "user"]) == turns  # history kept
    assert {usage.output_tokens for usage in usages} == {usages[0].output_tokens}  # per turn


async def test_the_timeout_counts_per_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    from interlace.agents import guards

    clock = [1000.0]
    monkeypatch.setattr(guards, "now", lambda: clock[0])
    agent, _ = scripted_agent("calc", [call("add", a=1, b=2), "3"] * 2, timeout_s=60)
    thread = _thread()
    assert (await run(agent, "first", thread_id=thread)).stop_reason == "final"
    clock[0] += 3600  # an hour later, the thread's next message
    second = await run(agent, "second", thread_id=thread)
    assert second.stop_reason == "final", second.detail


async def test_a_stop_does_not_leak_into_the_next_turn(checkpointer: Any) -> None:
    agent, _ = scripted_agent("calc", [call("add", a=1, b=2), "hello again"], max_steps=1)
    thread = _thread()
    first = await run(agent, "loop", thread_id=thread, checkpointer=checkpointer)
    assert first.stop_reason == "max_steps"
    second = await run(agent, "hi", thread_id=thread, checkpointer=checkpointer)
    assert second.stop_reason == "final", second.detail
    assert second.output == "hello again"


@tool
def transfer() -> dict[str, str]:
    """Hand the conversation to the desk."""
    return {"handoff": "desk"}


async def test_a_route_does_not_leak_into_the_next_turn() -> None:
    backend = ScriptedBackend([call("transfer"), "answered"])
    agent = Agent(name="front", model=backend, toolsets=[FunctionToolset([transfer])])
    thread = _thread()
    await run(agent, "send me on", thread_id=thread)
    second = await run(agent, "hi", thread_id=thread)
    assert second.stop_reason == "final", second.detail
    assert second.output == "answered"


def _route(next_: str, answer: str = "") -> str:
    return json.dumps({"next": next_, "answer": answer})


async def test_graph_hops_and_stops_start_afresh_each_turn(checkpointer: Any) -> None:
    router, _ = scripted_agent(
        "boss", [_route("a"), _route("FINISH", "first done")] * 3, tools=False
    )
    worker = Agent(name="a", model="scripted:alpha")
    graph = supervisor(router, [worker], max_hops=3)
    thread = _thread()
    for turn in range(3):  # each turn runs 3 nodes: boss -> a -> boss
        result = await run(graph, f"turn {turn}", thread_id=thread, checkpointer=checkpointer)
        assert result.stop_reason == "final", result.detail
        assert result.output == "first done"
    spinning, _ = scripted_agent(
        "boss", [_route("a"), _route("b"), _route("FINISH", "ok")], tools=False
    )
    graph = supervisor(spinning, [worker, Agent(name="b", model="scripted:beta")], max_hops=3)
    thread = _thread()
    first = await run(graph, "spin", thread_id=thread, checkpointer=checkpointer)
    assert first.stop_reason == "max_steps"  # the hop guard, with a route to a pending
    second = await run(graph, "again", thread_id=thread, checkpointer=checkpointer)
    assert second.stop_reason == "final", second.detail


async def test_a_resumed_approval_is_no_new_turn(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    agent, _ = scripted_agent(
        "ops", ["hello", call("delete_file", path="a"), "deleted"], max_steps=2
    )
    assert (await run(agent, "hi", thread_id="t1", checkpointer=db)).output == "hello"
    paused = await run(agent, "delete a", thread_id="t1", checkpointer=db)
    assert paused.stop_reason == "interrupted"
    done = await resume(agent, "t1", Decision.approve(), checkpointer=db)
    assert done.stop_reason == "final", done.detail
    assert done.output == "deleted"
    async with sqlite_checkpointer(db) as saver:
        state = await compile_unit(agent, saver).aget_state({"configurable": {"thread_id": "t1"}})
    assert state.values["steps"] == 2  # the paused turn's steps went on after the resume
    assert done.usage.output_tokens == paused.usage.output_tokens + 1  # its usage too
