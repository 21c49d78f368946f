"""Toolsets that fail alone: an upstream (an MCP server, a remote A2A agent) that cannot be
reached is marked unavailable with its reason and retried with backoff, and never takes
down the tools and agents that do not use it.

:class:`UpstreamToolset` wraps any toolset. Config-built toolsets of kinds registered with
``upstream=True`` (``mcp``, ``a2a``, and any plugin kind that says so) are wrapped by
name. A failed listing raises :class:`ToolsetUnavailable` with one line naming the toolset
and the upstream's own reason (which names its URL or command); until the backoff has
passed, listings and calls fail at once without contacting the upstream; the first
listing after it tries again, and a success clears the state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from interlace.protocols import ToolCall, ToolResult, ToolSpec
from interlace.protocols.errors import ToolError

from .base import Toolset

State = Literal["unknown", "available", "unavailable"]


class ToolsetUnavailable(ToolError):
    """An upstream toolset cannot be reached; the message names it and why (``reason``),
    and in how many seconds it is tried again (``retry_after``)."""

    def __init__(self, message: str, reason: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message
        self.retry_after = retry_after


@dataclass(frozen=True)
class UpstreamStatus:
    """Where an upstream toolset stands: ``state``, the ``reason`` of the last failure,
    how many failures in a row, and the seconds until the next try (``retry_after``)."""

    state: State
    reason: str = ""
    failures: int = 0
    retry_after: float | None = None


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``first_s`` after the first failure, doubling up to ``max_s``."""

    first_s: float = 1.0
    max_s: float = 60.0

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` failures in a row (at least one)."""
        return float(min(self.max_s, self.first_s * 2 ** max(0, failures - 1)))


class UpstreamToolset(Toolset):
    """``inner`` under the name ``name``, failing alone (see the module docstring);
    ``where`` says where the upstream is (its URL or command), for messages."""

    def __init__(
        self,
        name: str,
        inner: Toolset,
        *,
        where: str = "",
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.inner = inner
        self.where = where
        self.backoff = backoff or Backoff()
        self._clock = clock
        self._state: State = "unknown"
        self._reason = ""
        self._failures = 0
        self._retry_at = 0.0

    @property
    def status(self) -> UpstreamStatus:
        """The current :class:`UpstreamStatus`."""
        wait = max(0.0, self._retry_at - self._clock()) if self._state == "unavailable" else None
        return UpstreamStatus(self._state, self._reason, self._failures, wait)

    async def list_tools(self) -> Sequence[ToolSpec]:
        """The upstream's tools; :class:`ToolsetUnavailable` while it cannot be reached."""
        self._refuse_during_backoff()
        try:
            specs = await self.inner.list_tools()
        except Exception as error:
            raise self._failed(error) from error
        self._state, self._reason, self._failures = "available", "", 0
        return specs

    async def call(self, call: ToolCall) -> ToolResult:
        """The upstream's answer, or an error result while it is unavailable."""
        try:
            self._refuse_during_backoff()
        except ToolsetUnavailable as error:
            return ToolResult(
                tool_call_id=call.id, name=call.name, content=str(error), is_error=True
            )
        return await self.inner.call(call)

    def requires_approval(self, name: str) -> bool:
        return self.inner.requires_approval(name)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def _refuse_during_backoff(self) -> None:
        if self._state != "unavailable":
            return
        wait = self._retry_at - self._clock()
        if wait > 0:
            raise ToolsetUnavailable(self._message(wait), self._reason, wait)

    def _failed(self, error: Exception) -> ToolsetUnavailable:
        self._failures += 1
        self._state, self._reason = "unavailable", _reason(error)
        wait = self.backoff.delay(self._failures)
        self._retry_at = self._clock() + wait
        return ToolsetUnavailable(self._message(wait), self._reason, wait)

    def _message(self, wait: float) -> str:
        return f"toolset {self.name!r} is unavailable: {self._reason} (next try in {wait:.0f} s)"


def _reason(error: BaseException) -> str:
    """One line: the innermost useful message (exception groups unwrapped)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    text = " ".join(str(error).split()) or type(error).__name__
    return text if isinstance(error, ToolError) else f"{type(error).__name__}: {text}"
