"""The hook implementations: what this plugin adds to interlace.

Each hook receives ``register``; built-ins register through these same hooks. Targets
are ``"module:attribute"`` strings, imported only when a config uses them.
"""

from __future__ import annotations

from typing import Any

from interlace.plugins import hookimpl

HERE = "interlace_plugin_example"


@hookimpl
def register_backends(register: Any) -> None:
    register("reverse", f"{HERE}.backend:reverse_from_ref")


@hookimpl
def register_planners(register: Any) -> None:
    register("one_round", f"{HERE}.planner:OneRoundPlanner")


@hookimpl
def register_toolset_kinds(register: Any) -> None:
    register(
        "glossary",
        f"{HERE}.glossary:glossary_toolset",
        options=f"{HERE}.glossary:GlossaryOptions",
        paths=("file",),
    )


@hookimpl
def register_server_protocols(register: Any) -> None:
    register("plain", f"{HERE}.protocol:plain_parts")


@hookimpl
def register_tools(register: Any) -> None:
    from .tool import shout

    register(shout)


@hookimpl
def register_commands(cli: Any) -> None:
    @cli.command("example-hello")
    def hello(name: str = "world") -> None:
        """Say hello (a command added by the example plugin)."""
        print(f"hello, {name}, from the example plugin")
