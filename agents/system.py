"""A system built from one config: agents, toolsets, stores, graphs and an entry point.

``build_system(load_config("app.yaml"))`` gives a :class:`System`; ``await
system.run("task")`` runs the entry (the graph, the ``entry`` agent, or the only agent).
A ``System`` is also an :class:`~interlace.agents.serve.host.AgentHost`, so the MCP, A2A
and OpenAI-compatible servers can expose it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from interlace.protocols import Message, SamplingSettings
from interlace.protocols.errors import UsageError

from .config import Config
from .config.errors import ConfigValidationError

if TYPE_CHECKING:
    from interlace.agents.agent import Agent
    from interlace.agents.config import ResolvedStore
    from interlace.agents.events import RunEvent, RunResult
    from interlace.runtimes.base import Backend
    from interlace.tools.base import Toolset


class Stores(Mapping[str, Any]):
    """Retrieval stores by name, opened on first use (Chroma and the embedder are heavy)."""

    def __init__(self, stores: Mapping[str, ResolvedStore]) -> None:
        self.settings = dict(stores)
        self._open: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._open:
            from interlace.tools.registry import open_store

            store = self.settings[name]
            self._open[name] = open_store(store.type, store.settings)
        return self._open[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.settings)

    def __len__(self) -> int:
        return len(self.settings)

    def forget(self) -> None:
        """Drop the opened stores (Chroma persists every write; nothing else to close)."""
        self._open.clear()


class System:
    """Everything a config describes, built and ready to run."""

    def __init__(
        self,
        config: Config,
        *,
        agents: dict[str, Agent],
        toolsets: dict[str, Toolset],
        stores: Stores,
        graphs: dict[str, Any],
        backends: dict[str, Backend],
    ) -> None:
        self.config = config
        self.agents = agents
        self.toolsets = toolsets
        self.stores = stores
        self.graphs = graphs
        self.backends = backends

    # --- what to run ------------------------------------------------------------------

    @property
    def entry(self) -> Agent | Any | None:
        """What ``run`` uses without ``agent=``: ``entry``, else the graph, else the only agent."""
        name = self.entry_name
        return self.target(name) if name is not None else None

    @property
    def entry_name(self) -> str | None:
        """The name of :attr:`entry` (an agent, a graph, or ``graph`` for the top one)."""
        return self.config.resolved.entry

    def names(self) -> list[str]:
        """Everything runnable by name: agents, then graphs."""
        return [*self.agents, *self.graphs]

    def target(self, name: str | None) -> Agent | Any:
        """The agent or graph called ``name`` (``None``: the entry)."""
        if name is None:
            found = self.entry
            if found is None:
                raise UsageError(
                    f"the config has {len(self.agents)} agents and no graph or entry; "
                    f"name one of {', '.join(self.names())} (--agent NAME) or set entry:"
                )
            return found
        if name in self.agents:
            return self.agents[name]
        if name in self.graphs:
            return self.graphs[name]
        from .config.errors import suggest

        raise UsageError(f"no agent or graph named {name!r}; {suggest(name, self.names())}")

    def host(self) -> Any:
        """What the servers expose: this system's agents, graphs and toolsets."""
        return self

    def agent_cards(self) -> list[tuple[str, str]]:
        """``(name, description)`` of every agent and graph on offer."""
        cards = [(name, agent.description) for name, agent in self.agents.items()]
        return cards + [
            (name, graph.description or f"graph {name}") for name, graph in self.graphs.items()
        ]

    # --- running ----------------------------------------------------------------------

    @overload
    async def run(
        self, task: str, /, *, agent: str | None = None, thread_id: str | None = None
    ) -> RunResult: ...

    @overload
    async def run(
        self,
        agent_name: str,
        messages: Sequence[Message],
        thread_id: str | None = None,
        *,
        sampling: SamplingSettings | None = None,
    ) -> RunResult: ...

    async def run(
        self,
        agent_name: str,
        messages: Sequence[Message] | None = None,
        thread_id: str | None = None,
        *,
        agent: str | None = None,
        sampling: SamplingSettings | None = None,
    ) -> RunResult:
        """Run a task: ``run("task", agent=None, thread_id=None)``.

        The host form ``run(agent_name, messages, thread_id, sampling=None)`` (for the
        servers) runs the named agent on a conversation.
        """
        runner = _runner()
        target, given = self._target_and_input(agent_name, messages, agent)
        result: RunResult = await runner.run(
            target, given, thread_id=thread_id, checkpointer=self.checkpointer, sampling=sampling
        )
        return result

    @overload
    def stream(
        self, task: str, /, *, agent: str | None = None, thread_id: str | None = None
    ) -> AsyncIterator[RunEvent]: ...

    @overload
    def stream(
        self,
        agent_name: str,
        messages: Sequence[Message],
        thread_id: str | None = None,
        *,
        sampling: SamplingSettings | None = None,
    ) -> AsyncIterator[RunEvent]: ...

    def stream(
        self,
        agent_name: str,
        messages: Sequence[Message] | None = None,
        thread_id: str | None = None,
        *,
        agent: str | None = None,
        sampling: SamplingSettings | None = None,
    ) -> AsyncIterator[RunEvent]:
        """Like :meth:`run`, yielding events as they happen (the last one is ``done``)."""
        target, given = self._target_and_input(agent_name, messages, agent)
        events: AsyncIterator[RunEvent] = _runner().stream(
            target, given, thread_id=thread_id, checkpointer=self.checkpointer, sampling=sampling
        )
        return events

    async def resume(self, agent_name: str, thread_id: str, decision: Any) -> RunResult:
        """Continue an interrupted run on ``thread_id`` with a human decision."""
        result: RunResult = await _runner().resume(
            self.target(agent_name), thread_id, decision, checkpointer=self.checkpointer
        )
        return result

    def resume_stream(
        self, agent_name: str, thread_id: str, decision: Any = None
    ) -> AsyncIterator[RunEvent]:
        """Like :meth:`resume`, yielding events as they happen; ``decision=None`` continues
        a run that was killed (see :mod:`interlace.agents.repair`)."""
        events: AsyncIterator[RunEvent] = _runner().resume_stream(
            self.target(agent_name), thread_id, decision, checkpointer=self.checkpointer
        )
        return events

    def _target_and_input(
        self, first: str, messages: Sequence[Message] | None, agent: str | None
    ) -> tuple[Any, str | list[Message]]:
        if messages is None:
            return self.target(agent), first
        return self.target(first), list(messages)

    @property
    def checkpointer(self) -> Path | None:
        """Where threads are kept: ``checkpoints.path`` (a SQLite file) when set; ``None``
        for the runner's process-wide in-memory checkpointer."""
        path = self.config.checkpoints.path
        return self.config.base_dir / path if path is not None else None

    async def aclose(self) -> None:
        """Close toolsets and stores (backends are shared per process and stay open)."""
        for toolset in self.toolsets.values():
            await toolset.aclose()
        for agent in self.agents.values():
            for toolset in agent.toolsets:
                if toolset not in self.toolsets.values():
                    await toolset.aclose()
        self.stores.forget()

    async def __aenter__(self) -> System:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _runner() -> Any:
    """The agents' runner module (``run``, ``stream``, ``resume``)."""
    import importlib

    return importlib.import_module("interlace.agents.run")


def build_system(config: Config) -> System:
    """Build every part of ``config``; a tool-using agent on a backend without a tool path,
    or a toolset that cannot be built, raises :class:`ConfigValidationError`."""
    from .config import build
    from .config.runtime import apply_runtime_settings

    resolved = config.resolved
    apply_runtime_settings(config)
    backends = build.build_backends(resolved)
    issues = list(build.tool_path_issues(resolved, backends))
    if issues:
        raise ConfigValidationError(issues)
    toolsets = build.build_toolsets(resolved)
    agents = build.build_agents(resolved, backends, toolsets)
    graphs = build.build_graphs(resolved, agents)
    stores = Stores(resolved.stores)
    return System(
        config, agents=agents, toolsets=toolsets, stores=stores, graphs=graphs, backends=backends
    )
