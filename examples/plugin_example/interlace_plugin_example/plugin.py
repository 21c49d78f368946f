"""The hook implementations: what this plugin adds to interlace."""

from __future__ import annotations

from typing import Any

from interlace.plugins import hookimpl


@hookimpl
def register_tools(register: Any) -> None:
    from .tool import shout

    register(shout)


@hookimpl
def register_planners(register: Any) -> None:
    register("one_round", "interlace_plugin_example.planner:OneRoundPlanner")


@hookimpl
def register_backends(register: Any) -> None:
    register("reverse", "interlace_plugin_example.backend:reverse_from_ref")


@hookimpl
def register_commands(cli: Any) -> None:
    @cli.command("example-hello")
    def hello(name: str = "world") -> None:
        """Say hello (a command added by the example plugin)."""
        print(f"hello, {name}, from the example plugin")
