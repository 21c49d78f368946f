"""The run context a tool call sees: which agent calls it, on which thread, and how the
call was approved.

A ``@tool`` function receives it by declaring a parameter annotated ``RunContext`` (left
out of the schema the model sees)::

    @tool
    def remember(note: str, ctx: RunContext) -> str:
        store[ctx.thread_id].append(note)
        ...

Any other code running inside a tool call reads it with :func:`current_run`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

Approval = Literal["not_needed", "approved", "edited"]


@dataclass(frozen=True)
class RunContext:
    """Who calls a tool: ``agent`` and ``thread_id`` (``None`` outside an agent run, e.g.
    when a server exposes the toolset directly), the ``call_id``, and ``approval``:
    ``not_needed``, ``approved`` by a human, or ``edited`` (approved with new arguments)."""

    agent: str | None = None
    thread_id: str | None = None
    call_id: str | None = None
    approval: Approval = "not_needed"


_current: ContextVar[RunContext | None] = ContextVar("interlace_run_context", default=None)
DETACHED = RunContext()


def current_run() -> RunContext:
    """The context of the tool call running now (a detached one outside agent runs)."""
    return _current.get() or DETACHED


@contextmanager
def running(context: RunContext) -> Iterator[RunContext]:
    """Make ``context`` the current run context for the block (one tool call)."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
