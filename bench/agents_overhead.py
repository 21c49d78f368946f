"""Per-step framework overhead of a 20-step ReAct run on the scripted backend, against a
hand-written LangGraph loop making the same model and tool calls.

Run from the repository root inside .venv: python bench/agents_overhead.py
"""

from __future__ import annotations

import operator
import statistics
import time
from typing import Annotated, Any, TypedDict

import anyio

from interlace.agents import Agent, Limits
from interlace.agents.runner import run
from interlace.protocols import Message, ModelRequest, ToolCall
from interlace.runtimes import ScriptedBackend
from interlace.tools import FunctionToolset, tool

STEPS = 20
RUNS = 60


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def _script() -> list[Any]:
    calls: list[Any] = [
        ToolCall(id=f"c{i}", name="add", arguments={"a": i, "b": 1}) for i in range(STEPS)
    ]
    return [*calls, "done"]


class LoopState(TypedDict):
    messages: Annotated[list[Message], operator.add]


def _baseline(backend: ScriptedBackend, toolset: FunctionToolset) -> Any:
    """The hand-written loop: model node, tools node, conditional edge."""
    from langgraph.graph import END, START, StateGraph

    async def model(state: LoopState) -> dict[str, Any]:
        specs = tuple(await toolset.list_tools())
        request = ModelRequest(messages=tuple(state["messages"]), tools=specs)
        response = await backend.complete(request)
        return {"messages": [response.message]}

    async def tools(state: LoopState) -> dict[str, Any]:
        calls = state["messages"][-1].tool_calls
        results = [await toolset.call(call) for call in calls]
        return {"messages": [result.to_message() for result in results]}

    async def route(state: LoopState) -> str:  # async, like ours: no thread-pool hop
        return "tools" if state["messages"][-1].tool_calls else END

    graph = StateGraph(LoopState)
    graph.add_node("model", model)
    graph.add_node("tools", tools)
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", route, ["tools", END])
    graph.add_edge("tools", "model")
    return graph.compile()


async def _time_interlace(agent: Agent, backend: ScriptedBackend) -> float:
    backend.requests.clear()
    start = time.perf_counter()
    result = await run(agent, "count")
    elapsed = time.perf_counter() - start
    assert result.stop_reason == "final", result
    assert len(backend.requests) == STEPS + 1
    return elapsed


async def _time_baseline(graph: Any, backend: ScriptedBackend) -> float:
    backend.requests.clear()
    start = time.perf_counter()
    out = await graph.ainvoke(
        {"messages": [Message.user("count")]}, {"recursion_limit": 10 * STEPS}
    )
    elapsed = time.perf_counter() - start
    assert out["messages"][-1].text == "done"
    assert len(backend.requests) == STEPS + 1
    return elapsed


async def main() -> None:
    toolset = FunctionToolset([add])
    ours_backend = ScriptedBackend(_script(), repeat=True)
    base_backend = ScriptedBackend(_script(), repeat=True)
    agent = Agent(
        name="counter",
        model=ours_backend,
        toolsets=[toolset],
        limits=Limits(max_steps=STEPS + 1, max_repeated_calls=STEPS),
    )
    baseline = _baseline(base_backend, toolset)
    for _ in range(3):  # warm up both paths
        await _time_interlace(agent, ours_backend)
        await _time_baseline(baseline, base_backend)
    ours, base = [], []
    for _ in range(RUNS):  # interleaved pairs: these machines are noisy
        ours.append(await _time_interlace(agent, ours_backend))
        base.append(await _time_baseline(baseline, base_backend))
    ours_s, base_s = statistics.median(ours), statistics.median(base)
    ratio = statistics.median(o / b for o, b in zip(ours, base, strict=True))
    per_step = (ours_s - base_s) / (STEPS + 1) * 1000
    print(
        f"{STEPS}-step ReAct run: interlace {ours_s * 1000:.1f} ms, hand-written LangGraph "
        f"loop {base_s * 1000:.1f} ms (medians of {RUNS} interleaved pairs)"
    )
    print(f"extra framework time per step: {per_step:.2f} ms")
    print(f"BENCH agents.react_step_overhead_vs_langgraph {ratio:.2f} ratio target <=1.2")


if __name__ == "__main__":
    anyio.run(main)
