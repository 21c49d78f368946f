"""Build the live parts a resolved config describes: backends, toolsets, agents, graphs.

Everything here reads :class:`~.resolved.ResolvedConfig`; nothing re-derives a check.
What can still fail is what only building reveals (a model file that is missing, a
backend without a tool path), reported as located issues.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from interlace.protocols.errors import UsageError

from .errors import ConfigIssue, ConfigValidationError
from .graphs import TOP
from .resolved import ResolvedConfig
from .schema import GraphSpec, ParallelGraph, SequenceGraph, SupervisorGraph
from .source import Path, Source

if TYPE_CHECKING:
    from interlace.agents.agent import Agent
    from interlace.runtimes.base import Backend
    from interlace.tools.base import Toolset


def _source(resolved: ResolvedConfig) -> Source:
    return resolved.config.source or Source("<config>")


def _issue(resolved: ResolvedConfig, path: Path, message: str) -> ConfigIssue:
    return ConfigIssue(_source(resolved).locate(path), path, message)


def build_backends(resolved: ResolvedConfig) -> dict[str, Backend]:
    """One backend per agent; agents naming the same model share one instance (so a
    pool's load and health are counted once)."""
    import json

    from interlace.agents.models import backend_for

    backends: dict[str, Backend] = {}
    shared: dict[str, Backend] = {}
    issues: list[ConfigIssue] = []
    for name, agent in resolved.agents.items():
        use = agent.model
        key = json.dumps(use.raw, sort_keys=True, default=str)
        try:
            backends[name] = shared.get(key) or shared.setdefault(key, backend_for(use.raw))
        except UsageError as error:
            secret = _source(resolved).is_secret(use.path)
            issues.append(_issue(resolved, use.path, "invalid model" if secret else str(error)))
    if issues:
        raise ConfigValidationError(issues)
    return backends


def tool_path_issues(
    resolved: ResolvedConfig, backends: dict[str, Backend]
) -> Iterator[ConfigIssue]:
    """A tool-using agent on a backend that cannot produce tool calls."""
    from interlace.runtimes.capability_check import require_tool_path

    for name, agent in resolved.agents.items():
        backend = backends.get(name)
        if backend is None or not (agent.toolsets or agent.tools):
            continue
        try:
            require_tool_path(backend, name)
        except UsageError as error:
            yield _issue(resolved, agent.model.path, str(error))


def build_toolsets(resolved: ResolvedConfig) -> dict[str, Toolset]:
    """The named toolsets of the ``toolsets`` section; those of ``upstream`` kinds (MCP
    servers, remote agents) fail alone (:class:`~interlace.tools.upstream.UpstreamToolset`)."""
    from interlace.tools.registry import TOOLSET_KINDS
    from interlace.tools.upstream import UpstreamToolset

    built: dict[str, Toolset] = {}
    issues: list[ConfigIssue] = []
    for name, toolset in resolved.toolsets.items():
        try:
            built[name] = TOOLSET_KINDS.get(toolset.kind)(toolset.options)
            if TOOLSET_KINDS.metadata(toolset.kind, "upstream", False):
                built[name] = UpstreamToolset(name, built[name], where=_where(toolset.options))
        except UsageError as error:
            issues.append(_issue(resolved, ("toolsets", name), str(error)))
    if issues:
        raise ConfigValidationError(issues)
    return built


def _where(options: Any) -> str:
    """Where an upstream toolset is, from its options (a URL, else its label or command)."""
    for key in ("url", "label", "command"):
        value = getattr(options, key, None)
        if isinstance(value, str) and value:
            return value
    return ""


def build_agents(
    resolved: ResolvedConfig, backends: dict[str, Backend], toolsets: dict[str, Toolset]
) -> dict[str, Agent]:
    """Agents as the agents API knows them (an agent's ``tools`` list is one more toolset)."""
    from interlace.agents.agent import Agent
    from interlace.tools.kinds import tools_toolset

    agents: dict[str, Agent] = {}
    for name, agent in resolved.agents.items():
        own = [tools_toolset(list(agent.tools))] if agent.tools else []
        agents[name] = Agent(
            name=name,
            description=agent.description,
            instructions=agent.instructions,
            model=backends[name],
            toolsets=[*(_selecting(resolved, item, toolsets) for item in agent.toolsets), *own],
            planner=agent.planner,
            limits=agent.limits,
            sampling=agent.sampling,
            history=agent.history,
            tool_selection=agent.tool_selection,
            decision_format=agent.decision_format,
        )
    return agents


def _selecting(resolved: ResolvedConfig, name: str, toolsets: dict[str, Toolset]) -> Toolset:
    """The named toolset, seen through its own tool selection when it has one."""
    selection = resolved.toolsets[name].selection
    return toolsets[name] if selection is None else toolsets[name].selecting(selection)


def build_graphs(resolved: ResolvedConfig, agents: dict[str, Agent]) -> dict[str, Any]:
    """Graphs by name (the top-level one as ``graph``), subgraphs first."""
    specs = resolved.graphs
    built: dict[str, Any] = {}

    def node(name: str) -> Any:
        if name in agents:
            return agents[name]
        if name not in built:
            built[name] = _compile(specs[name][1], node, name)
        return built[name]

    for name in specs:
        node(name)
    return built


def _compile(spec: GraphSpec, node: Any, name: str) -> Any:
    from interlace.agents import graph as graphs

    options: dict[str, Any] = {
        "name": "main" if name == TOP else name,
        "description": spec.description,
        "max_hops": spec.max_hops,
        "timeout_s": spec.timeout_s,
    }
    if isinstance(spec, SequenceGraph):
        return graphs.sequence([node(item) for item in spec.agents], **options)
    if isinstance(spec, SupervisorGraph):
        workers = [node(item) for item in spec.workers]
        return graphs.supervisor(node(spec.supervisor), workers, **options)
    if isinstance(spec, ParallelGraph):
        join = node(spec.join) if spec.join else None
        return graphs.parallel([node(item) for item in spec.agents], join=join, **options)
    start = spec.start or spec.agents[0]
    order = [start, *(item for item in spec.agents if item != start)]
    return graphs.handoff([node(item) for item in order], **options)
