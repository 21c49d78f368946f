"""Combining toolsets (filtering, prefixing and renaming are ``Toolset`` methods)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from interlace.protocols import ToolCall, ToolResult, ToolSpec
from interlace.protocols.errors import UsageError

from .base import Toolset, unknown_tool
from .selection import ToolSelection


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

    def selection_for(self, name: str) -> ToolSelection | None:
        if self._routes is not None and name in self._routes:
            return self._routes[name].selection_for(name)
        return None

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
