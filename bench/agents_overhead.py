"""Framework overhead per step: a 20-step ReAct run of an interlace ``Agent`` on the
scripted backend against a plain LangGraph loop doing the same calls, without and with an
in-memory checkpointer; plus the import time of ``interlace.agents`` against
``langgraph.graph``.

The baseline uses nothing of interlace: a ``StateGraph`` over a TypedDict of dict
messages, a plain function as the model (the next scripted answer) and a plain function
as the tool, wired as the usual model -> tools -> model loop. LangGraph's own cost is
interlace's floor, so the ratio is what interlace adds on top of it.

These machines are shared and noisy: the two sides alternate run by run, and figures are
medians over rounds of CPU time per step. Each run starts from a collected heap, and the
checkpointed runs' threads are deleted from their saver after each round (outside the
timing), on both sides alike: otherwise the savers grow all run long and the occasional
full garbage-collector pass over them lands in whichever side's run happens to trigger it
(per-round ratios from 0.5 to 1.9). A saver's growth is the saver's cost, not the
framework's.
Run from the repository root inside .venv: python bench/agents_overhead.py
"""

from __future__ import annotations

import gc
import operator
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict

import anyio

Runner = Callable[[], Awaitable[None]]

STEPS = 20
ROUNDS = 15
RUNS_PER_ROUND = 4
IMPORT_ROUNDS = 5
TARGET = 1.3


async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@dataclass
class Threads:
    """The threads one side's runs open on its saver (none without a checkpointer)."""

    saver: Any = None
    ids: list[str] = field(default_factory=list)

    def new(self) -> str | None:
        if self.saver is None:
            return None
        self.ids.append(uuid.uuid4().hex)
        return self.ids[-1]

    def forget(self) -> None:
        """Delete the threads written so far (between timed blocks)."""
        for thread in self.ids:
            self.saver.delete_thread(thread)
        self.ids.clear()


# --- the baseline: LangGraph alone --------------------------------------------------


class LoopState(TypedDict):
    messages: Annotated[list[dict[str, Any]], operator.add]


