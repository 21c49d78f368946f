"""Build the live parts a config describes: backends, toolsets, agents and graphs.

The coupling to the agents, tools and retrieval APIs lives here (and in
:mod:`.registries`), so the rest of the config package is plain data and checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from interlace.protocols import SamplingSettings
from interlace.protocols.errors import ConfigError, UsageError

from .checks import (
    agent_model,
    model_path,
    resolve_toolset_options,
    store_settings,
    store_type,
)
from .errors import ConfigIssue, ConfigValidationError
from .graphs import TOP, all_graphs
from .schema import (
    AgentSpec,
    Config,
    GraphSpec,
    ParallelGraph,
    SequenceGraph,
    SupervisorGraph,
)
from .source import Path, Source

if TYPE_CHECKING:
    from interlace.agents.agent import Agent
    from interlace.runtimes.base import Backend
    from interlace.tools.base import Toolset


def _source(config: Config) -> Source:
    return config.source or Source("<config>")


def build_backends(config: Config) -> dict[str, Backend]:
    """One backend per agent (instances shared per reference string)."""
    from interlace.agents.models import backend_for

    backends: dict[str, Backend] = {}
    issues: list[ConfigIssue] = []
    for name, spec in config.agents.items():
        reference = agent_model(config, spec)
        path = model_path(config, name)
        try:
            if reference is None:
                raise ConfigError("no model")
            backends[name] = backend_for(reference)
        except UsageError as error:
            where = _source(config).locate(path)
            message = "invalid model" if _source(config).is_secret(path) else str(error)
            issues.append(ConfigIssue(where, path, message))
    if issues:
        raise ConfigValidationError(issues)
    return backends


def tool_path_issues(config: Config, backends: dict[str, Backend]) -> Iterator[ConfigIssue]:
    """A tool-using agent on a backend that cannot produce tool calls."""
    from interlace.runtimes.capability_check import require_tool_path

    for name, spec in config.agents.items():
        backend = backends.get(name)
        if backend is None or not (spec.toolsets or spec.tools):
            continue
        try:
            require_tool_path(backend, name)
        except UsageError as error:
            path = model_path(config, name)
            yield ConfigIssue(_source(config).locate(path), path, str(error))


def build_toolsets(config: Config) -> dict[str, Toolset]:
    """The named toolsets of the ``toolsets`` section."""
    from interlace.tools.registry import build_toolset

    built: dict[str, Toolset] = {}
    issues: list[ConfigIssue] = []
    for name, spec in config.toolsets.items():
        options = resolve_toolset_options(config, spec.kind, spec.options)
        try:
            built[name] = build_toolset(spec.kind, options)
        except UsageError as error:
            path: Path = ("toolsets", name)
            issues.append(ConfigIssue(_source(config).locate(path), path, str(error)))
    if issues:
        raise ConfigValidationError(issues)
    return built


def agent_toolsets(
    config: Config, name: str, spec: AgentSpec, toolsets: dict[str, Toolset]
) -> list[Toolset]:
    """An agent's toolsets: the named ones plus one for its own ``tools`` list."""
    from interlace.tools.kinds import tools_toolset

    chosen = [toolsets[item] for item in spec.toolsets]
    try:
        if spec.tools:
            chosen.append(tools_toolset(spec.tools))
    except UsageError as error:
        path: Path = ("agents", name, "tools")
        raise ConfigValidationError(
            [ConfigIssue(_source(config).locate(path), path, str(error))]
        ) from None
    return chosen


def build_store_settings(config: Config) -> dict[str, tuple[str, Any]]:
    """Each store's type and validated settings, by name (relative paths resolved)."""
    from interlace.tools.registry import STORES

    found: dict[str, tuple[str, Any]] = {}
    for name in config.retrieval:
        kind = store_type(config, name)
        found[name] = kind, STORES.validate(kind, store_settings(config, name))
    return found


def build_agents(
    config: Config, backends: dict[str, Backend], toolsets: dict[str, Toolset]
) -> dict[str, Agent]:
    """Agents as the agents API knows them."""
    from interlace.agents.agent import Agent, Limits

    agents: dict[str, Agent] = {}
    routers = supervisors(config)
    for name, spec in config.agents.items():
        planner = spec.planner or ("router" if name in routers else None)
        extra: dict[str, Any] = {"planner": planner} if planner else {}
        agents[name] = Agent(
            name=name,
            description=spec.description,
            instructions=spec.instructions,
            model=backends[name],
            toolsets=agent_toolsets(config, name, spec, toolsets),
            limits=Limits.model_validate(spec.limits),
            sampling=SamplingSettings.model_validate(spec.sampling),
            **extra,
        )
    return agents


def build_graphs(config: Config, agents: dict[str, Agent]) -> dict[str, Any]:
    """Compiled graphs by name (the top-level one as ``graph``), subgraphs first."""
    specs = all_graphs(config)
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


def supervisors(config: Config) -> set[str]:
    """Agents that supervise a graph (their planner defaults to ``router``)."""
    return {
        spec.supervisor
        for _, spec in all_graphs(config).values()
        if isinstance(spec, SupervisorGraph)
    }
