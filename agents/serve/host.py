"""The one interface the servers need from whatever hosts the agents.

:class:`~interlace.agents.serve.local.LocalHost` (agents and graphs by name) implements
it, and ``System.host()`` gives one for a system built from a config. The MCP, A2A and
OpenAI-compatible servers only ever talk to an :class:`AgentHost`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from interlace.protocols import Message, SamplingSettings

if TYPE_CHECKING:
    from interlace.agents.events import RunEvent, RunResult
    from interlace.tools.base import Toolset


@runtime_checkable
class AgentHost(Protocol):
    """Agents and toolsets that servers expose.

    ``agent_cards`` lists ``(name, description)`` pairs of the agents on offer.
    ``run`` and ``stream`` run one agent by name on a conversation; ``thread_id`` names a
    conversation kept by the host's checkpointer (``None``: a fresh one). ``resume``
    continues a run that stopped with ``stop_reason == "interrupted"`` (a tool waiting
    for human approval) with a decision as the agents runner accepts it (for example
    ``Decision.approve()``); ``resume_stream`` does the same, yielding events.
    ``sampling`` overrides the agents' sampling settings for one run (a request's
    ``max_tokens``, ``temperature``, ...). ``toolsets`` maps names to the toolsets to
    expose directly (MCP). ``checkpointer`` is where threads are kept and ``stores`` the
    retrieval stores: the web page lists and reopens threads, opens citations and ingests
    uploads there.
    """

    @property
    def toolsets(self) -> Mapping[str, Toolset]:
        """The toolsets to expose, by name."""
        ...

    @property
    def checkpointer(self) -> Any:
        """Where threads are kept, as the runner takes it: an SQLite path, a LangGraph
        saver, or ``None`` for the process-wide in-memory one."""
        ...

    @property
    def stores(self) -> Mapping[str, Any]:
        """Retrieval stores by name (a mapping may open them on first use)."""
        ...

    def agent_cards(self) -> list[tuple[str, str]]:
        """``(name, description)`` of every agent on offer."""
        ...

    async def run(
        self,
        agent_name: str,
        messages: Sequence[Message],
        thread_id: str | None = None,
        *,
        sampling: SamplingSettings | None = None,
    ) -> RunResult:
        """Run agent ``agent_name`` on ``messages`` to completion."""
        ...

    def stream(
        self,
        agent_name: str,
        messages: Sequence[Message],
        thread_id: str | None = None,
        *,
        sampling: SamplingSettings | None = None,
    ) -> AsyncIterator[RunEvent]:
        """Run agent ``agent_name``, yielding its events (the last one is ``done``)."""
        ...

    async def resume(self, agent_name: str, thread_id: str, decision: Any) -> RunResult:
        """Continue an interrupted run of ``agent_name`` on ``thread_id`` with ``decision``."""
        ...

    def resume_stream(
        self, agent_name: str, thread_id: str, decision: Any
    ) -> AsyncIterator[RunEvent]:
        """Like :meth:`resume`, yielding the run's events (the last one is ``done``)."""
        ...


@runtime_checkable
class UnitsHost(Protocol):
    """A host that also shows its agents and graphs by name (``LocalHost``, ``System``).

    The MCP server reads them to serve each agent's own tools (an agent's ``tools:``
    list) and its instructions as a prompt.
    """

    @property
    def units(self) -> Mapping[str, Any]:
        """Agents and graphs by the name they are served under."""
        ...
