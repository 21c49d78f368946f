"""Graph composition: sequence, supervisor, handoff, parallel, subgraphs, branches."""

from __future__ import annotations

import json

import anyio
import pytest

from interlace.agents import (
    END,
    START,
    Agent,
    GraphBuilder,
    NodeEnterEvent,
    NodeExitEvent,
    handoff,
    parallel,
    sequence,
    stream,
    supervisor,
)
from interlace.agents.runner import run
from interlace.protocols.errors import UsageError
from interlace.runtimes import ScriptedBackend, call
from interlace.tools import FunctionToolset, tool

from .helpers import scripted_agent


def _route(next_: str, answer: str = "") -> str:
    return json.dumps({"next": next_, "answer": answer})


async def test_sequence_passes_the_conversation_on() -> None:
    writer, _ = scripted_agent("writer", [call("add", a=1, b=2), "draft: 3"])
    editor, editor_backend = scripted_agent("editor", ["final: 3"])
    result = await run(sequence([writer, editor]), "write it")
    assert result.output == "final: 3"
    assert editor_backend.requests[0].messages[-1].text == "draft: 3"
    assert set(result.usage_by_agent) == {"writer", "editor"}
    assert result.usage == result.usage_by_agent["writer"] + result.usage_by_agent["editor"]


async def test_supervisor_routes_with_structured_output() -> None:
    router, router_backend = scripted_agent(
        "boss",
        [_route("math"), _route("prose"), _route("FINISH", "3, in words three")],
        tools=False,
    )
    math, _ = scripted_agent("math", [call("add", a=1, b=2), "3"], description="adds")
    prose, _ = scripted_agent("prose", ["three"], description="writes words")
    result = await run(supervisor(router, [math, prose]), "1+2 in words")
    assert result.stop_reason == "final"
    assert result.output == "3, in words three"
    request = router_backend.requests[0]
    assert request.response_format is not None
    schema = request.response_format.json_schema
    assert "FINISH" in str(schema)
    assert "math" in str(schema)
    assert "prose" in str(schema)
    assert "adds" in request.messages[0].text  # worker descriptions in the prompt
    assert set(result.usage_by_agent) == {"boss", "math", "prose"}


async def test_supervisor_rounds_are_bounded() -> None:
    router, _ = scripted_agent("boss", [_route("a"), _route("b")] * 5, tools=False)
    workers = [Agent(name="a", model="scripted:alpha"), Agent(name="b", model="scripted:beta")]
    result = await run(supervisor(router, workers, max_hops=5), "spin")
    assert result.stop_reason == "max_steps"
    assert "max_hops=5" in result.detail


async def test_supervisor_routing_to_the_worker_that_just_answered_finishes() -> None:
    router, router_backend = scripted_agent(
        "boss", [_route("a"), _route("b"), _route("b"), _route("a")], tools=False
    )
    workers = [Agent(name="a", model="scripted:alpha"), Agent(name="b", model="scripted:beta")]
    result = await run(supervisor(router, workers), "spin")
    assert result.stop_reason == "final"
    assert result.output == "beta"  # the best answer so far: b's, not a loop to max_hops
    assert len(router_backend.requests) == 3  # boss -> a -> boss -> b -> boss (b again): end
    assert [m.text for m in result.messages if m.role == "assistant"] == ["alpha", "beta"]


def test_router_alone_is_a_usage_error() -> None:
    from interlace.agents.units import compile_agent

    router = Agent(name="boss", model="scripted:x", planner="router")
    with pytest.raises(UsageError, match="supervisor"):
        compile_agent(router)


async def test_handoff_transfers_control() -> None:
    triage, triage_backend = scripted_agent("triage", [call("transfer_to_billing"), "unused"])
    billing, _ = scripted_agent("billing", [call("add", a=10, b=5), "Refund of 15 issued."])
    result = await run(handoff([triage, billing]), "refund me")
    assert result.output == "Refund of 15 issued."
    assert "transfer_to_billing" in {s.name for s in triage_backend.requests[0].tools}
    assert triage_backend.remaining == 1  # triage stopped at the transfer
    assert set(result.usage_by_agent) == {"triage", "billing"}


