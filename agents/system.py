"""A system built from one config: agents, toolsets, stores, graphs and an entry point.

``build_system(load_config("app.yaml"))`` gives a :class:`System`; ``await
system.run("task")`` runs the entry (the graph, the ``entry`` agent, or the only agent).
``system.host()`` adapts it for the MCP, A2A and OpenAI-compatible servers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from interlace.protocols import Message, SamplingSettings
from interlace.protocols.errors import UsageError

from .config import Config
from .config.errors import ConfigValidationError

if TYPE_CHECKING:
    from interlace.agents.agent import Agent
    from interlace.agents.batch import BatchItem, BatchResult, EventSink, RaySettings
    from interlace.agents.checkpointers import CheckpointStore
    from interlace.agents.config import ResolvedStore
    from interlace.agents.events import RunEvent, RunResult
    from interlace.agents.serve.local import LocalHost
    from interlace.agents.units import Unit
    from interlace.runtimes.base import Backend
    from interlace.tools.base import Toolset


@runtime_checkable
class _Closable(Protocol):
    async def aclose(self) -> None: ...


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

    async def aclose(self) -> None:
        """Close the opened stores (a Chroma server's client holds connections)."""
        opened, self._open = list(self._open.values()), {}
        for store in opened:
            if isinstance(store, _Closable):
                await store.aclose()


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
    def units(self) -> dict[str, Unit]:
        """Everything runnable, by name: agents, then graphs (the top one as ``graph``)."""
        return {**self.agents, **self.graphs}

    @property
    def entry(self) -> Unit | None:
        """What ``run`` uses without ``agent=``: ``entry``, else the graph, else the only agent."""
        name = self.entry_name
        return self.target(name) if name is not None else None

    @property
    def entry_name(self) -> str | None:
        """The name of :attr:`entry` (an agent, a graph, or ``graph`` for the top one)."""
        return self.config.resolved.entry

    def names(self) -> list[str]:
        """Everything runnable by name: agents, then graphs."""
        return list(self.units)

    def target(self, name: str | None) -> Unit:
        """The agent or graph called ``name`` (``None``: the entry)."""
        if name is None:
            found = self.entry
            if found is None:
                raise UsageError(
                    f"the config has {len(self.agents)} agents and no graph or entry; "
                    f"name one of {', '.join(self.names())} (--agent NAME) or set entry:"
                )
            return found
        units = self.units
        if name not in units:
            from .config.errors import suggest

            raise UsageError(f"no agent or graph named {name!r}; {suggest(name, units)}")
        return units[name]

    def host(self) -> LocalHost:
        """The adapter the servers need (:class:`~interlace.agents.serve.host.AgentHost`):
        this system's agents, graphs and toolsets, on its checkpoints."""
        from .serve.local import LocalHost

        return LocalHost(
            self.units, self.toolsets, checkpointer=self.checkpointer, stores=self.stores
        )

    def agent_cards(self) -> list[tuple[str, str]]:
        """``(name, description)`` of every agent and graph on offer."""
        return self.host().agent_cards()

    # --- running ----------------------------------------------------------------------

    async def run(
        self,
        task: str | list[Message],
        *,
        agent: str | None = None,
        thread_id: str | None = None,
        sampling: SamplingSettings | None = None,
    ) -> RunResult:
        """Run ``task`` (a string or a conversation) on ``agent`` (default: the entry);
        ``thread_id`` continues a conversation kept in the config's checkpoints and
        ``sampling`` overrides the agents' sampling for this run."""
        from .runner import run

        target = self.target(agent)
        return await run(
            target, task, thread_id=thread_id, checkpointer=self.checkpointer, sampling=sampling
        )

    def stream(
        self,
        task: str | list[Message],
        *,
        agent: str | None = None,
        thread_id: str | None = None,
        sampling: SamplingSettings | None = None,
    ) -> AsyncIterator[RunEvent]:
        """Like :meth:`run`, yielding events as they happen (the last one is ``done``)."""
        from .runner import stream

        target = self.target(agent)
        return stream(
            target, task, thread_id=thread_id, checkpointer=self.checkpointer, sampling=sampling
        )

    async def resume(
        self, thread_id: str, decision: Any = None, *, agent: str | None = None
    ) -> RunResult:
        """Continue an interrupted run on ``thread_id`` with a human decision (``None``
        continues a run that was killed; see :mod:`interlace.agents.repair`)."""
        from .runner import resume

        target = self.target(agent)
        return await resume(target, thread_id, decision, checkpointer=self.checkpointer)

    def resume_stream(
        self, thread_id: str, decision: Any = None, *, agent: str | None = None
    ) -> AsyncIterator[RunEvent]:
        """Like :meth:`resume`, yielding events as they happen."""
        from .runner import resume_stream

        target = self.target(agent)
        return resume_stream(target, thread_id, decision, checkpointer=self.checkpointer)

    def batch(
        self,
        inputs: Iterable[BatchItem | Mapping[str, Any]],
        *,
        concurrency: int = 8,
        timeout_s: float | None = None,
        retries: int = 2,
        backoff_s: float = 1.0,
        on_event: EventSink | None = None,
        ray: RaySettings | str | None = None,
    ) -> AsyncIterator[BatchResult]:
        """Run many items (``{"id", "task" | "messages", "agent"?, "thread_id"?,
        "metadata"?}``), ``concurrency`` at once; yield each result as it ends.

        Each attempt gets ``timeout_s``; errors and timeouts are retried ``retries`` times
        with backoff; a failed item is a result with its ``error``, and the batch goes
        on. ``on_event`` receives every run event. ``ray`` (``"auto"``, ``"local"``, an
        address, or :class:`~interlace.agents.batch.RaySettings`) runs the items on Ray
        workers that each build this system from its config file. Consume the iterator
        to the end, or close it (``contextlib.aclosing``) to stop early.
        """
        from .batch import BatchOptions, RaySettings, SystemSource, as_items, run_local, run_on_ray

        items = list(as_items(inputs))
        options = BatchOptions(concurrency, timeout_s, retries, backoff_s)
        if ray is None:
            return run_local(self, items, options, on_event)
        origin = self.config.origin
        if origin is None:
            raise UsageError(
                "a batch on Ray needs a system built from a config file (load_config(path)), "
                "so that each worker can load the same config"
            )
        settings = RaySettings(address=ray) if isinstance(ray, str) else ray
        return run_on_ray(SystemSource(*origin), items, options, settings, on_event)

    @property
    def checkpointer(self) -> CheckpointStore | None:
        """Where threads are kept (``checkpoints:``); ``None`` for the runner's
        process-wide in-memory checkpointer."""
        return self.config.resolved.checkpoints

    async def aclose(self) -> None:
        """Close toolsets, stores and the backends this system built (backends named by a
        reference string are shared per process and stay open)."""
        from .models import is_shared

        for backend in {id(b): b for b in self.backends.values() if not is_shared(b)}.values():
            await backend.aclose()
        for toolset in self.toolsets.values():
            await toolset.aclose()
        for agent in self.agents.values():
            for toolset in agent.toolsets:
                if toolset not in self.toolsets.values():
                    await toolset.aclose()
        await self.stores.aclose()

    async def __aenter__(self) -> System:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def build_system(config: Config, *, warm_up: bool = False, warm_tokenizer: bool = True) -> System:
    """Build every part of ``config``; a tool-using agent on a backend without a tool path,
    or a toolset that cannot be built, raises :class:`ConfigValidationError`.

    ``warm_up``: backends that can (``warm_up()``, such as llama.cpp's) start loading their
    model in the background while the rest is built (the CLI's run, chat and serve).
    ``warm_tokenizer=False`` leaves llama.cpp's constrained-decoding tokenizer to the first
    call, which builds it while its prompt is evaluated (``interlace run``: the build holds
    the GIL, so in the background it would only slow the rest of the start)."""
    from .config import build
    from .config.resolve import ensure_resolved
    from .config.runtime import apply_runtime_settings

    resolved = ensure_resolved(config)
    apply_runtime_settings(config)
    backends = build.build_backends(resolved)
    if warm_up:
        _warm_up(backends.values(), warm_tokenizer)
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


def _warm_up(backends: Iterable[Backend], tokenizer: bool) -> None:
    for backend in {id(backend): backend for backend in backends}.values():
        start = getattr(backend, "warm_up", None)
        if callable(start):
            start(tokenizer=tokenizer)
