"""Graphs of agents: a small builder plus sequence, supervisor, handoff and parallel.

Every graph compiles to a LangGraph ``StateGraph`` over :class:`~interlace.agents.state.State`;
agents and graphs run as subgraph nodes, so a graph is itself usable as a node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from interlace.protocols import Message
from interlace.protocols.errors import UsageError

from .agent import Agent
from .events import StopReason
from .state import State, Stop, fresh_run, last_answer
from .units import Unit, compile_unit, members_checkpoint_types, members_need_approval, unit_node

START = "__start__"
END = "__end__"
HOP_GUARD = "__hop_guard__"

NodeFactory = Callable[[], Any]
Condition = Callable[[State], str]


@dataclass
class Graph:
    """A composed graph of agents and graphs; run it like an agent.

    ``max_hops`` bounds how many agent nodes one run executes (supervisor and handoff
    loops); ``timeout_s`` bounds the whole run's wall-clock time.
    """

    name: str
    members: list[Unit]
    build: Callable[[], Any] = field(repr=False)
    max_hops: int = 25
    timeout_s: float | None = None
    description: str = ""

    def compile(self, checkpointer: Any = None) -> Any:
        """The LangGraph graph, compiled (``checkpointer=None`` inherits a parent's)."""
        return self.build().compile(checkpointer=checkpointer, name=self.name)

    async def needs_approval(self) -> bool:
        """Whether a tool of any member needs human approval."""
        return await members_need_approval(self)

    def checkpoint_types(self) -> frozenset[type[Any]]:
        """The types the members' states hold."""
        return members_checkpoint_types(self)

    def fresh_run(self) -> dict[str, Any]:
        """A new turn's input: fresh run bookkeeping (hops, stop, route, ...)."""
        return fresh_run()


class GraphBuilder:
    """Build a graph node by node: ``add`` units, connect them with ``edge`` and
    ``branch`` (conditional edges), then ``build``. Edges end the run early when an
    agent was stopped by a guard or the graph ran ``max_hops`` nodes."""

    def __init__(
        self,
        name: str,
        *,
        description: str = "",
        max_hops: int = 25,
        timeout_s: float | None = None,
    ):
        self.name = name
        self.description = description
        self.max_hops = max_hops
        self.timeout_s = timeout_s
        self._members: list[Unit] = []
        self._nodes: dict[str, NodeFactory] = {}
        self._wiring: list[Callable[[Any], None]] = []

    def add(self, unit: Unit, *, name: str | None = None, writes_route: bool = False) -> str:
        """Add an agent or graph as a node; returns the node name."""
        node_name = name or unit.name
        return self.add_node(
            node_name,
            lambda: unit_node(node_name, compile_unit(unit), writes_route=writes_route),
            member=unit,
        )

    def add_node(self, name: str, factory: NodeFactory, *, member: Unit | None = None) -> str:
        """Add a plain LangGraph node function (made by ``factory`` at build time);
        ``member`` is the unit the node runs, when it runs one in its own way."""
        if name in self._nodes or name in (START, END):
            raise UsageError(
                f"graph {self.name!r} already has a node named {name!r}; "
                "pass name=... to add the same agent twice"
            )
        self._nodes[name] = factory
        if member is not None:
            self._members.append(member)
        return name

    def edge(self, source: str, target: str) -> GraphBuilder:
        """Go from ``source`` to ``target`` (``START``/``END`` allowed)."""
        if source == START:
            self._wiring.append(lambda graph: graph.add_edge(START, target))
        else:
            self.branch(source, lambda state: target, [target])
        return self

    def branch(self, source: str, condition: Condition, targets: Sequence[str]) -> GraphBuilder:
        """A conditional edge: ``condition(state)`` names the next node (or ``END``)."""
        guarded = self._guard(condition)
        self._wiring.append(
            lambda graph: graph.add_conditional_edges(source, guarded, [*targets, END, HOP_GUARD])
        )
        return self

    def wire(self, step: Callable[[Any], None]) -> GraphBuilder:
        """Apply a raw wiring step to the LangGraph ``StateGraph`` (e.g. ``Send`` fan-outs)."""
        self._wiring.append(step)
        return self

    def _guard(self, condition: Condition) -> Callable[[State], Any]:
        max_hops = self.max_hops

        async def guarded(state: State) -> Any:
            if state.get("stop") is not None:
                return END
            target = condition(state)
            if target != END and state.get("hops", 0) >= max_hops:
                return HOP_GUARD
            return target

        return guarded

    def build(self) -> Graph:
        """The finished graph."""
        if not self._nodes:
            raise UsageError(f"graph {self.name!r} has no nodes; add agents with .add(...)")
        nodes, wiring, max_hops = dict(self._nodes), list(self._wiring), self.max_hops

        def build_state_graph() -> Any:
            from langgraph.graph import StateGraph

            graph = StateGraph(State)
            for name, factory in nodes.items():
                graph.add_node(name, factory())
            graph.add_node(HOP_GUARD, _hop_guard(max_hops))
            graph.add_edge(HOP_GUARD, END)
            for step in wiring:
                step(graph)
            return graph

        return Graph(
            self.name,
            list(self._members),
            build_state_graph,
            self.max_hops,
            self.timeout_s,
            self.description,
        )


def _hop_guard(max_hops: int) -> Any:
    async def hop_guard(state: State) -> dict[str, Any]:
        return {"stop": _stop("max_steps", f"the graph ran max_hops={max_hops} nodes")}

    return hop_guard


def _stop(reason: StopReason, detail: str) -> Stop:
    return Stop(reason=reason, detail=detail)


def sequence(units: Sequence[Unit], *, name: str = "sequence", **options: Any) -> Graph:
    """Run agents (or graphs) one after another on one conversation."""
    if not units:
        raise UsageError("sequence() needs at least one agent or graph")
    builder = GraphBuilder(name, **options)
    names = [builder.add(unit) for unit in units]
    builder.edge(START, names[0])
    for source, target in zip(names, [*names[1:], END], strict=True):
        builder.edge(source, target)
    return builder.build()


def parallel(
    branches: Sequence[Unit], *, join: Unit | None = None, name: str = "parallel", **options: Any
) -> Graph:
    """Fan out to ``branches`` concurrently (LangGraph ``Send``), then join their answers:
    with a ``join`` agent, which gets them as a message, or as one combined message."""
    if len(branches) < 2:
        raise UsageError("parallel() needs at least two branches")
    builder = GraphBuilder(name, **options)
    names = [builder.add(unit) for unit in branches]
    collect = builder.add_node("__collect__", lambda: _collect(names))

    async def fan_out(state: State) -> list[Any]:
        from langgraph.types import Send

        return [Send(branch, {"messages": state.get("messages", [])}) for branch in names]

    builder.wire(lambda graph: graph.add_conditional_edges(START, fan_out, names))
    for branch in names:
        builder.wire(partial(_add_edge, source=branch, target=collect))
    if join is None:
        builder.edge(collect, END)
    else:
        joined = builder.add(join)
        builder.edge(collect, joined).edge(joined, END)
    return builder.build()


def _collect(names: Sequence[str]) -> Any:
    async def collect(state: State) -> dict[str, Any]:
        outputs = state.get("outputs", {})
        text = "\n\n".join(f"[{branch}]\n{outputs.get(branch, '')}" for branch in names)
        return {"messages": [Message.assistant(text)]}

    return collect


def _next_worker(state: State) -> str:
    """The worker the router picked, or the end: when it picks the worker whose answer is
    the latest message again (the same input twice), the run finishes with that answer
    instead of burning hops."""
    route = state.get("route")
    if not route:
        return END
    messages = state.get("messages", [])
    last = messages[-1] if messages else None
    answered = last is not None and last.role == "assistant" and not last.tool_calls
    if answered and state.get("outputs", {}).get(route) == last_answer(messages):
        return END
    return route


def supervisor(
    router: Agent, workers: Sequence[Unit], *, name: str = "supervisor", **options: Any
) -> Graph:
    """A router agent picks the next worker by structured output until it answers
    ``FINISH``; each worker reports back to it. The router runs with planner ``router``
    unless its own planner is a routing one."""
    from .planners import get_planner
    from .planners.base import Route
    from .units import compile_agent

    if not workers:
        raise UsageError("supervisor() needs at least one worker")
    if not get_planner(router.planner).needs_routes:
        router = router.model_copy(update={"planner": "router"})
    builder = GraphBuilder(name, **options)
    routes = [Route(unit.name, _describe(unit)) for unit in workers]
    worker_names = [builder.add(unit) for unit in workers]
    builder.add_node(
        router.name,
        lambda: unit_node(
            router.name, compile_agent(router, None, routes=routes), writes_route=True
        ),
        member=router,
    )
    builder.edge(START, router.name)
    builder.branch(router.name, _next_worker, worker_names)
    for worker in worker_names:
        builder.edge(worker, router.name)
    return builder.build()


def handoff(agents: Sequence[Agent], *, name: str = "handoff", **options: Any) -> Graph:
    """Agents that pass control to each other with ``transfer_to_<name>`` tools; the
    first agent starts, the run ends when an agent answers without transferring."""
    from .handoffs import HandoffToolset

    if len(agents) < 2:
        raise UsageError("handoff() needs at least two agents")
    builder = GraphBuilder(name, **options)
    names = [agent.name for agent in agents]
    for agent in agents:
        others = [other for other in agents if other.name != agent.name]
        toolset = HandoffToolset(others)
        builder.add_node(agent.name, partial(_handoff_node, agent, toolset), member=agent)
    builder.edge(START, names[0])
    for agent_name in names:
        builder.branch(agent_name, lambda state: state.get("route") or END, names)
    return builder.build()


def _add_edge(graph: Any, *, source: str, target: str) -> None:
    graph.add_edge(source, target)


def _handoff_node(agent: Agent, toolset: Any) -> Any:
    from .units import compile_agent

    compiled = compile_agent(agent, None, extra_toolsets=[toolset])
    return unit_node(agent.name, compiled, writes_route=True)


def _describe(unit: Unit) -> str:
    return unit.description or f"the {unit.name} team"
