"""Composing toolsets: filter, prefix, rename and combine."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence

from interlace.protocols import ToolCall, ToolResult, ToolSpec
from interlace.protocols.errors import UsageError

from .base import Toolset
from .function import unknown_tool

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

    async def aclose(self) -> None:
        await self.inner.aclose()


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


class CombinedToolset(Toolset):
    """Several toolsets as one; a tool name offered twice is an error."""

    def __init__(self, toolsets: Iterable[Toolset]) -> None:
        self.toolsets = list(toolsets)
        self._routes: dict[str, Toolset] | None = None

    async def list_tools(self) -> Sequence[ToolSpec]:
        specs: list[ToolSpec] = []
        routes: dict[str, Toolset] = {}
        owners: dict[str, int] = {}
        for index, toolset in enumerate(self.toolsets):
            for spec in await toolset.list_tools():
                if spec.name in routes:
                    raise UsageError(
                        f"tool name {spec.name!r} is offered by toolset #{owners[spec.name]} "
                        f"({type(routes[spec.name]).__name__}) and toolset #{index} "
                        f"({type(toolset).__name__}); give one a prefix "
                        "(toolset.prefixed('name')) or rename the tool"
                    )
                routes[spec.name] = toolset
                owners[spec.name] = index
                specs.append(spec)
        self._routes = routes
        return specs

    async def call(self, call: ToolCall) -> ToolResult:
        if self._routes is None or call.name not in self._routes:
            await self.list_tools()
        assert self._routes is not None
        toolset = self._routes.get(call.name)
        if toolset is None:
            return unknown_tool(call, self._routes)
        return await toolset.call(call)

    def requires_approval(self, name: str) -> bool:
        if self._routes is not None and name in self._routes:
            return self._routes[name].requires_approval(name)
        return any(toolset.requires_approval(name) for toolset in self.toolsets)

    def is_idempotent(self, name: str) -> bool:
        if self._routes is not None and name in self._routes:
            return self._routes[name].is_idempotent(name)
        return False

    async def aclose(self) -> None:
        errors: list[BaseException] = []
        for toolset in self.toolsets:
            try:
                await toolset.aclose()
            except Exception as error:
                errors.append(error)
        if errors:
            raise errors[0]


def combine(*toolsets: Toolset) -> CombinedToolset:
    """One toolset offering the tools of all ``toolsets`` (names must not clash)."""
    return CombinedToolset(toolsets)
