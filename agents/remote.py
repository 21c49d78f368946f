"""Remote agents as graph nodes: a tool that takes a ``task`` (a remote A2A agent's skill,
an MCP server's agent tool) run as one node of a graph."""

from __future__ import annotations

import uuid
from typing import Any

from interlace.protocols import Message, ToolCall
from interlace.tools.base import Toolset

from .context import emit
from .events import NodeEnterEvent, NodeExitEvent
from .state import State, Stop


def _task(messages: list[Message]) -> str:
    """What to delegate: the latest user message, else the latest message with text."""
    for role in ("user", None):
        for message in reversed(messages):
            if (role is None or message.role == role) and message.text:
                return message.text
    return ""


def remote_node(toolset: Toolset, tool: str, *, name: str | None = None) -> Any:
    """A node factory for :meth:`GraphBuilder.add_node`: sends the conversation's task to
    ``tool`` (``{"task": ...}``) and adds the answer as an assistant message; a failed
    call stops the run with reason ``error`` and the remote error as detail.

    For a remote A2A agent: ``remote_node(A2AToolset(A2AOptions(url=...)), "skill_id")``.
    """
    node_name = name or tool

    def factory() -> Any:
        async def node(state: State) -> dict[str, Any]:
            emit(NodeEnterEvent(agent=node_name, node=node_name))
            task = {"task": _task(state.get("messages", []))}
            call = ToolCall(id=f"call_{uuid.uuid4().hex[:12]}", name=tool, arguments=task)
            result = await toolset.call(call)
            emit(NodeExitEvent(agent=node_name, node=node_name))
            answer = Message.assistant(result.text).model_copy(update={"name": node_name})
            update: dict[str, Any] = {
                "messages": [answer],
                "outputs": {node_name: result.text},
                "hops": 1,
            }
            if result.is_error:
                update["stop"] = Stop(reason="error", detail=result.text, agent=node_name)
            return update

        return node

    return factory
