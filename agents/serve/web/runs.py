"""Runs for the page, streamed as Server-Sent Events of interlace's own run events.

``POST /api/runs`` starts (or continues) a thread; ``POST /api/runs/resume`` answers a
pending approval. Each ``data:`` line is one JSON event: first ``{"type": "run", "agent",
"thread_id"}``, then the run's events as :mod:`interlace.agents.events` defines them
(``text``, ``tool_call``, ``tool_result``, ``tool_selection``, ``node_enter``, ``node_exit``,
``interrupt``, ``done``), each with ``t``, seconds since the request began; a failure ends
the stream with ``{"type": "error", "message"}``. Closing the connection cancels the run.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

import anyio

from interlace.protocols import Message
from interlace.protocols.errors import RunTimeout, UsageError

from ..host import AgentHost
from ..running import check_agent, public_error, stream_agent
from ..sse import Emit, EventStreamResponse

if TYPE_CHECKING:
    from interlace.agents.events import RunEvent

THREAD_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
MAX_MESSAGE_CHARS = 100_000


def sse(data: dict[str, Any]) -> str:
    """One Server-Sent Event carrying ``data`` as JSON."""
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def run_request(host: AgentHost, body: dict[str, Any]) -> tuple[str, str, str]:
    """``(agent, message, thread_id)`` of a run request (a fresh thread id when none)."""
    agent = _agent(host, body)
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise UsageError("'message' must be a non-empty string: the user's question")
    if len(message) > MAX_MESSAGE_CHARS:
        raise UsageError(f"'message' is longer than {MAX_MESSAGE_CHARS} characters")
    thread_id = body.get("thread_id") or uuid.uuid4().hex
    return agent, message, _thread_id(thread_id)


def resume_request(host: AgentHost, body: dict[str, Any]) -> tuple[str, str, Any]:
    """``(agent, thread_id, decision)`` of a request answering a pending approval."""
    from interlace.agents.events import Decision

    agent = _agent(host, body)
    thread_id = _thread_id(body.get("thread_id"))
    decision = body.get("decision")
    action = decision.get("action") if isinstance(decision, dict) else None
    reason = decision.get("reason", "") if isinstance(decision, dict) else ""
    if action == "approve":
        return agent, thread_id, Decision.approve()
    if action == "reject" and isinstance(reason, str):
        return agent, thread_id, Decision.reject(reason.strip() or "rejected by the user")
    raise UsageError(
        '\'decision\' must be {"action": "approve"} or {"action": "reject", "reason": "why"}'
    )


def _agent(host: AgentHost, body: dict[str, Any]) -> str:
    agent = body.get("agent")
    if not isinstance(agent, str):
        names = ", ".join(name for name, _ in host.agent_cards())
        raise UsageError(f"'agent' must name the agent or graph to run: one of {names}")
    check_agent(host, agent)
    return agent


def _thread_id(value: Any) -> str:
    if not isinstance(value, str) or not THREAD_ID.match(value):
        raise UsageError(
            f"'thread_id' must be 1-128 characters of letters, digits and _ . : - (got {value!r})"
        )
    return value


def run_stream(
    host: AgentHost, agent: str, message: str, thread_id: str, timeout_s: float
) -> EventStreamResponse:
    """The response streaming one run of ``agent`` on ``message`` in ``thread_id``."""

    async def drive(on_event: Callable[[RunEvent], Awaitable[None]]) -> None:
        await stream_agent(host, agent, [Message.user(message)], timeout_s, on_event, thread_id)

    return _response(agent, thread_id, drive)


def resume_stream(
    host: AgentHost, agent: str, thread_id: str, decision: Any, timeout_s: float
) -> EventStreamResponse:
    """The response streaming the continuation of an interrupted run."""

    async def drive(on_event: Callable[[RunEvent], Awaitable[None]]) -> None:
        try:
            with anyio.fail_after(timeout_s):
                events = host.resume_stream(agent, thread_id, decision)
                async with aclosing(events) as iterator:  # type: ignore[type-var]
                    async for event in iterator:
                        await on_event(event)
        except TimeoutError as exc:
            raise RunTimeout(f"agent {agent!r} did not finish within {timeout_s:g} s") from exc

    return _response(agent, thread_id, drive)


Driver = Callable[[Callable[["RunEvent"], Awaitable[None]]], Awaitable[None]]


def _response(agent: str, thread_id: str, drive: Driver) -> EventStreamResponse:
    started = time.monotonic()

    async def produce(emit: Emit) -> None:
        await emit(sse({"type": "run", "agent": agent, "thread_id": thread_id, "t": 0.0}))

        async def on_event(event: RunEvent) -> None:
            data = event.model_dump(mode="json")
            data["t"] = round(time.monotonic() - started, 3)
            await emit(sse(data))

        try:
            await drive(on_event)
        except Exception as exc:
            await emit(sse({"type": "error", "message": public_error(exc)}))

    return EventStreamResponse(produce)
