"""Compile agents and graphs ("units") to LangGraph, and wrap a unit as a node of a graph."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

from interlace.protocols.errors import UsageError
from interlace.tools.base import Toolset

from . import tracing
from .agent import Agent
from .context import AgentContext, emit
from .events import NodeEnterEvent, NodeExitEvent
from .planners import get_planner
from .planners.base import PlannerKit, Route
from .state import State, last_answer

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

    from .graph import Graph

Unit = Union[Agent, "Graph"]

_CACHE_SIZE = 64
_compiled: OrderedDict[tuple[int, ...], tuple[Any, ...]] = OrderedDict()


def unit_name(unit: Unit) -> str:
    """The name of an agent or graph."""
    return unit.name


def compile_agent(
    agent: Agent,
    checkpointer: Any = None,
    *,
    routes: Sequence[Route] = (),
    extra_toolsets: Sequence[Toolset] = (),
) -> Any:
    """The agent's planner graph, compiled (``checkpointer=None`` inherits a parent's)."""
    planner = get_planner(agent.planner)
    if planner.needs_routes and not routes:
        raise UsageError(
            f"agent {agent.name!r} uses planner {agent.planner!r}, which picks among workers; "
            "use it as the router of supervisor(router, workers)"
        )
    kit = PlannerKit(AgentContext(agent, tuple(extra_toolsets)), routes)
    return planner.build(kit).compile(checkpointer=checkpointer, name=agent.name)


def compile_unit(unit: Unit, checkpointer: Any = None) -> Any:
    """A compiled LangGraph for an agent or graph, cached per (unit, checkpointer)."""
    key = (id(unit), id(checkpointer))
    hit = _compiled.get(key)
    if hit is not None:
        _compiled.move_to_end(key)
        return hit[-1]
    compiled = (
        compile_agent(unit, checkpointer) if isinstance(unit, Agent) else unit.compile(checkpointer)
    )
    _compiled[key] = (unit, checkpointer, compiled)  # keeps ids alive while cached
    if len(_compiled) > _CACHE_SIZE:
        _compiled.popitem(last=False)
    return compiled


def unit_node(name: str, compiled: Any, *, writes_route: bool = False) -> Any:
    """A node that runs a compiled unit on the conversation and returns what it added.

    The unit runs as a subgraph sharing the run's checkpointer, so a resumed run picks
    it up where it stopped.
    """

    async def node(state: State, config: RunnableConfig) -> dict[str, Any]:
        messages = state.get("messages", [])
        emit(NodeEnterEvent(agent=name, node=name))
        with tracing.agent_span(name):
            out = await compiled.ainvoke({"messages": messages}, config)
        emit(NodeExitEvent(agent=name, node=name))
        added = out.get("messages", [])[len(messages) :]
        update: dict[str, Any] = {
            "messages": added,
            "usage": out.get("usage", {}),
            "outputs": {name: last_answer(added)},
            "hops": 1,
        }
        if out.get("stop") is not None:
            update["stop"] = out["stop"]
        if "cut_off" in out:
            update["cut_off"] = out["cut_off"]
        if writes_route:
            update["route"] = out.get("route")
        return update

    return node


async def unit_needs_approval(unit: Unit) -> bool:
    """Whether any agent of the unit has a tool that needs human approval."""
    if isinstance(unit, Agent):
        return await AgentContext(unit).needs_approval()
    for member in unit.members:
        if await unit_needs_approval(member):
            return True
    return False
