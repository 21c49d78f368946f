"""Registers the ``mcp`` toolset kind (the SDK is imported only when a toolset connects)."""

from __future__ import annotations

from ..base import Toolset
from ..registry import register_toolset_kind
from .options import MCPOptions


def mcp_toolset(options: MCPOptions) -> Toolset:
    """Build an ``mcp`` toolset."""
    from .toolset import MCPToolset

    return MCPToolset(options)


register_toolset_kind("mcp", MCPOptions, mcp_toolset)
