"""MCP servers as toolsets (official ``mcp`` SDK, imported when a toolset connects)."""

from .connection import MCPConnectionError
from .options import MCPOptions
from .toolset import MCPToolset

__all__ = ["MCPConnectionError", "MCPOptions", "MCPToolset"]
