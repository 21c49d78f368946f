"""An :class:`AgentHost` over agents and graphs built in Python (no config file)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from interlace.protocols import Message, SamplingSettings
from interlace.protocols.errors import UsageError

if TYPE_CHECKING:
    from interlace.agents.agent import Agent
    from interlace.agents.events import RunEvent, RunResult
    from interlace.agents.graph import Graph
    from interlace.tools.base import Toolset
    from interlace.tools.retrieval import VectorStore


class LocalHost:
    """Serve these agents and graphs (and, over MCP, these toolsets) by name.

    ``checkpointer`` is passed to the runner (``None``: the process-wide in-memory one
    when a thread id is used, so interrupted runs can be resumed). ``stores`` are the
    retrieval stores the web page opens citations in and ingests uploads into.
    """

    def __init__(
        self,
        units: Sequence[Agent | Graph],
        toolsets: Mapping[str, Toolset] | None = None,
        *,
        checkpointer: Any = None,
        stores: Mapping[str, VectorStore] | None = None,
    ) -> None:
        self.units = {unit.name: unit for unit in units}
        if len(self.units) != len(units):
            raise UsageError("two agents or graphs share a name; give each a unique name")
        self._toolsets = dict(toolsets or {})
        self.checkpointer = checkpointer
        self.stores = dict(stores or {})

    @property
    def toolsets(self) -> Mapping[str, Toolset]:
        """The toolsets to expose directly, by name."""
        return self._toolsets

    def agent_cards(self) -> list[tuple[str, str]]:
        """``(name, description)`` of every agent and graph."""
        return [(name, getattr(unit, "description", "") or "") for name, unit in self.units.items()]

    def _unit(self, name: str) -> Agent | Graph:
        if name not in self.units:
            raise UsageError(f"no agent named {name!r}; known: {', '.join(self.units)}")
        return self.units[name]

    async def run(
        self,
        agent_name: str,
        messages: Sequence[Message],
        thread_id: str | None = None,
        *,
        sampling: SamplingSettings | None = None,
    ) -> RunResult:
        """Run one agent or graph to completion."""
        from interlace.agents import run as runner

        unit = self._unit(agent_name)
        return await runner.run(
            unit,
            list(messages),
            thread_id=thread_id,
            checkpointer=self.checkpointer,
            sampling=sampling,
        )

    def stream(
        self,
        agent_name: str,
        messages: Sequence[Message],
        thread_id: str | None = None,
        *,
        sampling: SamplingSettings | None = None,
    ) -> AsyncIterator[RunEvent]:
        """Run one agent or graph, yielding its events."""
        from interlace.agents import run as runner

        unit = self._unit(agent_name)
        return runner.stream(
            unit,
            list(messages),
            thread_id=thread_id,
            checkpointer=self.checkpointer,
            sampling=sampling,
        )

    async def resume(self, agent_name: str, thread_id: str, decision: Any) -> RunResult:
        """Continue an interrupted run with a decision (``interlace.agents.Decision``)."""
        from interlace.agents import run as runner

        unit = self._unit(agent_name)
        return await runner.resume(unit, thread_id, decision, checkpointer=self.checkpointer)

    def resume_stream(
        self, agent_name: str, thread_id: str, decision: Any
    ) -> AsyncIterator[RunEvent]:
        """Like :meth:`resume`, yielding events."""
        from interlace.agents import run as runner

        unit = self._unit(agent_name)
        return runner.resume_stream(unit, thread_id, decision, checkpointer=self.checkpointer)
