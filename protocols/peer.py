"""The client a served request came from, when it can be told and asked things.

When interlace serves a request over MCP, the server binds the calling client as the
request's *peer*. Whatever runs for that request (a tool, an agent's run, a backend such
as ``mcp-sampling:``) can then report progress and log lines to it, ask its user a
question (elicitation), ask its model (sampling) or list its roots. Outside a served
request there is no peer: :func:`current_peer` is ``None``, and the helpers
:func:`report_progress` and :func:`log` do nothing.

Asking is one call, :meth:`Peer.ask`, with questions by key; the answers come back by
the same keys. A peer that can wait for answers within the request (MCP before
2026-07-28) asks and waits; one that cannot (MCP 2026-07-28, which answers with an
``input_required`` result and gets the request again with the answers) raises
:class:`InputRequired` for the questions it has no answer for yet, so code that asks
must be safe to run again up to the point where it asks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from .errors import CapabilityError, ControlFlow
from .requests import ModelRequest, ModelResponse

LogLevel = Literal["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
LOG_LEVELS: tuple[LogLevel, ...] = (
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
)
"""Log levels from least to most severe (RFC 5424, as MCP uses them)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


EMPTY_FORM: dict[str, Any] = {"type": "object", "properties": {}}


class Elicitation(_Frozen):
    """Ask the user: ``message``, and a flat JSON Schema object for the answer's fields
    (no properties: a plain accept or decline)."""

    kind: Literal["elicitation"] = "elicitation"
    message: str
    requested_schema: dict[str, Any] = Field(default_factory=lambda: dict(EMPTY_FORM))


class Sampling(_Frozen):
    """Ask the client's model to answer ``request`` (``model_hint``: a model name the
    client may prefer)."""

    kind: Literal["sampling"] = "sampling"
    request: ModelRequest
    model_hint: str | None = None


class RootsQuery(_Frozen):
    """Ask which roots (folders, by URI) the client works in."""

    kind: Literal["roots"] = "roots"


Question = Elicitation | Sampling | RootsQuery


class Elicited(_Frozen):
    """The user's answer: ``accept`` with ``content`` (fields of the schema), ``decline``
    or ``cancel``."""

    action: Literal["accept", "decline", "cancel"]
    content: dict[str, Any] = Field(default_factory=dict)


class Root(_Frozen):
    """A root the client works in."""

    uri: str
    name: str | None = None


Answer = Elicited | ModelResponse | tuple[Root, ...]


class InputRequired(ControlFlow):
    """The peer has to ask ``questions`` (by key) and cannot wait within this request: the
    server answers with them and runs the request again once the client has answered."""

    def __init__(self, questions: Mapping[str, Question]) -> None:
        super().__init__(f"the client must answer {', '.join(questions)} first")
        self.questions = dict(questions)


class PeerCapabilityError(CapabilityError):
    """The client cannot be asked this: it did not declare ``capability`` (``elicitation``,
    ``sampling`` or ``roots``)."""

    def __init__(self, message: str, capability: str = "") -> None:
        super().__init__(message)
        self.capability = capability


@runtime_checkable
class Peer(Protocol):
    """A client that can be told and asked things (see the module docstring)."""

    def can_ask(self, question: Question) -> bool:
        """Whether the client declared the capability ``question`` needs."""
        ...

    async def progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """Report progress of the request (nothing when the client asked for none)."""
        ...

    async def log(
        self, level: LogLevel, message: str, *, data: Any = None, logger: str | None = None
    ) -> None:
        """Send a log line (dropped below the level the client asked for)."""
        ...

    async def ask(self, questions: Mapping[str, Question]) -> dict[str, Answer]:
        """Ask every question; answers by the same keys.

        Raises :class:`PeerCapabilityError` for a question the client cannot answer and
        :class:`InputRequired` when answers have to come with a new request.
        """
        ...


_current: ContextVar[Peer | None] = ContextVar("interlace_peer", default=None)


def current_peer() -> Peer | None:
    """The peer of the request being served, if any."""
    return _current.get()


@contextmanager
def serving(peer: Peer | None) -> Iterator[Peer | None]:
    """Make ``peer`` the current peer for the block (one served request)."""
    token = _current.set(peer)
    try:
        yield peer
    finally:
        _current.reset(token)


async def report_progress(
    progress: float, total: float | None = None, message: str | None = None
) -> None:
    """Report progress to the current peer, if there is one."""
    peer = current_peer()
    if peer is not None:
        await peer.progress(progress, total, message)


async def log(
    level: LogLevel, message: str, *, data: Any = None, logger: str | None = None
) -> None:
    """Send a log line to the current peer, if there is one."""
    peer = current_peer()
    if peer is not None:
        await peer.log(level, message, data=data, logger=logger)


def _peer_for(what: str) -> Peer:
    peer = current_peer()
    if peer is None:
        raise PeerCapabilityError(
            f"cannot {what}: this code is not serving a client request (serve it over MCP, "
            "whose client can answer)"
        )
    return peer


async def elicit(
    message: str, schema: Mapping[str, Any] | None = None, *, key: str = "ask"
) -> Elicited:
    """Ask the current peer's user ``message`` (the answer's fields follow ``schema``)."""
    question = Elicitation(message=message, requested_schema=dict(schema or EMPTY_FORM))
    answer = (await _peer_for("ask the user").ask({key: question}))[key]
    assert isinstance(answer, Elicited)
    return answer


async def sample(request: ModelRequest, *, key: str = "sample") -> ModelResponse:
    """Ask the current peer's model to answer ``request``."""
    answer = (await _peer_for("ask the client's model").ask({key: Sampling(request=request)}))[key]
    assert isinstance(answer, ModelResponse)
    return answer
