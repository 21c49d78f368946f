"""Interop servers: expose an :class:`AgentHost` over MCP, A2A, an OpenAI-compatible API
and any protocol a plugin registers (:data:`SERVER_PROTOCOLS`).

Heavy server dependencies (mcp, a2a, fastapi, uvicorn) load only when a server starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .host import AgentHost
from .protocols import SERVER_PROTOCOLS, ServerParts
from .settings import ServeSettings

if TYPE_CHECKING:
    from .app import serve as serve

__all__ = ["SERVER_PROTOCOLS", "AgentHost", "ServeSettings", "ServerParts", "serve"]


def __getattr__(name: str) -> Any:
    if name == "serve":
        from .app import serve

        return serve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
