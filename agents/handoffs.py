"""Handoff tools: ``transfer_to_<agent>`` calls that pass control to another agent."""

from __future__ import annotations

from collections.abc import Sequence

from interlace.protocols import ToolCall, ToolResult, ToolSpec
from interlace.tools.base import Toolset

from .agent import Agent

PREFIX = "transfer_to_"


class HandoffToolset(Toolset):
    """One ``transfer_to_<name>`` tool per agent control may pass to."""

    def __init__(self, targets: Sequence[Agent]) -> None:
        self._targets = {f"{PREFIX}{agent.name}": agent for agent in targets}

    async def list_tools(self) -> Sequence[ToolSpec]:
        return [
            ToolSpec(
                name=tool,
                description=f"Hand the conversation to {agent.name}. {agent.description}".strip(),
            )
            for tool, agent in self._targets.items()
        ]

    async def call(self, call: ToolCall) -> ToolResult:
        agent = self._targets.get(call.name)
        if agent is None:
            return ToolResult(
                tool_call_id=call.id, name=call.name, content="unknown agent", is_error=True
            )
        return ToolResult(
            tool_call_id=call.id,
            name=call.name,
            content=f"transferred to {agent.name}",
            structured={"handoff": agent.name},
        )
