"""The ``interlace`` command line (typer + rich).

Commands import their heavy parts inside the function body, so ``interlace --help``
answers quickly. Exit codes are listed in :class:`interlace.agents.cli.common.Exit`.
"""

from __future__ import annotations

from typing import Any


def main() -> None:
    """Entry point of the ``interlace`` script."""
    from .app import app
    from .common import end_process

    _add_plugin_commands(app)
    try:
        app()
    except SystemExit as stop:
        end_process(stop)  # a one-shot command skips the interpreter's teardown
        raise


def _add_plugin_commands(app: Any) -> None:
    """Let plugins add commands; skipped for a bare ``--help`` so it stays instant."""
    import sys

    if sys.argv[1:] in ([], ["--help"], ["-h"]):
        return
    from interlace.plugins import ensure_loaded

    ensure_loaded().add_commands(app)


def __getattr__(name: str) -> Any:
    if name == "app":
        from .app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
