"""Per-agent run context: its backend, its tools (listed once), its request transforms
and event emission."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from interlace.protocols import (
    Message,
    ModelRequest,
    SamplingSettings,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from interlace.runtimes.base import Backend
from interlace.tools.base import Toolset
from interlace.tools.context import RunContext
from interlace.tools.sampling import answering_with

from .events import RunEvent
from .models import get_backend

if TYPE_CHECKING:
    from .agent import Agent
    from .decisions import DecisionFormat

STREAMING_KEY = "interlace_streaming"
SAMPLING_KEY = "interlace_sampling"


def emit(event: RunEvent) -> None:
    """Send an event to the run's stream (a no-op when nobody streams, and outside a run,
    e.g. a tool or request transform called directly)."""
    from langgraph.config import get_stream_writer

    try:
        writer = get_stream_writer()
    except RuntimeError:  # LangGraph: "Called get_config outside of a runnable context"
        return
    writer(event)


def is_streaming(config: Any) -> bool:
    """Whether the run streams (so model text is requested as deltas)."""
    return bool(config.get("configurable", {}).get(STREAMING_KEY))


def sampling_for(agent: Agent, config: Any) -> SamplingSettings:
    """The agent's sampling settings with the run's overrides (fields set there win)."""
    override: SamplingSettings | None = config.get("configurable", {}).get(SAMPLING_KEY)
    if override is None:
        return agent.sampling
    return agent.sampling.model_copy(update=override.model_dump(exclude_defaults=True))


RequestTransform = Callable[[ModelRequest, RunContext], Awaitable[ModelRequest]]
"""Rewrites a model request before it is sent (a tool selection, a redaction, ...)."""


@dataclass
class AgentContext:
    """An agent plus what it needs at run time; tools are listed on first use.

    ``transforms`` run on every model request of the agent, in order
    (:func:`interlace.agents.steps.prepare_request`).
    """

    agent: Agent
    extra_toolsets: Sequence[Toolset] = ()
    transforms: Sequence[RequestTransform] = ()
    _specs: tuple[ToolSpec, ...] | None = field(default=None, init=False)
    _decisions: DecisionFormat | None = field(default=None, init=False)
    _owners: dict[str, Toolset] = field(default_factory=dict, init=False)

    @property
    def name(self) -> str:
        """The agent's name."""
        return self.agent.name

    @property
    def backend(self) -> Backend:
        """The agent's (shared) backend."""
        return get_backend(self.agent.model)

    @property
    def decisions(self) -> DecisionFormat:
        """The agent's decision format (``auto``: the planner's ``decision_format`` if it
        names one, else from the backend's capabilities), chosen once per run."""
        if self._decisions is None:
            from .decisions import AUTO, decision_format
            from .planners import PLANNERS

            name = self.agent.decision_format
            if name == AUTO:  # a planner that shapes its own prompts may say which it needs
                name = getattr(PLANNERS.get(self.agent.planner), "decision_format", AUTO)
            self._decisions = decision_format(name, self.backend.capabilities)
        return self._decisions

    def system_messages(self, extra: str = "") -> list[Message]:
        """The agent's instructions (plus ``extra``) as a system message, if any."""
        text = "\n\n".join(part for part in (self.agent.instructions, extra) if part)
        return [Message.system(text)] if text else []

    async def tool_specs(self) -> tuple[ToolSpec, ...]:
        """Every tool of the agent's toolsets, listed once."""
        if self._specs is None:
            specs: list[ToolSpec] = []
            for toolset in (*self.agent.toolsets, *self.extra_toolsets):
                for spec in await toolset.list_tools():
                    self._owners.setdefault(spec.name, toolset)
                    specs.append(spec)
            self._specs = tuple(specs)
        return self._specs

    async def owner(self, name: str) -> Toolset | None:
        """The toolset that offers ``name``."""
        await self.tool_specs()
        return self._owners.get(name)

    async def needs_approval(self) -> bool:
        """Whether any of the agent's tools needs human approval."""
        for spec in await self.tool_specs():
            if self._owners[spec.name].requires_approval(spec.name):
                return True
        return False

    async def call_tool(self, call: ToolCall) -> ToolResult:
        """Run a call through its toolset (validated there); unknown tools are errors."""
        toolset = await self.owner(call.name)
        if toolset is None:
            known = ", ".join(sorted(self._owners)) or "none"
            return ToolResult(
                tool_call_id=call.id,
                name=call.name,
                content=f"unknown tool {call.name!r}; available tools: {known}",
                is_error=True,
            )
        with answering_with(self.backend.complete):  # an MCP server may sample our model
            return await toolset.call(call)
