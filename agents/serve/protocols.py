"""Server protocols by name: MCP, A2A, the OpenAI-compatible API, and plugins' own.

A protocol is ``SERVER_PROTOCOLS.register(name, factory)`` (plugin hook
``register_server_protocols``): ``factory(host, settings, base_url)`` returns the
:class:`ServerParts` that :func:`~interlace.agents.serve.app.build_app` mounts on the one
HTTP app, behind the same body limit and bearer token as the built-ins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from interlace.plugins.registry import Registry
from interlace.protocols.errors import UsageError

if TYPE_CHECKING:
    from .host import AgentHost
    from .settings import ServeSettings

Lifespan = Callable[[], AbstractAsyncContextManager[Any]]
DEFAULT_PROTOCOLS = ("mcp", "a2a", "openai", "web")


@dataclass(frozen=True)
class ServerParts:
    """What one protocol adds to the app: Starlette routes, and a lifespan to run while
    the server is up (``None``: nothing to run).

    ``own_body_limit``: path prefixes whose handlers stream and limit request bodies
    themselves (the server's body limit passes them through: file uploads).
    ``middleware``: wraps the whole guarded app, outside the bearer check (the web page's
    sign-in, which turns its session cookie into the bearer token).
    """

    routes: Sequence[Any]
    lifespan: Lifespan | None = None
    own_body_limit: tuple[str, ...] = ()
    middleware: Callable[[Any], Any] | None = None


ServerProtocol = Callable[["AgentHost", "ServeSettings", str], ServerParts]

SERVER_PROTOCOLS: Registry[ServerProtocol] = Registry(
    "server protocol",
    "register_server_protocols",
    error=UsageError,
    hint="plugins add protocols through the register_server_protocols hook",
)