async def test_parallel_branches_overlap_in_time() -> None:
    """Each branch's tool call waits for the other branch to start: run one after the
    other, the first call would time out (an error result) and the intervals would not
    overlap."""
    started = {"left": anyio.Event(), "right": anyio.Event()}
    spans: dict[str, tuple[float, float]] = {}

    def make_probe(me: str, other: str) -> object:
        @tool(name=f"probe_{me}")
        async def probe() -> str:
            """Wait until the other branch is running too."""
            began = anyio.current_time()
            started[me].set()
            with anyio.fail_after(5):
                await started[other].wait()
            await anyio.sleep(0.05)  # both tools are now running: their spans overlap
            spans[me] = (began, anyio.current_time())
            return f"{me} saw {other}"

        return probe

    branches, backends = [], {}
    for me, other in (("left", "right"), ("right", "left")):
        backends[me] = ScriptedBackend([call(f"probe_{me}"), f"{me} done"])
        toolset = FunctionToolset([make_probe(me, other)])  # type: ignore[list-item]
        branches.append(Agent(name=me, model=backends[me], toolsets=[toolset]))
    join, join_backend = scripted_agent("join", ["both done"], tools=False)
    result = await run(parallel(branches, join=join), "go")
    assert result.stop_reason == "final", result.detail
    for me, other in (("left", "right"), ("right", "left")):
        tool_message = backends[me].requests[1].messages[-1]
        assert (tool_message.role, tool_message.text) == ("tool", f"{me} saw {other}")
    (left_start, left_end), (right_start, right_end) = spans["left"], spans["right"]
    assert max(left_start, right_start) < min(left_end, right_end), spans
    assert result.output == "both done"
    joined = join_backend.requests[0].messages[-1].text
    assert "[left]\nleft done" in joined
    assert "[right]\nright done" in joined


async def test_parallel_without_join_combines_answers() -> None:
    a, _ = scripted_agent("a", ["alpha"], tools=False)
    b, _ = scripted_agent("b", ["beta"], tools=False)
    result = await run(parallel([a, b]), "go")
    assert result.output == "[a]\nalpha\n\n[b]\nbeta"


async def test_graph_as_a_node_and_conditional_edges() -> None:
    inner = sequence(
        [
            scripted_agent("x", ["from x"], tools=False)[0],
            scripted_agent("y", ["from y"], tools=False)[0],
        ],
        name="inner",
    )
    short, _ = scripted_agent("short", ["short path"], tools=False)
    long, _ = scripted_agent("long", ["long path"], tools=False)
    builder = GraphBuilder("outer")
    builder.add(inner)
    builder.add(short)
    builder.add(long)
    builder.edge(START, "inner")
    builder.branch(
        "inner",
        lambda state: "long" if "y" in state["messages"][-1].text else "short",
        ["short", "long"],
    )
    builder.edge("short", END).edge("long", END)
    graph = builder.build()
    events = [event async for event in stream(graph, "go")]
    result = events[-1].result
    assert result.output == "long path"
    entered = [e.node for e in events if isinstance(e, NodeEnterEvent)]
    exited = [e.node for e in events if isinstance(e, NodeExitEvent)]
    assert entered == ["inner", "x", "y", "long"]
    assert exited == ["x", "y", "inner", "long"]
    assert set(result.usage_by_agent) == {"x", "y", "long"}


async def test_a_stopped_agent_ends_the_graph() -> None:
    looping, _ = scripted_agent("looping", [call("add", a=1, b=1)] * 3, max_repeated_calls=1)
    never, never_backend = scripted_agent("never", ["unused"])
    result = await run(sequence([looping, never]), "go")
    assert result.stop_reason == "loop"
    assert len(never_backend.requests) == 0


def test_builders_reject_bad_shapes() -> None:
    agent = Agent(name="a", model="scripted:x")
    with pytest.raises(UsageError):
        sequence([])
    with pytest.raises(UsageError):
        parallel([agent])
    with pytest.raises(UsageError, match="already has a node"):
        sequence([agent, agent])
