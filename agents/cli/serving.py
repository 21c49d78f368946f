"""``interlace serve``: hand the built system to the servers (MCP, A2A, OpenAI API, web
page); ``interlace chat --web``: serve the page alone and open it in the browser."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from .common import errors_to_exit, run_async, stderr

if TYPE_CHECKING:
    from interlace.agents.system import System


class ServeOptions(NamedTuple):
    """What to serve and where (the CLI flags of ``interlace serve``)."""

    protocols: list[str]
    host: str
    port: int
    token: str | None
    stdio: bool = False
    timeout_s: float = 300.0


def serve_command(config_path: str, options: ServeOptions, *, overrides: Sequence[str]) -> None:
    """Build the system and serve it until interrupted."""
    from interlace.agents.serve.settings import ServeSettings

    from .running import build

    with errors_to_exit():
        if not options.stdio:  # a bad token or bind fails before anything is built
            ServeSettings(bind=options.host, port=options.port, token=options.token)
        system = build(config_path, overrides)
        run_async(_serve, system, options)


async def _serve(system: object, options: ServeOptions) -> None:
    from interlace.agents.serve import serve
    from interlace.agents.system import System

    assert isinstance(system, System)
    async with system:
        await serve(
            system.host(),
            protocols=options.protocols,
            bind=options.host,
            port=options.port,
            token=options.token,
            stdio=options.stdio,
            timeout_s=options.timeout_s,
        )


def web_chat_command(
    config_path: str,
    *,
    agent: str | None,
    thread: str | None,
    port: int,
    overrides: Sequence[str],
) -> None:
    """Serve the web page on loopback (behind ``INTERLACE_TOKEN``, else a fresh token) and
    open it, signed in, in the browser; Ctrl-C stops."""
    import os
    import secrets

    from .running import build

    with errors_to_exit():
        system = build(config_path, overrides)
        if agent is not None:
            system.target(agent)  # an unknown name fails here, with suggestions
        token = os.environ.get("INTERLACE_TOKEN") or secrets.token_urlsafe(24)
        run_async(_web_chat, system, token, port, _page_path(agent, thread))


def _page_path(agent: str | None, thread: str | None) -> str:
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in (("agent", agent), ("thread", thread)) if v})
    return "/" + (f"?{query}" if query else "")


async def _web_chat(system: System, token: str, port: int, page: str) -> None:
    import webbrowser
    from urllib.parse import quote

    import anyio

    from interlace.agents.serve.app import build_app, running_server
    from interlace.agents.serve.settings import ServeSettings

    app = build_app(system.host(), ServeSettings(port=port, token=token), protocols=["web"])
    async with system, running_server(app, port=port) as url:
        # The token rides in the fragment, which browsers never send to the server.
        link = f"{url}/login?next={quote(page, safe='')}#token={quote(token, safe='')}"
        stderr().print(f"[green]web chat at {url}/[/] (Ctrl-C stops)")
        print(f"open {link}", flush=True)
        await anyio.to_thread.run_sync(webbrowser.open, link)
        await anyio.sleep_forever()
