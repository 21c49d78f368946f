"""Interop servers: expose an :class:`AgentHost` over MCP, A2A and an OpenAI-compatible API.

Heavy server dependencies (mcp, a2a, fastapi, uvicorn) load only when a server starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .host import AgentHost

if TYPE_CHECKING:
    from .app import serve as serve

__all__ = ["AgentHost", "serve"]


def __getattr__(name: str) -> Any:
    if name == "serve":
        from .app import serve

        return serve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
