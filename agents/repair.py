"""Threads that survive a crash: tool calls left without a result are answered.

A run killed while its tools ran leaves the thread ending in an assistant message whose
tool calls have no results; most servers reject such a history, and the calls may or may
not have had their effect. Two ways on:

* resuming the run (``resume(target, thread_id)``, ``interlace run --thread ID --resume``):
  calls to tools marked idempotent run again; any other call is answered with an
  "interrupted" error result instead of being repeated;
* a new message on the thread: the same answers are added to the thread first, so the
  conversation stays well formed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from interlace.protocols import Message, ToolCall, ToolResult

from .agent import Agent
from .context import AgentContext

INTERRUPTED_KEY = "interlace_interrupted_calls"


def unanswered_calls(messages: Sequence[Message]) -> list[ToolCall]:
    """The tool calls of the conversation's last turn that have no result."""
    answered: set[str | None] = set()
    for message in reversed(messages):
        if message.role == "tool":
            answered.add(message.tool_call_id)
        elif message.role == "assistant" and message.tool_calls:
            return [call for call in message.tool_calls if call.id not in answered]
        elif message.role == "user":
            return []
    return []


def interrupted_result(call: ToolCall) -> ToolResult:
    """The answer to a call whose run was killed before it finished."""
    return ToolResult(
        tool_call_id=call.id,
        name=call.name,
        content=(
            f"interrupted: the run stopped (crash or kill) while {call.name} was running; "
            "it may or may not have taken effect, and it was not run again because the tool "
            "is not marked idempotent. Check before calling it again."
        ),
        is_error=True,
    )


def is_interrupted(call: ToolCall, config: Any) -> bool:
    """Whether ``call`` was cut off by a crash of the run being resumed."""
    return call.id in config.get("configurable", {}).get(INTERRUPTED_KEY, ())


async def interrupted_ids(graph: Any, config: dict[str, Any]) -> frozenset[str]:
    """Ids of the unanswered tool calls of a thread, its agents' subgraphs included."""
    snapshot = await graph.aget_state(config, subgraphs=True)
    found: set[str] = set()
    pending = [snapshot]
    while pending:
        current = pending.pop()
        values = current.values if isinstance(current.values, dict) else {}
        found.update(call.id for call in unanswered_calls(values.get("messages", [])))
        pending += [task.state for task in current.tasks if task.state is not None]
    return frozenset(found)


async def repaired_history(graph: Any, config: dict[str, Any], agent: Agent) -> list[Message]:
    """Results to add before a new message on a thread left with unanswered tool calls:
    idempotent tools run again, others get the "interrupted" result."""
    snapshot = await graph.aget_state(config)
    calls = unanswered_calls(dict(snapshot.values or {}).get("messages", []))
    if not calls:
        return []
    ctx = AgentContext(agent)
    results = []
    for call in calls:
        toolset = await ctx.owner(call.name)
        if toolset is not None and toolset.is_idempotent(call.name):
            results.append(await ctx.call_tool(call))
        else:
            results.append(interrupted_result(call))
    return [result.to_message() for result in results]
