"""Run agents for a server: time limits, and errors turned into messages safe to send.

Every server uses these so that an agent failure becomes a protocol error with a
readable message, never a dropped connection or a leaked traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING

import anyio

from interlace.protocols import Message, SamplingSettings
from interlace.protocols.errors import (
    ContextOverflowError,
    InterlaceError,
    RunFailure,
    RunTimeout,
    UsageError,
)
from interlace.tools.upstream import ToolsetUnavailable

from .host import AgentHost

if TYPE_CHECKING:
    from interlace.agents.events import RunEvent, RunResult

logger = logging.getLogger("interlace.serve")


def public_error(exc: BaseException) -> str:
    """What a client may see of ``exc``: interlace errors are written for users; anything
    else is logged here and reported without details."""
    if isinstance(exc, TimeoutError | RunTimeout):
        return str(exc) or "the agent run took longer than the server's time limit"
    if isinstance(exc, InterlaceError):
        return f"{type(exc).__name__}: {exc}"
    logger.error("agent run failed", exc_info=exc)
    return f"internal error while running the agent ({type(exc).__name__}; see the server log)"


def check_agent(host: AgentHost, name: str) -> None:
    """Raise :class:`UsageError` naming the agents on offer when ``name`` is not one."""
    names = [card[0] for card in host.agent_cards()]
    if name not in names:
        raise UsageError(f"no agent named {name!r}; this server offers: {', '.join(names)}")


async def run_agent(
    host: AgentHost,
    name: str,
    messages: Sequence[Message],
    timeout_s: float,
    thread_id: str | None = None,
    sampling: SamplingSettings | None = None,
) -> RunResult:
    """``host.run`` bounded by ``timeout_s``; a timed-out or failed run raises (see
    :func:`raise_for_result`), an interrupted one is returned."""
    try:
        with anyio.fail_after(timeout_s):
            result = await host.run(name, list(messages), thread_id, sampling=sampling)
    except RunTimeout:
        raise  # the agent's own limit (raise_for_result): its message says which
    except TimeoutError as exc:
        raise RunTimeout(f"agent {name!r} did not finish within {timeout_s:g} s") from exc
    raise_for_result(result)
    return result


async def stream_agent(
    host: AgentHost,
    name: str,
    messages: Sequence[Message],
    timeout_s: float,
    on_event: Callable[[RunEvent], Awaitable[None]],
    thread_id: str | None = None,
    sampling: SamplingSettings | None = None,
) -> None:
    """Run ``host.stream`` to its end within ``timeout_s``, handing each event to
    ``on_event`` (raises :class:`RunTimeout`).

    The event source is iterated and closed in this task, inside the time limit: an
    agent run holds cancel scopes across its events, which must nest properly.
    """
    try:
        with anyio.fail_after(timeout_s):
            events = host.stream(name, list(messages), thread_id, sampling=sampling)
            async with aclosing(events) as events:  # type: ignore[type-var]
                async for event in events:
                    await on_event(event)
    except RunTimeout:
        raise  # the agent's own limit (raise_for_result): its message says which
    except TimeoutError as exc:
        raise RunTimeout(f"agent {name!r} did not finish within {timeout_s:g} s") from exc


def raise_for_result(result: RunResult) -> None:
    """Raise what a run that did not end well stands for: :class:`RunTimeout` (its
    ``limits.timeout_s``), ``ContextOverflowError`` with both token counts,
    ``ToolsetUnavailable`` (an upstream it needs is down), or ``RunFailure``. Other stops
    (``length``, ``max_steps``, ...) carry an answer."""
    agent = result.agent or "?"
    if result.stop_reason == "timeout":
        raise RunTimeout(f"agent {agent!r} did not finish: {result.detail}")
    if result.stop_reason != "error":
        return
    error = result.error
    if error is not None and error.prompt_tokens is not None and error.context_window is not None:
        raise ContextOverflowError(error.prompt_tokens, error.context_window, f"(agent {agent!r})")
    message = f"agent {agent} failed: {result.detail or 'unknown error'}"
    if error is not None and error.type == ToolsetUnavailable.__name__:
        raise ToolsetUnavailable(message, error.message, error.retry_after)
    raise RunFailure(message)
