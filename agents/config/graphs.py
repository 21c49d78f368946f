"""Graph checks: every node names an agent or a subgraph, and subgraphs form no cycle."""

from __future__ import annotations

from collections.abc import Iterator

from .errors import ConfigIssue, suggest
from .schema import (
    Config,
    GraphSpec,
    HandoffGraph,
    ParallelGraph,
    SupervisorGraph,
)
from .source import Path, Source

TOP = "graph"
"""The name the top-level ``graph`` goes by in cycle reports."""


def graph_nodes(spec: GraphSpec) -> list[tuple[str, str]]:
    """``(field, node name)`` pairs of a graph, in order."""
    if isinstance(spec, SupervisorGraph):
        return [("supervisor", spec.supervisor), *(("workers", w) for w in spec.workers)]
    if isinstance(spec, ParallelGraph):
        join = [("join", spec.join)] if spec.join else []
        return [*(("agents", a) for a in spec.agents), *join]
    if isinstance(spec, HandoffGraph):
        start = [("start", spec.start)] if spec.start else []
        return [*(("agents", a) for a in spec.agents), *start]
    return [("agents", a) for a in spec.agents]


def all_graphs(config: Config) -> dict[str, tuple[Path, GraphSpec]]:
    """Named subgraphs plus the top-level graph (as ``graph``), with their paths."""
    found: dict[str, tuple[Path, GraphSpec]] = {
        name: (("graphs", name), spec) for name, spec in config.graphs.items()
    }
    if config.graph is not None:
        found[TOP] = (("graph",), config.graph)
    return found


def entry_name(config: Config) -> str | None:
    """What runs by default: ``entry``, else the top-level graph, else the only agent."""
    if config.entry is not None:
        return config.entry
    if config.graph is not None:
        return TOP
    return next(iter(config.agents)) if len(config.agents) == 1 else None


def check_graphs(config: Config, source: Source) -> Iterator[ConfigIssue]:
    """Unknown nodes, misplaced names, duplicate nodes, subgraph cycles, a bad entry."""
    graphs = all_graphs(config)
    for name in set(config.graphs) & set(config.agents):
        path: Path = ("graphs", name)
        yield ConfigIssue(
            source.locate(path),
            path,
            f"{name!r} names both an agent and a graph",
            "rename one of them",
        )
    for base, spec in graphs.values():
        yield from _check_nodes(config, spec, base, source)
    yield from _check_cycles(config, graphs, source)
    if config.entry is not None:
        known = [*config.agents, *config.graphs, *([TOP] if config.graph else [])]
        if config.entry not in known:
            path = ("entry",)
            yield ConfigIssue(
                source.locate(path),
                path,
                f"unknown entry {config.entry!r}",
                suggest(config.entry, known),
            )


def _check_nodes(
    config: Config, spec: GraphSpec, base: Path, source: Source
) -> Iterator[ConfigIssue]:
    known = [*config.agents, *config.graphs]
    seen: set[str] = set()
    listed_before: set[tuple[str, str]] = set()
    counters: dict[str, int] = {}
    for field, node in graph_nodes(spec):
        index = counters.get(field, 0)
        counters[field] = index + 1
        listed = field in ("agents", "workers")
        path: Path = (*base, field, index) if listed else (*base, field)
        if node not in known:
            yield ConfigIssue(
                source.locate(path),
                path,
                f"unknown agent {node!r} in the graph",
                suggest(node, known),
            )
        elif listed and (field, node) in listed_before:
            yield ConfigIssue(
                source.locate(path),
                path,
                f"{node!r} appears twice in this graph",
                "list each agent once; use a subgraph to run it again",
            )
        elif field == "start" and node not in seen:
            yield ConfigIssue(
                source.locate(path),
                path,
                f"start agent {node!r} is not one of the agents",
                "add it to 'agents' or pick one of them",
            )
        if node in config.graphs and (field == "supervisor" or isinstance(spec, HandoffGraph)):
            yield ConfigIssue(
                source.locate(path),
                path,
                f"{node!r} is a graph, but this place needs an agent",
                "supervisors and handoff members are agents; wrap the graph in a sequence",
            )
        if field == "workers" and isinstance(spec, SupervisorGraph) and node == spec.supervisor:
            yield ConfigIssue(
                source.locate(path),
                path,
                f"the supervisor {node!r} is also listed as a worker",
                "a supervisor routes to other agents; remove it from workers",
            )
        seen.add(node)
        listed_before.add((field, node))


def _check_cycles(
    config: Config, graphs: dict[str, tuple[Path, GraphSpec]], source: Source
) -> Iterator[ConfigIssue]:
    edges = {
        name: [node for _, node in graph_nodes(spec) if node in config.graphs]
        for name, (_, spec) in graphs.items()
    }
    reported: set[frozenset[str]] = set()
    for start in edges:
        cycle = _find_cycle(start, edges)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            path = graphs[cycle[0]][0]
            yield ConfigIssue(
                source.locate(path),
                path,
                "subgraphs form a cycle: " + " -> ".join([*cycle, cycle[0]]),
                "a graph cannot contain itself; break the loop",
            )


def _find_cycle(start: str, edges: dict[str, list[str]]) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    while stack:
        node, trail = stack.pop()
        for child in edges.get(node, []):
            if child == start:
                return trail
            if child not in trail:
                stack.append((child, [*trail, child]))
    return None
