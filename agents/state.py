"""The graph state every agent and graph shares: interlace messages plus run bookkeeping."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Annotated, Any, TypedDict

from pydantic import BaseModel, ConfigDict

from interlace.protocols import Message, Usage

from .events import StopReason


class Stop(BaseModel):
    """Why an agent stopped early (anything but a final answer)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: StopReason
    detail: str = ""
    agent: str = ""


def sum_usage(left: dict[str, Usage], right: dict[str, Usage]) -> dict[str, Usage]:
    """Reducer: add usage per agent."""
    merged = dict(left)
    for agent, usage in right.items():
        merged[agent] = merged[agent] + usage if agent in merged else usage
    return merged


def first_stop(left: Stop | None, right: Stop | None) -> Stop | None:
    """Reducer: the first stop wins; ``None`` clears it (a new turn: nodes write only
    stops)."""
    if right is None:
        return None
    return left if left is not None else right


def latest(left: Any, right: Any) -> Any:
    """Reducer: the last write wins (concurrent branches may both write)."""
    return right


def merge_dict(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Reducer: update a dict (concurrent branches write distinct keys)."""
    return {**left, **right}


class State(TypedDict, total=False):
    """The state of an agent or graph run.

    ``messages``: the conversation (system prompts are added per model call, not stored).
    ``usage``: tokens per agent. ``stop``: set when a guard ends the run. ``steps``:
    model calls of this agent. ``started``: wall-clock start (for the timeout).
    ``counts``: how often each tool call signature ran. ``route``: the next node a
    router or handoff picked. ``outputs``: final text per node (parallel joins read it).
    ``hops``: nodes a graph ran (its loop guard). ``tool_errors``: failed tool calls.
    ``cut_off``: the latest model answer stopped at its ``max_tokens``.

    All but ``messages`` are the bookkeeping of one run: a new turn on a thread starts
    them afresh (:func:`fresh_run`).
    """

    messages: Annotated[list[Message], operator.add]
    usage: Annotated[dict[str, Usage], sum_usage]
    stop: Annotated[Stop | None, first_stop]
    steps: int
    started: float | None
    counts: dict[str, int]
    route: str | None
    outputs: Annotated[dict[str, str], merge_dict]
    hops: Annotated[int, operator.add]
    tool_errors: Annotated[int, operator.add]
    cut_off: Annotated[bool, latest]


def last_answer(messages: list[Message]) -> str:
    """The text of the last assistant message that is not only tool calls."""
    for message in reversed(messages):
        if message.role == "assistant" and message.text:
            return message.text
    return ""


def total_usage(usage: dict[str, Usage]) -> Usage:
    """Usage summed over agents."""
    return sum(usage.values(), Usage())


def fresh_run(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The input that starts a new turn on a thread with fresh run bookkeeping (steps,
    timeout start, call counts, stop, route, hops, usage, ...); the conversation carries
    over. ``extra``: a planner's own per-run fields and their starting values.

    Channels with a reducer get an ``Overwrite``, which replaces the stored value instead
    of being reduced into it; ``stop`` gets ``None``, which its reducer takes as a reset
    (an ``Overwrite`` would be stored as is on a thread that never had a stop).
    """
    from langgraph.types import Overwrite

    return {
        "usage": Overwrite({}),
        "stop": None,
        "steps": 0,
        "started": None,
        "counts": {},
        "route": None,
        "outputs": Overwrite({}),
        "hops": Overwrite(0),
        "tool_errors": Overwrite(0),
        "cut_off": Overwrite(False),
        **(extra or {}),
    }