def plain_model(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The model as a plain function: a call to ``add`` per step, then the answer."""
    step = sum(1 for message in messages if message["role"] == "assistant")
    if step == STEPS:
        return {"role": "assistant", "content": "done"}
    call = {"id": f"c{step}", "name": "add", "arguments": {"a": step, "b": 1}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def baseline_graph(checkpointer: Any = None) -> Any:
    """The plain loop: model node, tools node, conditional edge (all async, as ours)."""
    from langgraph.graph import END, START, StateGraph

    async def model(state: LoopState) -> dict[str, Any]:
        return {"messages": [plain_model(state["messages"])]}

    async def tools(state: LoopState) -> dict[str, Any]:
        results = []
        for call in state["messages"][-1]["tool_calls"]:
            value = await add(**call["arguments"])
            results.append({"role": "tool", "tool_call_id": call["id"], "content": str(value)})
        return {"messages": results}

    async def route(state: LoopState) -> str:
        return "tools" if state["messages"][-1].get("tool_calls") else END

    graph = StateGraph(LoopState)
    graph.add_node("model", model)
    graph.add_node("tools", tools)
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", route, ["tools", END])
    graph.add_edge("tools", "model")
    return graph.compile(checkpointer=checkpointer)


def baseline_runner(threads: Threads) -> Runner:
    graph = baseline_graph(threads.saver)

    async def once() -> None:
        config: dict[str, Any] = {"recursion_limit": 10 * STEPS}
        if (thread := threads.new()) is not None:
            config["configurable"] = {"thread_id": thread}
        out = await graph.ainvoke({"messages": [{"role": "user", "content": "count"}]}, config)
        assert out["messages"][-1]["content"] == "done", out["messages"][-1]
        assert len(out["messages"]) == 2 * STEPS + 2

    return once


# --- interlace: Agent + react on the scripted backend ----------------------------------


def interlace_runner(threads: Threads) -> Runner:
    from interlace.agents import Agent, Limits, run
    from interlace.protocols import ToolCall
    from interlace.runtimes import ScriptedBackend
    from interlace.tools import FunctionToolset, tool

    calls = [ToolCall(id=f"c{i}", name="add", arguments={"a": i, "b": 1}) for i in range(STEPS)]
    backend = ScriptedBackend([*calls, "done"], repeat=True)
    agent = Agent(
        name="counter",
        model=backend,
        toolsets=[FunctionToolset([tool(add)])],
        limits=Limits(max_steps=STEPS + 1, max_repeated_calls=STEPS),
    )

    async def once() -> None:
        thread = threads.new()
        result = await run(agent, "count", checkpointer=threads.saver, thread_id=thread)
        assert result.stop_reason == "final", result
        assert result.output == "done"
        assert len(result.messages) == 2 * STEPS + 2

    return once


# --- measuring ---------------------------------------------------------------------------


async def _round(
    ours: Runner, base: Runner, threads: tuple[Threads, Threads]
) -> tuple[float, float]:
    """CPU microseconds per step of each side over one round: the loop never waits (a
    zero-latency model), so CPU time is its whole cost, and unlike wall time it does not
    count other processes' turns on a shared machine. The sides alternate run by run, so
    both meet the same neighbours; each run starts from a collected heap, and the round's
    threads are deleted after it."""
    spent = [0.0, 0.0]
    for _ in range(RUNS_PER_ROUND):
        for index, once in enumerate((ours, base)):
            gc.collect()
            start = time.process_time()
            await once()
            spent[index] += time.process_time() - start
    for side in threads:
        side.forget()
    steps = RUNS_PER_ROUND * (STEPS + 1)
    return spent[0] / steps * 1e6, spent[1] / steps * 1e6


async def compare(name: str, saver: Callable[[], Any] | None = None) -> None:
    """Interleaved rounds of both sides (each with its own saver from ``saver``)."""
    threads = (Threads(saver() if saver else None), Threads(saver() if saver else None))
    ours, base = interlace_runner(threads[0]), baseline_runner(threads[1])
    for _ in range(2):  # warm up both paths
        await ours()
        await base()
    pairs = [await _round(ours, base, threads) for _ in range(ROUNDS)]
    ours_us, base_us, ratio = _medians(pairs)
    print(
        f"{name}: interlace {ours_us:.0f} us/step, plain LangGraph loop {base_us:.0f} us/step "
        f"(CPU; medians of {ROUNDS} rounds of {RUNS_PER_ROUND} {STEPS}-step runs a side)"
    )
    print(f"BENCH agents.{name}_step_vs_langgraph {ratio:.2f} ratio target <={TARGET}")


def _medians(pairs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Median of ours, of the baseline, and of the per-round ratio."""
    ours = statistics.median(pair[0] for pair in pairs)
    base = statistics.median(pair[1] for pair in pairs)
    return ours, base, statistics.median(pair[0] / pair[1] for pair in pairs)


def _import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(done.stdout)


def compare_imports() -> None:
    ours_code = "from interlace.agents import Agent, run"
    base_code = "from langgraph.graph import StateGraph"
    pairs = [(_import_seconds(ours_code), _import_seconds(base_code)) for _ in range(IMPORT_ROUNDS)]
    ours_s, base_s, ratio = _medians(pairs)
    print(
        f"import: `{ours_code}` {ours_s * 1000:.0f} ms, `{base_code}` {base_s * 1000:.0f} ms "
        f"(LangGraph loads when the first agent compiles)"
    )
    print(f"BENCH agents.import_vs_langgraph {ratio:.2f} ratio target <=1.0")


async def main() -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    await compare("react")
    await compare("react_checkpointed", InMemorySaver)
    compare_imports()


if __name__ == "__main__":
    anyio.run(main)
