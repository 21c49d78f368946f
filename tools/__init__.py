"""Tools and toolsets: typed Python tools, built-ins, retrieval, MCP and A2A clients."""

from .base import Toolset
from .compose import CombinedToolset, combine
from .context import RunContext, current_run
from .function import FunctionToolset, Tool, tool
from .selection import ToolSelection

__all__ = [
    "CombinedToolset",
    "FunctionToolset",
    "RunContext",
    "Tool",
    "ToolSelection",
    "Toolset",
    "combine",
    "current_run",
    "tool",
]
