"""Human approval: tools flagged requires_approval interrupt; resume approve/reject/edit."""

from __future__ import annotations

import pytest

from interlace.agents import Decision, InterruptEvent, resume, resume_stream, sequence, stream
from interlace.agents.runner import run
from interlace.protocols.errors import UsageError
from interlace.runtimes import call

from .helpers import scripted_agent


async def test_approve_runs_the_call() -> None:
    agent, backend = scripted_agent("ops", [call("delete_file", path="a.txt"), "Deleted."])
    paused = await run(agent, "delete a.txt")
    assert paused.stop_reason == "interrupted"
    assert paused.thread_id
    [pending] = paused.pending
    assert pending.call.name == "delete_file"
    assert pending.call.arguments == {"path": "a.txt"}
    assert pending.agent == "ops"
    assert len(backend.requests) == 1  # paused before the tool ran
    done = await resume(agent, paused.thread_id, Decision.approve())
    assert done.stop_reason == "final"
    assert done.output == "Deleted."
    assert [m.text for m in done.messages if m.role == "tool"] == ["deleted a.txt"]


async def test_reject_tells_the_model() -> None:
    agent, backend = scripted_agent("ops", [call("delete_file", path="a.txt"), "Not deleted."])
    paused = await run(agent, "delete a.txt")
    assert paused.thread_id
    done = await resume(agent, paused.thread_id, Decision.reject("keep it"))
    tool_text = next(m.text for m in done.messages if m.role == "tool")
    assert "rejected" in tool_text
    assert "keep it" in tool_text
    assert backend.requests[-1].messages[-1].text == tool_text  # the model was told


async def test_edit_changes_the_arguments() -> None:
    agent, _ = scripted_agent("ops", [call("delete_file", path="a.txt"), "ok"])
    paused = await run(agent, "delete a.txt")
    assert paused.thread_id
    done = await resume(agent, paused.thread_id, Decision.edit({"path": "b.txt"}))
    assert next(m.text for m in done.messages if m.role == "tool") == "deleted b.txt"


async def test_several_pending_calls_decided_by_call_id() -> None:
    first, second = call("delete_file", path="a"), call("delete_file", path="b")
    agent, _ = scripted_agent("ops", [[first, second], "ok"])
    paused = await run(agent, "delete both", thread_id="t-several")
    assert {p.call.id for p in paused.pending} == {first.id, second.id}
    done = await resume(
        agent,
        "t-several",
        {first.id: Decision.approve(), second.id: Decision.reject("no")},
    )
    texts = [m.text for m in done.messages if m.role == "tool"]
    assert texts[0] == "deleted a"
    assert "rejected" in texts[1]
    with pytest.raises(UsageError, match="thread_id"):
        await resume(agent, None, Decision.approve())  # type: ignore[arg-type]


async def test_interrupt_inside_a_graph_streams_and_resumes() -> None:
    writer, _ = scripted_agent("writer", ["draft"])
    ops, _ = scripted_agent("ops", [call("delete_file", path="x"), "cleaned"])
    graph = sequence([writer, ops], name="pipeline")
    events = [event async for event in stream(graph, "go", thread_id="t-graph")]
    interrupt = next(e for e in events if isinstance(e, InterruptEvent))
    assert interrupt.agent == "ops"
    assert events[-1].result.stop_reason == "interrupted"
    resumed = [e async for e in resume_stream(graph, "t-graph", Decision.approve())]
    result = resumed[-1].result
    assert result.stop_reason == "final"
    assert result.output == "cleaned"
    assert [m.text for m in result.messages if m.role == "assistant" and m.text] == [
        "draft",
        "cleaned",
    ]
    assert set(result.usage_by_agent) == {"writer", "ops"}


async def test_an_approval_inside_a_graph_pauses_a_plain_run_each_time() -> None:
    writer, _ = scripted_agent("writer", ["draft"])
    calls = [call("delete_file", path="x"), call("delete_file", path="y"), "cleaned"]
    ops, _ = scripted_agent("ops", calls)
    graph = sequence([writer, ops], name="pipeline")
    paused = await run(graph, "go", thread_id="t-graph-run")
    assert paused.stop_reason == "interrupted"
    assert [p.call.arguments for p in paused.pending] == [{"path": "x"}]
    again = await resume(graph, "t-graph-run", Decision.approve())
    assert again.stop_reason == "interrupted"  # the next call asks in turn
    assert [p.call.arguments for p in again.pending] == [{"path": "y"}]
    done = await resume(graph, "t-graph-run", Decision.approve())
    assert (done.stop_reason, done.output, done.pending) == ("final", "cleaned", ())
