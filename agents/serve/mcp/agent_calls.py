"""An agent called as an MCP tool: its run's steps as progress and log notifications, and
its approvals asked through elicitation.

Every step of the run (a node starting or ending, a model answer, a tool call and its
result) is one ``notifications/progress`` (when the client sent a progress token) and one
``notifications/message`` (debug for node steps, info for model answers and tool calls,
warning for failed tools). When a tool call waits for human approval, the client's user
is asked with an elicitation form (the call's simple arguments are editable fields):
accept runs it (with the edited arguments, if any), decline or cancel rejects it, and the
run resumes. A client without elicitation gets an error result saying so.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types as types

from interlace.protocols import Message, ToolCall
from interlace.protocols.errors import RunTimeout
from interlace.protocols.peer import Elicitation, Elicited

from ..host import AgentHost
from ..running import raise_for_result
from .content import error_result
from .peer import McpPeer
from .rounds import Round

if TYPE_CHECKING:
    from interlace.agents.events import ApprovalRequest, Decision, RunEvent, RunResult

STOP_REASON_META = "interlace/stop_reason"
_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


@dataclass
class _Steps:
    """Turns run events into progress and log notifications."""

    peer: McpPeer
    count: int = 0
    text: str = ""
    speaker: str = ""

    async def on(self, event: RunEvent) -> None:
        from interlace.agents.events import (
            NodeEnterEvent,
            NodeExitEvent,
            TextDeltaEvent,
            ToolCallEvent,
            ToolResultEvent,
        )

        if isinstance(event, TextDeltaEvent):
            if not self.text:
                await self.step(f"{event.agent} is answering")
            self.text, self.speaker = self.text + event.text, event.agent
            return
        await self.flush()
        if isinstance(event, NodeEnterEvent):
            await self.step(f"{event.node} started", "debug")
        elif isinstance(event, NodeExitEvent):
            await self.step(f"{event.node} finished", "debug")
        elif isinstance(event, ToolCallEvent):
            data = {"tool": event.call.name, "arguments": event.call.arguments}
            await self.step(f"{event.agent} calls tool {event.call.name}", "info", data)
        elif isinstance(event, ToolResultEvent):
            result = event.result
            verb = "failed" if result.is_error else "answered"
            level = "warning" if result.is_error else "info"
            await self.step(f"tool {result.name} {verb}", level, {"result": result.text[:2000]})

    async def flush(self) -> None:
        """Log the model answer gathered so far (one line per model call)."""
        if self.text:
            text, self.text = self.text, ""
            await self.peer.log("info", f"{self.speaker} answered", data={"text": text[:2000]})

    async def step(self, message: str, level: str = "", data: Any = None) -> None:
        self.count += 1
        await self.peer.progress(self.count, None, message)
        if level:
            await self.peer.log(level, message, data=data)  # type: ignore[arg-type]


class AgentCalls:
    """Runs the host's agents for ``tools/call`` (see the module docstring)."""

    def __init__(self, host: AgentHost, timeout_s: float) -> None:
        self.host = host
        self.timeout_s = timeout_s

    async def call(
        self, agent: str, arguments: Mapping[str, Any], peer: McpPeer, round: Round
    ) -> types.CallToolResult:
        """Run (or, on a later round, resume) ``agent`` to its answer."""
        steps = _Steps(peer)
        try:
            with anyio.fail_after(self.timeout_s):
                result = await self._run(agent, arguments, peer, round, steps)
        except RunTimeout:
            raise  # the agent's own limit: its message says which
        except TimeoutError as error:
            raise RunTimeout(
                f"agent {agent!r} did not finish within {self.timeout_s:g} s"
            ) from error
        if isinstance(result, types.CallToolResult):
            return result
        raise_for_result(result)  # a failed or timed-out run: the bridge's error result
        # a stop short of a final answer (cut at max_tokens, ...) is named in _meta
        meta = None if result.stop_reason == "final" else {STOP_REASON_META: result.stop_reason}
        return types.CallToolResult(content=[types.TextContent(text=result.output)], meta=meta)

    async def _run(
        self, agent: str, arguments: Mapping[str, Any], peer: McpPeer, round: Round, steps: _Steps
    ) -> RunResult | types.CallToolResult:
        events = self._first_events(agent, arguments, peer, round)
        if isinstance(events, types.CallToolResult):
            return events
        while True:
            result = await _drive(events, steps)
            if not result.interrupted:
                return result
            if not peer.can_ask(Elicitation(message="")):
                return error_result(_cannot_approve(agent, result))
            assert round.thread is not None
            round.approvals = {_key(item.call): item.call.model_dump() for item in result.pending}
            decisions = await _ask(peer, agent, round.approvals)
            round.approvals = {}
            events = self.host.resume_stream(agent, round.thread, decisions)

    def _first_events(
        self, agent: str, arguments: Mapping[str, Any], peer: McpPeer, round: Round
    ) -> AsyncIterator[RunEvent] | types.CallToolResult:
        if round.thread is not None and round.agent == agent:
            return self._resumed(agent, peer, round)
        task = arguments.get("task")
        if not isinstance(task, str) or not task.strip():
            return error_result(f"agent {agent!r} needs a non-empty string argument 'task'")
        round.agent, round.thread = agent, uuid.uuid4().hex
        return self.host.stream(agent, [Message.user(task)], round.thread)

    async def _resumed(self, agent: str, peer: McpPeer, round: Round) -> AsyncIterator[RunEvent]:
        """A later round: approvals answered now, or a run cut off to ask the client."""
        assert round.thread is not None
        decisions = await _ask(peer, agent, round.approvals) if round.approvals else None
        round.approvals = {}
        async with aclosing(self.host.resume_stream(agent, round.thread, decisions)) as events:  # type: ignore[type-var]
            async for event in events:
                yield event


