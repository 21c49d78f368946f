"""One HTTP app for every server, and :func:`serve` to run it.

Routes: ``/v1/...`` (OpenAI-compatible), ``/mcp`` (MCP Streamable HTTP), ``/a2a``
(A2A JSON-RPC) with the agent card at ``/.well-known/agent-card.json``, ``/healthz``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

from interlace.protocols.errors import UsageError

from .host import AgentHost
from .middleware import ASGIApp, BearerAuth, BodyLimit
from .settings import ServeSettings

if TYPE_CHECKING:
    from starlette.applications import Starlette

Lifespan = Callable[[], AbstractAsyncContextManager[Any]]


def build_app(
    host: AgentHost,
    settings: ServeSettings | None = None,
    *,
    mcp: bool = True,
    a2a: bool = True,
    openai: bool = True,
    public_url: str | None = None,
) -> ASGIApp:
    """The ASGI app serving the chosen protocols, behind the body limit and bearer auth.

    ``public_url`` is the base URL clients reach the server at (for the A2A agent card);
    by default ``http://BIND:PORT``.
    """
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import BaseRoute, Mount, Route

    settings = settings or ServeSettings()
    if not (mcp or a2a or openai):
        raise UsageError("nothing to serve: enable at least one of --mcp, --a2a, --openai")
    routes: list[BaseRoute] = [Route("/healthz", lambda request: PlainTextResponse("ok"))]
    lifespans: list[Lifespan] = []
    if mcp:
        from .mcp_server import mcp_http_parts

        mcp_routes, mcp_lifespan = mcp_http_parts(host, settings)
        routes += mcp_routes
        lifespans.append(mcp_lifespan)
    if a2a:
        from .a2a_server import a2a_routes

        url = public_url or f"http://{settings.bind}:{settings.port}"
        routes += a2a_routes(host, settings, url)
    if openai:
        from .openai_api import create_openai_app

        routes.append(Mount("", app=create_openai_app(host, settings)))
    app: Starlette = Starlette(routes=routes, lifespan=_combined(lifespans))
    guarded: ASGIApp = BodyLimit(app, settings.max_body_bytes)
    if settings.token is not None:
        guarded = BearerAuth(guarded, settings.token)
    return guarded


def _combined(lifespans: list[Lifespan]) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for enter in lifespans:
                await stack.enter_async_context(enter())
            yield

    return lifespan


@asynccontextmanager
async def running_server(
    app: ASGIApp, bind: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Run ``app`` with uvicorn in the current event loop; yields its base URL.

    ``port=0`` picks a free port. The server stops when the block ends.
    """
    import anyio
    import uvicorn

    config = uvicorn.Config(
        app, host=bind, port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve)
        while not server.started:
            if server.should_exit:
                raise UsageError(f"the server could not start on {bind}:{port}")
            await anyio.sleep(0.01)
        sockets = [sock for listener in server.servers for sock in listener.sockets]
        real_port = sockets[0].getsockname()[1]
        try:
            yield f"http://{bind}:{real_port}"
        finally:
            server.should_exit = True


async def serve(
    host: AgentHost,
    *,
    mcp: bool = True,
    a2a: bool = True,
    openai: bool = True,
    bind: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    stdio: bool = False,
    max_body_bytes: int = 1_000_000,
    timeout_s: float = 300.0,
    public_url: str | None = None,
) -> None:
    """Serve ``host`` until interrupted.

    Over HTTP (one port, routes above) by default; ``stdio=True`` serves MCP alone over
    standard input/output instead. Binding anything but loopback needs ``token``.
    """
    if stdio:
        from .mcp_server import serve_mcp_stdio

        await serve_mcp_stdio(host, timeout_s=timeout_s)
        return
    import uvicorn

    settings = ServeSettings(bind, port, token, max_body_bytes, timeout_s)
    app = build_app(host, settings, mcp=mcp, a2a=a2a, openai=openai, public_url=public_url)
    config = uvicorn.Config(app, host=bind, port=port, log_level="info", lifespan="on")
    await uvicorn.Server(config).serve()
