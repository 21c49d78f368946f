"""An :class:`AgentHost` over agents and graphs: what the servers run.

Built from units in Python (``LocalHost([agent, graph])``) or from a config
(``System.host()``), it is the one adapter between the servers' host interface and the
agents runner.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from interlace.protocols import Message, SamplingSettings
from interlace.protocols.errors import UsageError

if TYPE_CHECKING:
    from interlace.agents.events import RunEvent, RunResult
    from interlace.agents.units import Unit
    from interlace.tools.base import Toolset


class LocalHost:
    """Serve these agents and graphs (and, over MCP, these toolsets) by name.

    ``units`` is a list (each served under its own name) or a mapping from the name to
    serve it under. ``checkpointer`` is passed to the runner (``None``: the process-wide
    in-memory one when a thread id is used, so interrupted runs can be resumed).
    ``stores`` are the retrieval stores the web page opens citations in and ingests
    uploads into.
    """

    def __init__(
        self,
        units: Sequence[Unit] | Mapping[str, Unit],
        toolsets: Mapping[str, Toolset] | None = None,
        *,
        checkpointer: Any = None,
        stores: Mapping[str, Any] | None = None,
    ) -> None:
        if isinstance(units, Mapping):
            self.units = dict(units)
        else:
            self.units = {unit.name: unit for unit in units}
            if len(self.units) != len(units):
                raise UsageError("two agents or graphs share a name; give each a unique name")
        self._toolsets = dict(toolsets or {})
        self.checkpointer = checkpointer
        self.stores: Mapping[str, Any] = stores if stores is not None else {}

    @property
    def toolsets(self) -> Mapping[str, Toolset]:
        """The toolsets to expose directly, by name."""
        return self._toolsets

    def agent_cards(self) -> list[tuple[str, str]]:
        """``(name, description)`` of every agent and graph."""
        return [(name, unit.description) for name, unit in self.units.items()]

    def _unit(self, name: str) -> Unit:
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
        from interlace.agents.runner import run

        unit = self._unit(agent_name)
        return await run(
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
        from interlace.agents.runner import stream

        unit = self._unit(agent_name)
        return stream(
            unit,
            list(messages),
            thread_id=thread_id,
            checkpointer=self.checkpointer,
            sampling=sampling,
        )

    async def resume(self, agent_name: str, thread_id: str, decision: Any) -> RunResult:
        """Continue an interrupted run with a decision (``interlace.agents.Decision``)."""
        from interlace.agents.runner import resume

        unit = self._unit(agent_name)
        return await resume(unit, thread_id, decision, checkpointer=self.checkpointer)

    def resume_stream(
        self, agent_name: str, thread_id: str, decision: Any
    ) -> AsyncIterator[RunEvent]:
        """Like :meth:`resume`, yielding events."""
        from interlace.agents.runner import resume_stream

        unit = self._unit(agent_name)
        return resume_stream(unit, thread_id, decision, checkpointer=self.checkpointer)
