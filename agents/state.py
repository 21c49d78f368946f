"""The graph state every agent and graph shares: interlace messages plus run bookkeeping."""

from __future__ import annotations

import operator
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
    """Reducer: the first stop wins."""
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
    """

    messages: Annotated[list[Message], operator.add]
    usage: Annotated[dict[str, Usage], sum_usage]
    stop: Annotated[Stop | None, first_stop]
    steps: int
    started: float
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
