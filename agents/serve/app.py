"""One HTTP app for every server, and :func:`serve` to run it.

Routes: ``/healthz``, plus those of each protocol served: ``/v1/...`` (OpenAI-compatible),
``/mcp`` (MCP Streamable HTTP), ``/a2a`` (A2A JSON-RPC) with the agent card at
``/.well-known/agent-card.json``, the web page (``/``, ``/assets/``, ``/api/``), and
whatever a plugin's protocol adds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

from interlace.protocols.errors import UsageError

from .host import AgentHost
from .middleware import ASGIApp, BearerAuth, BodyLimit, LoopbackOnly
from .protocols import DEFAULT_PROTOCOLS, SERVER_PROTOCOLS, Lifespan
from .settings import ServeSettings

if TYPE_CHECKING:
    from starlette.applications import Starlette

#: Seconds an idle connection stays open: longer than HTTP clients keep theirs (httpx and
#: the OpenAI SDKs: 5 s), so a client never reuses a connection the server just closed.
KEEP_ALIVE_S = 75


def build_app(
    host: AgentHost,
    settings: ServeSettings | None = None,
    *,
    protocols: Sequence[str] = DEFAULT_PROTOCOLS,
    public_url: str | None = None,
) -> ASGIApp:
    """The ASGI app serving ``protocols`` (names in :data:`SERVER_PROTOCOLS`), behind
    the body limit and bearer auth (or, without a token, the loopback host check).

    ``public_url`` is the base URL clients reach the server at (for the A2A agent card);
    by default ``http://BIND:PORT``.
    """
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import BaseRoute, Route

    settings = settings or ServeSettings()
    if not protocols:
        known = ", ".join(SERVER_PROTOCOLS.names())
        raise UsageError(f"nothing to serve: enable at least one protocol (known: {known})")
    url = public_url or f"http://{settings.bind}:{settings.port}"
    routes: list[BaseRoute] = [Route("/healthz", lambda request: PlainTextResponse("ok"))]
    lifespans: list[Lifespan] = []
    own_body_limit: tuple[str, ...] = ()
    middleware: list[Callable[[ASGIApp], ASGIApp]] = []
    for name in dict.fromkeys(protocols):
        parts = SERVER_PROTOCOLS.get(name)(host, settings, url)
        routes += parts.routes
        if parts.lifespan is not None:
            lifespans.append(parts.lifespan)
        own_body_limit += parts.own_body_limit
        if parts.middleware is not None:
            middleware.append(parts.middleware)
    routes.sort(key=lambda route: getattr(route, "path", None) == "")  # catch-all mounts last
    app: Starlette = Starlette(routes=routes, lifespan=_combined(lifespans))
    guarded: ASGIApp = BodyLimit(app, settings.max_body_bytes, own_body_limit)
    if settings.token is not None:
        guarded = BearerAuth(guarded, settings.token)
    else:  # loopback only (ServeSettings refuses other binds without a token)
        guarded = LoopbackOnly(guarded)
    for wrap in middleware:
        guarded = wrap(guarded)
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
        app,
        host=bind,
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,
        timeout_keep_alive=KEEP_ALIVE_S,
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
    protocols: Sequence[str] = DEFAULT_PROTOCOLS,
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
        from .mcp import serve_mcp_stdio

        await serve_mcp_stdio(host, timeout_s=timeout_s)
        return
    import uvicorn

    settings = ServeSettings(bind, port, token, max_body_bytes, timeout_s)
    app = build_app(host, settings, protocols=protocols, public_url=public_url)
    config = uvicorn.Config(
        app, host=bind, port=port, log_level="info", lifespan="on", timeout_keep_alive=KEEP_ALIVE_S
    )
    await uvicorn.Server(config).serve()
