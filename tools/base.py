"""The toolset interface: anything that lists tools and calls them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence

from interlace.protocols import ToolCall, ToolResult, ToolSpec


class Toolset(ABC):
    """A set of tools an agent can call: Python tools, an MCP server, a remote A2A agent.

    ``call`` never raises for a failing tool: validation errors, exceptions and timeouts
    come back as a :class:`ToolResult` with ``is_error=True`` that the model can read.
    """

    @abstractmethod
    async def list_tools(self) -> Sequence[ToolSpec]:
        """The tools on offer, as specs a model can see."""

    @abstractmethod
    async def call(self, call: ToolCall) -> ToolResult:
        """Run one tool call."""

    def requires_approval(self, name: str) -> bool:
        """Whether calls to ``name`` need a human decision first (default: no)."""
        return False

    def is_idempotent(self, name: str) -> bool:
        """Whether calling ``name`` twice with the same arguments does no more than once
        (default: no). A run killed during such a call runs it again when it resumes;
        any other call is answered "interrupted" instead."""
        return False

    async def aclose(self) -> None:
        """Release resources (subprocesses, connections); nothing by default."""

    # Composition helpers (see interlace.tools.compose).

    def filtered(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] = ()
    ) -> Toolset:
        """Only the tools whose names match ``include`` (glob patterns) and not ``exclude``."""
        from .compose import filter_tools

        return filter_tools(self, include, exclude)

    def prefixed(self, prefix: str, separator: str = "_") -> Toolset:
        """Every tool renamed to ``prefix + separator + name``."""
        from .compose import prefix_tools

        return prefix_tools(self, prefix, separator)

    def renamed(self, names: Mapping[str, str]) -> Toolset:
        """Tools renamed by ``names`` (old -> new)."""
        from .compose import rename_tools

        return rename_tools(self, names)
