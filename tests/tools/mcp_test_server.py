"""An MCP server written with the official SDK (``MCPServer``) for the toolset tests.

Run ``python tests/tools/mcp_test_server.py stdio`` or ``... http PORT``.
"""

from __future__ import annotations

import base64
import os
import sys

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image
from mcp.types import EmbeddedResource, TextResourceContents
from pydantic import BaseModel
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

server = MCPServer("interlace-test", instructions="A server for interlace's MCP tests.")


class Sum(BaseModel):
    total: int
    terms: list[int]


@server.tool()
def add(a: int, b: int) -> Sum:
    """Add two integers."""
    return Sum(total=a + b, terms=[a, b])


@server.tool()
def echo(text: str, times: int = 1) -> str:
    """Repeat a text."""
    return " ".join([text] * times)


@server.tool()
def pixel() -> Image:
    """Return a one-pixel PNG image."""
    return Image(data=PNG, format="png")


@server.tool()
def readme() -> EmbeddedResource:
    """Return an embedded text resource."""
    contents = TextResourceContents(uri="file:///readme.txt", mime_type="text/plain", text="hi")
    return EmbeddedResource(type="resource", resource=contents)


@server.tool()
def fail(reason: str) -> str:
    """Always fail with the given reason."""
    raise ToolError(f"failed on purpose: {reason}")


@server.tool()
def crash() -> str:
    """Exit the server process at once (simulates a crash)."""
    os._exit(3)


@server.tool()
async def snooze(seconds: float) -> str:
    """Sleep, then answer."""
    await anyio.sleep(seconds)
    return "awake"


@server.tool()
def pid() -> int:
    """The server's process id."""
    return os.getpid()


@server.tool()
async def grow(ctx: Context) -> str:
    """Add a tool named 'late' and announce that the tool list changed."""

    def late() -> str:
        """A tool added at run time."""
        return "late tool"

    server.add_tool(late)
    await ctx.notify_tools_changed()  # 2026-07-28 connections: subscriptions/listen
    await ctx.session.send_tool_list_changed()  # earlier protocol versions: a notification
    return "grown"


TOKEN = "s3cret"


def require_token(app: ASGIApp) -> ASGIApp:
    """Refuse HTTP requests without ``Authorization: Bearer s3cret`` (tests the headers)."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", []))
        if scope["type"] == "http" and headers.get(b"authorization") != f"Bearer {TOKEN}".encode():
            await PlainTextResponse("missing token", status_code=401)(scope, receive, send)
            return
        await app(scope, receive, send)

    return guarded


if __name__ == "__main__":
    if sys.argv[1] == "stdio":
        server.run("stdio")
    else:
        import uvicorn

        app = require_token(server.streamable_http_app())
        uvicorn.run(
            app,
            host="127.0.0.1",
            port=int(sys.argv[2]),
            log_level="warning",
            timeout_graceful_shutdown=1,
        )
