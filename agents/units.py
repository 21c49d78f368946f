"""Units: what runs. Agents and graphs both satisfy :class:`Unit`, so the runner, graphs
and servers treat them alike (no ``isinstance`` dispatch); plus the compile cache and the
node that runs a unit inside a graph."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from interlace.protocols.errors import UsageError
from interlace.tools.base import Toolset

from . import tracing
from .context import AgentContext, emit
from .events import NodeEnterEvent, NodeExitEvent
from .planners import get_planner
from .planners.base import PlannerKit, Route
from .state import State, last_answer
from .steps import request_transforms

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

    from .agent import Agent


@runtime_checkable
class Unit(Protocol):
    """An agent or a graph: something with a name that compiles to a LangGraph graph."""

    @property
    def name(self) -> str:
        """The unit's name (node name in a graph, model name on the servers)."""
        ...

    @property
    def description(self) -> str:
        """What it is good for (shown to supervisors and on the servers)."""
        ...

    @property
    def timeout_s(self) -> float | None:
        """Wall-clock limit of one run (``None``: none)."""
        ...

    @property
    def members(self) -> Sequence[Unit]:
        """The units it is made of (none for an agent)."""
        ...

    def compile(self, checkpointer: Any = None) -> Any:
        """The LangGraph graph, compiled (``checkpointer=None`` inherits a parent's)."""
        ...

    async def needs_approval(self) -> bool:
        """Whether any tool of any agent in it needs human approval."""
        ...

    def checkpoint_types(self) -> frozenset[type[Any]]:
        """The types its state holds, which a checkpointer must be able to restore."""
        ...

    def fresh_run(self) -> dict[str, Any]:
        """The graph input that starts a new turn on a thread: the run bookkeeping
        (steps, timeout, stop, route, hops, ...) afresh, the conversation kept."""
        ...


_CACHE_SIZE = 64
_compiled: OrderedDict[tuple[int, ...], tuple[Any, ...]] = OrderedDict()


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
    ctx = AgentContext(agent, tuple(extra_toolsets))
    ctx.transforms = request_transforms(ctx)
    kit = PlannerKit(ctx, routes, planner.state)
    return planner.build(kit).compile(checkpointer=checkpointer, name=agent.name)


def compile_unit(unit: Unit, checkpointer: Any = None) -> Any:
    """A compiled LangGraph for an agent or graph, cached per (unit, checkpointer)."""
    key = (id(unit), id(checkpointer))
    hit = _compiled.get(key)
    if hit is not None:
        _compiled.move_to_end(key)
        return hit[-1]
    compiled = unit.compile(checkpointer)
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
        update["cut_off"] = bool(out.get("cut_off"))  # written by the unit only when true
        if writes_route:
            update["route"] = out.get("route")
        return update

    return node


async def members_need_approval(unit: Unit) -> bool:
    """Whether any member of ``unit`` needs approval (a graph's ``needs_approval``)."""
    for member in unit.members:
        if await member.needs_approval():
            return True
    return False


def members_checkpoint_types(unit: Unit) -> frozenset[type[Any]]:
    """The checkpoint types of every member of ``unit`` (a graph's ``checkpoint_types``)."""
    found: frozenset[type[Any]] = frozenset()
    for member in unit.members:
        found |= member.checkpoint_types()
    return found
