"""The planner kit, the Unit protocol, the tools' run context and per-call request transforms."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from interlace.agents import Agent, Decision, Unit, resume, run, sequence
from interlace.agents.context import AgentContext
from interlace.agents.planners import END, PLANNERS, START, Planner, PlannerKit
from interlace.agents.state import State
from interlace.protocols import Message, ModelRequest, ModelResponse
from interlace.runtimes import ScriptedBackend, call
from interlace.tools import FunctionToolset, RunContext, tool


class Note(BaseModel):
    """A type only this planner's state holds."""

    text: str
    words: int


class NoteState(State, total=False):
    note: Note


class NoteTaker(Planner):
    """Answers, then keeps a :class:`Note` of the answer in its own state."""

    state = NoteState
    checkpoint_types = (Note,)

    def build(self, kit: PlannerKit) -> Any:
        def read(state: Any, response: ModelResponse) -> dict[str, Any]:
            text = response.message.text
            note = Note(text=text, words=len(text.split()))
            return {"messages": [response.message], "note": note}

        graph = kit.graph()
        graph.add_node("answer", kit.model_node("answer", read=read))
        graph.add_edge(START, "answer")
        graph.add_edge("answer", END)
        return graph


def test_agents_and_graphs_are_units() -> None:
    agent = Agent(name="a", model=ScriptedBackend())
    graph = sequence([agent, Agent(name="b", model=ScriptedBackend())])
    for unit in (agent, graph):
        assert isinstance(unit, Unit)
    assert agent.members == ()
    assert [member.name for member in graph.members] == ["a", "b"]
    assert agent.timeout_s is None


async def test_planner_state_types_are_checkpointed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    PLANNERS.register("test-note-taker", NoteTaker, replace=True)
    backend = ScriptedBackend(["first answer here", "second"])
    agent = Agent(name="noter", model=backend, planner="test-note-taker")
    db = tmp_path / "threads.sqlite"
    caplog.set_level(logging.WARNING)
    await run(agent, "hi", thread_id="t", checkpointer=db)
    again = await run(agent, "more", thread_id="t", checkpointer=db)  # restores the Note
    assert again.output == "second"
    from interlace.agents import sqlite_checkpointer
    from interlace.agents.checkpoints import register_types

    async with sqlite_checkpointer(db) as saver:
        compiled = agent.compile(register_types(saver, agent.checkpoint_types()))
        state = await compiled.aget_state({"configurable": {"thread_id": "t"}})
    assert state.values["note"] == Note(text="second", words=1)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


async def test_tools_receive_the_run_context() -> None:
    seen: list[RunContext] = []

    @tool(requires_approval=True)
    def remember(note: str, ctx: RunContext) -> str:
        """Remember a note."""
        seen.append(ctx)
        return f"remembered {note}"

    assert "ctx" not in remember.parameters["properties"]
    backend = ScriptedBackend([call("remember", note="x"), "ok"])
    agent = Agent(name="keeper", model=backend, toolsets=[FunctionToolset([remember])])
    paused = await run(agent, "remember x", thread_id="th-1")
    assert paused.interrupted
    done = await resume(agent, "th-1", Decision.edit({"note": "y"}))
    assert done.output == "ok"
    (context,) = seen
    assert (context.agent, context.thread_id, context.approval) == ("keeper", "th-1", "edited")
    assert context.call_id == paused.pending[0].call.id


async def test_cache_key_is_per_agent_and_thread() -> None:
    backend = ScriptedBackend(["a", "b"])
    agent = Agent(name="chat", model=backend)
    await run(agent, "one", thread_id="t1")
    await run(agent, "two")
    assert [request.cache_key for request in backend.requests] == ["chat:t1", "chat"]


async def test_request_transforms_rewrite_every_model_call() -> None:
    async def last_turn_only(request: ModelRequest, context: RunContext) -> ModelRequest:
        assert context.agent == "short"
        kept = (*request.messages[:1], request.messages[-1])
        return request.model_copy(update={"messages": kept})

    backend = ScriptedBackend(["done"])
    agent = Agent(name="short", instructions="Be brief.", model=backend)
    kit = PlannerKit(AgentContext(agent, transforms=(last_turn_only,)))
    graph = PLANNERS.get("react")().build(kit).compile()
    history = [Message.user("old question"), Message.assistant("old answer"), Message.user("new")]
    await graph.ainvoke({"messages": history}, {"configurable": {}})
    (request,) = backend.requests
    assert [message.text for message in request.messages] == ["Be brief.", "new"]
