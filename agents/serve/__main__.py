"""``python -m interlace.agents.serve CONFIG [--stdio]``: serve a config's agents.

``--stdio`` serves MCP over standard input/output (for MCP hosts that start servers as
subprocesses); otherwise every protocol is served over HTTP, as ``interlace serve`` does.
"""

from __future__ import annotations

import argparse
import os
import sys

import anyio

from interlace.protocols.errors import InterlaceError


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m interlace.agents.serve")
    parser.add_argument("config", help="the YAML config file")
    parser.add_argument("--stdio", action="store_true", help="serve MCP over stdin/stdout")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (HTTP)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (HTTP)")
    parser.add_argument("--token", default=os.environ.get("INTERLACE_TOKEN"), help="bearer token")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="KEY=VALUE")
    parser.add_argument("--no-web", dest="web", action="store_false", help="do not serve the page")
    return parser.parse_args(argv)


async def _main(options: argparse.Namespace) -> None:
    from interlace.agents.config import load_config
    from interlace.agents.system import build_system

    from .app import serve
    from .protocols import DEFAULT_PROTOCOLS

    system = build_system(load_config(options.config, options.overrides))
    protocols = [name for name in DEFAULT_PROTOCOLS if options.web or name != "web"]
    async with system:
        await serve(
            system.host(),
            protocols=protocols,
            bind=options.host,
            port=options.port,
            token=options.token,
            stdio=options.stdio,
        )


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; errors exit with the codes of docs/cli.md (an invalid
    config 3, a bad argument 2, a failure 1)."""
    from interlace.agents.cli.common import error_message, exit_code_for

    options = _arguments(argv)
    try:
        anyio.run(_main, options)
    except InterlaceError as exc:
        print(f"error: {error_message(exc)}", file=sys.stderr)
        return int(exit_code_for(exc))
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
