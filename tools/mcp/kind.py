"""The ``mcp`` toolset kind's factory (the SDK is imported only when a toolset connects)."""

from __future__ import annotations

from ..base import Toolset
from .options import MCPOptions


def mcp_toolset(options: MCPOptions) -> Toolset:
    """Build an ``mcp`` toolset."""
    from .toolset import MCPToolset

    return MCPToolset(options)
