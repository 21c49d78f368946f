"""Loop and budget guards: they turn runaway runs into a clear stop reason."""

from __future__ import annotations

import json
import time

from interlace.protocols import ModelResponse, ToolCall

from .agent import Limits
from .state import State, Stop, total_usage


def call_signature(call: ToolCall) -> str:
    """A stable key for 'the same call with the same arguments'."""
    return call.name + ":" + json.dumps(call.arguments, sort_keys=True, default=str)


def before_model(agent: str, limits: Limits, state: State, now: float) -> Stop | None:
    """Stop before a model call when the step budget or the timeout is spent."""
    steps = state.get("steps", 0)
    if steps >= limits.max_steps:
        return Stop(
            reason="max_steps",
            agent=agent,
            detail=f"agent {agent!r} reached max_steps={limits.max_steps} without a final "
            "answer; raise limits.max_steps or simplify the task",
        )
    started = state.get("started")
    if limits.timeout_s is not None and started is not None and now - started > limits.timeout_s:
        return timeout_stop(agent, limits.timeout_s)
    return None


def timeout_stop(agent: str, timeout_s: float) -> Stop:
    """The stop for a spent wall-clock budget."""
    return Stop(
        reason="timeout",
        agent=agent,
        detail=f"agent {agent!r} ran past timeout_s={timeout_s}; raise limits.timeout_s",
    )


def after_model(
    agent: str, limits: Limits, state: State, response: ModelResponse
) -> tuple[Stop | None, dict[str, int]]:
    """Check the token budget and repeated calls; returns the stop and the new call counts."""
    counts = dict(state.get("counts", {}))
    for call in response.tool_calls:
        key = call_signature(call)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > limits.max_repeated_calls:
            return Stop(
                reason="loop",
                agent=agent,
                detail=f"agent {agent!r} repeated the call {call.name}({call.arguments}) "
                f"more than max_repeated_calls={limits.max_repeated_calls} times",
            ), counts
    if limits.max_tokens is not None:
        spent = total_usage(state.get("usage", {})).total_tokens + response.usage.total_tokens
        if spent > limits.max_tokens:
            return Stop(
                reason="max_tokens",
                agent=agent,
                detail=f"agent {agent!r} used {spent} tokens, over max_tokens="
                f"{limits.max_tokens}; raise limits.max_tokens",
            ), counts
    return None, counts


def now() -> float:
    """Wall-clock seconds (checkpointed, so it survives a resume in another process)."""
    return time.time()
