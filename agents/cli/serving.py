"""``interlace serve``: hand the built system to the servers (MCP, A2A, OpenAI API)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .common import errors_to_exit, run_async


class ServeOptions(NamedTuple):
    """What to serve and where (the CLI flags of ``interlace serve``)."""

    protocols: list[str]
    host: str
    port: int
    token: str | None
    stdio: bool = False


def serve_command(config_path: str, options: ServeOptions, *, overrides: Sequence[str]) -> None:
    """Build the system and serve it until interrupted."""
    from .running import build

    with errors_to_exit():
        system = build(config_path, overrides)
        run_async(_serve, system, options)


async def _serve(system: object, options: ServeOptions) -> None:
    from interlace.agents.serve import serve
    from interlace.agents.system import System

    assert isinstance(system, System)
    async with system:
        await serve(
            system,
            protocols=options.protocols,
            bind=options.host,
            port=options.port,
            token=options.token,
            stdio=options.stdio,
        )
