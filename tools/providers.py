"""Resources and prompts a toolset (or anything else a server holds) may offer.

A toolset that also implements :class:`ResourceProvider` or :class:`PromptProvider`
(checked structurally) has its resources and prompts served over MCP next to the
retrieval stores' documents and the agents' prompts. ``read_resource`` and ``get_prompt``
answer ``None`` for what the provider does not have, so several providers share one
server; completion answers candidate values for an argument being typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from interlace.protocols.catalog import (
    PromptResult,
    PromptSpec,
    Resource,
    ResourceContents,
    ResourceTemplate,
)


@runtime_checkable
class ResourceProvider(Protocol):
    """Lists and reads resources and resource templates."""

    async def list_resources(self) -> Sequence[Resource]:
        """The resources on offer."""
        ...

    async def list_resource_templates(self) -> Sequence[ResourceTemplate]:
        """The resource templates on offer."""
        ...

    async def read_resource(self, uri: str) -> Sequence[ResourceContents] | None:
        """The contents at ``uri``; ``None`` when it is not this provider's."""
        ...

    async def complete_resource(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Sequence[str]:
        """Values for ``argument`` of ``template`` starting like ``value`` (``context``:
        the arguments already chosen)."""
        ...


@runtime_checkable
class PromptProvider(Protocol):
    """Lists and fills prompts."""

    async def list_prompts(self) -> Sequence[PromptSpec]:
        """The prompts on offer."""
        ...

    async def get_prompt(self, name: str, arguments: Mapping[str, str]) -> PromptResult | None:
        """Prompt ``name`` filled with ``arguments``; ``None`` when it is not this provider's."""
        ...

    async def complete_prompt(
        self, name: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Sequence[str]:
        """Values for ``argument`` of prompt ``name`` starting like ``value``."""
        ...
