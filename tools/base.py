"""The toolset interface: anything that lists tools and calls them."""

from __future__ import annotations

import fnmatch
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence

from interlace.protocols import ToolCall, ToolResult, ToolSpec
from interlace.protocols.errors import UsageError

from .selection import ToolSelection


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

    def selection_for(self, name: str) -> ToolSelection | None:
        """The tool selection that ranks ``name`` among this toolset's tools (default:
        none; the agent's own selection, if any, applies)."""
        return None

    async def aclose(self) -> None:
        """Release resources (subprocesses, connections); nothing by default."""

    # Composition: the same tools seen through a name map.

    def filtered(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] = ()
    ) -> Toolset:
        """Only the tools whose names match ``include`` (glob patterns) and not ``exclude``."""
        return filter_tools(self, include, exclude)

    def prefixed(self, prefix: str, separator: str = "_") -> Toolset:
        """Every tool renamed to ``prefix + separator + name``."""
        return prefix_tools(self, prefix, separator)

    def renamed(self, names: Mapping[str, str]) -> Toolset:
        """Tools renamed by ``names`` (old -> new)."""
        return rename_tools(self, names)

    def selecting(self, selection: ToolSelection) -> Toolset:
        """The same tools, of which each model call is offered only those that
        ``selection`` picks (see :mod:`interlace.tools.selection`)."""
        return SelectingToolset(self, selection)


def unknown_tool(call: ToolCall, names: Iterable[str]) -> ToolResult:
    """The error result for a call to a tool the toolset does not have."""
    known = ", ".join(sorted(names)) or "(none)"
    return ToolResult(
        tool_call_id=call.id,
        name=call.name,
        content=f"unknown tool {call.name!r}; available tools: {known}",
        is_error=True,
    )


NameMap = Callable[[str], str | None]


class MappedToolset(Toolset):
    """Another toolset seen through a name map: ``forward`` maps inner names to outer ones
    (``None`` hides a tool), ``inverse`` maps back (``None``: no such tool)."""

    def __init__(self, inner: Toolset, forward: NameMap, inverse: NameMap, label: str) -> None:
        self.inner = inner
        self._forward = forward
        self._inverse = inverse
        self._label = label

    async def list_tools(self) -> Sequence[ToolSpec]:
        specs: list[ToolSpec] = []
        seen: dict[str, str] = {}
        for spec in await self.inner.list_tools():
            outer = self._forward(spec.name)
            if outer is None:
                continue
            if outer in seen:
                raise UsageError(
                    f"{self._label}: tools {seen[outer]!r} and {spec.name!r} both "
                    f"become {outer!r}; tool names must be unique"
                )
            seen[outer] = spec.name
            specs.append(spec.model_copy(update={"name": outer}))
        return specs

    async def call(self, call: ToolCall) -> ToolResult:
        inner_name = self._inverse(call.name)
        if inner_name is None:
            names = [spec.name for spec in await self.list_tools()]
            return unknown_tool(call, names)
        result = await self.inner.call(call.model_copy(update={"name": inner_name}))
        return result.model_copy(update={"name": call.name})

    def requires_approval(self, name: str) -> bool:
        inner_name = self._inverse(name)
        return inner_name is not None and self.inner.requires_approval(inner_name)

    def is_idempotent(self, name: str) -> bool:
        inner_name = self._inverse(name)
        return inner_name is not None and self.inner.is_idempotent(inner_name)

    def selection_for(self, name: str) -> ToolSelection | None:
        inner_name = self._inverse(name)
        return None if inner_name is None else self.inner.selection_for(inner_name)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _same(name: str) -> str:
    return name


class SelectingToolset(MappedToolset):
    """A toolset whose tools are offered through a :class:`ToolSelection` of its own."""

    def __init__(self, inner: Toolset, selection: ToolSelection) -> None:
        super().__init__(inner, _same, _same, "selection")
        self.selection = selection

    def selection_for(self, name: str) -> ToolSelection | None:
        return self.selection


def filter_tools(
    toolset: Toolset,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
) -> Toolset:
    """Only the tools matching ``include`` (names or glob patterns) and not ``exclude``."""
    included = list(include) if include is not None else None
    excluded = list(exclude)

    def keep(name: str) -> str | None:
        if included is not None and not any(fnmatch.fnmatchcase(name, p) for p in included):
            return None
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in excluded):
            return None
        return name

    return MappedToolset(toolset, keep, keep, "filter")


def prefix_tools(toolset: Toolset, prefix: str, separator: str = "_") -> Toolset:
    """Every tool renamed to ``prefix + separator + name``."""
    if not prefix:
        raise UsageError("a tool name prefix must not be empty")
    head = prefix + separator

    def strip(name: str) -> str | None:
        return name[len(head) :] if name.startswith(head) and len(name) > len(head) else None

    return MappedToolset(toolset, lambda name: head + name, strip, f"prefix {prefix!r}")


def rename_tools(toolset: Toolset, names: Mapping[str, str]) -> Toolset:
    """Tools renamed by ``names`` (old name -> new name); others keep their names."""
    forward = dict(names)
    inverse = {new: old for old, new in forward.items()}
    if len(inverse) != len(forward):
        raise UsageError(f"rename maps two tools to one name: {forward}")

    def back(name: str) -> str | None:
        if name in inverse:
            return inverse[name]
        return None if name in forward else name

    return MappedToolset(toolset, lambda name: forward.get(name, name), back, "rename")
