"""The MCP server: interlace's tools, agents, prompts and documents for any MCP host
(see :mod:`.server`)."""

from .server import McpFeatures, create_mcp_server, mcp_parts, serve_mcp_stdio

__all__ = ["McpFeatures", "create_mcp_server", "mcp_parts", "serve_mcp_stdio"]