async def _drive(events: AsyncIterator[RunEvent], steps: _Steps) -> RunResult:
    from interlace.agents.events import DoneEvent

    final: RunResult | None = None
    async with aclosing(events):  # type: ignore[type-var]
        async for event in events:
            if isinstance(event, DoneEvent):
                final = event.result
            else:
                await steps.on(event)
    await steps.flush()
    if final is None:
        raise RuntimeError("the agent run ended without a result")
    return final


def _key(call: ToolCall) -> str:
    return f"approve_{call.id}"


async def _ask(
    peer: McpPeer, agent: str, approvals: Mapping[str, Mapping[str, Any]]
) -> dict[str, Decision]:
    """Ask the user about each waiting call; decisions by tool call id."""
    calls = {key: ToolCall.model_validate(call) for key, call in approvals.items()}
    questions = {
        key: approval_question(f"The agent {agent!r}", call) for key, call in calls.items()
    }
    answers = await peer.ask(questions)
    decisions = {}
    for key, call in calls.items():
        answer = answers[key]
        assert isinstance(answer, Elicited)
        decisions[call.id] = decision_for(call, answer)
    return decisions


def approval_question(who: str, call: ToolCall) -> Elicitation:
    """The elicitation asking to approve ``who``'s ``call``: its simple arguments are
    fields (with the model's values as defaults) that the user may change."""
    shown = json.dumps(call.arguments, ensure_ascii=False)
    fields = {
        name: {"type": _JSON_TYPES[type(value)], "title": name, "default": value}
        for name, value in call.arguments.items()
        if type(value) in _JSON_TYPES
    }
    message = (
        f"{who} wants to call the tool {call.name!r} with {shown}. "
        "Accept to run it (you may change the arguments), decline to refuse it."
    )
    schema = {"type": "object", "properties": fields}
    return Elicitation(message=message, requested_schema=schema)


def decision_for(call: ToolCall, answer: Elicited) -> Decision:
    """The run's decision for the user's answer to :func:`approval_question`."""
    from interlace.agents.events import Decision

    if answer.action != "accept":
        verb = "declined" if answer.action == "decline" else "cancelled"
        return Decision.reject(f"the user {verb} this call")
    edited = {**call.arguments, **{k: v for k, v in answer.content.items() if k in call.arguments}}
    return Decision.approve() if edited == call.arguments else Decision.edit(edited)


def _cannot_approve(agent: str, result: RunResult) -> str:
    calls = ", ".join(item.call.name for item in _pending(result))
    return (
        f"agent {agent!r} stopped to wait for human approval of {calls}, and this MCP client "
        "cannot be asked (it declared no elicitation capability); use a client that supports "
        "elicitation, or approve tool calls over A2A (input-required) or in the web page"
    )


def _pending(result: RunResult) -> tuple[ApprovalRequest, ...]:
    return result.pending
