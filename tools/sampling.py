"""The model that answers sampling requests made during a tool call.

An MCP server called as a tool may ask its client's model to write something
(``sampling/createMessage``). The MCP client toolset answers such requests with the
model of the agent that made the call: the agents runner binds it here for each tool call
(:func:`answering_with`), and the toolset reads it (:func:`current_sampler`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from interlace.protocols import ModelRequest, ModelResponse

Sampler = Callable[[ModelRequest], Awaitable[ModelResponse]]
"""Answers a model request: an agent's backend's ``complete``."""

_current: ContextVar[Sampler | None] = ContextVar("interlace_sampler", default=None)


def current_sampler() -> Sampler | None:
    """The model answering sampling requests for the tool call running now, if any."""
    return _current.get()


@contextmanager
def answering_with(sampler: Sampler | None) -> Iterator[None]:
    """Let ``sampler`` answer sampling requests made during the block (one tool call)."""
    token = _current.set(sampler)
    try:
        yield
    finally:
        _current.reset(token)
