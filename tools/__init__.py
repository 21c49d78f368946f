"""Tools and toolsets: typed Python tools, built-ins, retrieval, MCP and A2A clients."""

from .base import Toolset

__all__ = ["Toolset"]
