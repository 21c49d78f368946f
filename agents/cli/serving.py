"""``interlace serve``: hand the built system to the servers (MCP, A2A, OpenAI API)."""

from __future__ import annotations

from collections.abc import Sequence

from .common import errors_to_exit, run_async


def serve_command(
    config_path: str,
    *,
    mcp: bool,
    a2a: bool,
    openai: bool,
    host: str,
    port: int,
    token: str | None,
    overrides: Sequence[str],
) -> None:
    """Build the system and serve it until interrupted."""
    from .running import build

    with errors_to_exit():
        system = build(config_path, overrides)
        run_async(_serve, system, mcp, a2a, openai, host, port, token)


async def _serve(
    system: object, mcp: bool, a2a: bool, openai: bool, host: str, port: int, token: str | None
) -> None:
    from interlace.agents.serve import serve
    from interlace.agents.system import System

    assert isinstance(system, System)
    async with system:
        await serve(system, mcp=mcp, a2a=a2a, openai=openai, bind=host, port=port, token=token)
