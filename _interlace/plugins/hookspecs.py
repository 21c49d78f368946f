"""The plugin hooks: a plugin implements any of these with ``@hookimpl``.

Each ``register_*`` hook receives a ``register`` callable bound to the plugin, so that
``interlace plugins`` can show what every plugin added. Built-ins register through these
same hooks (see :mod:`interlace.plugins.builtins`).
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("interlace")
hookimpl = pluggy.HookimplMarker("interlace")


@hookspec
def register_backends(register: Any) -> None:
    """``register(scheme, factory)``: a backend for model references ``scheme:...``.

    ``factory`` takes a :class:`~interlace.runtimes.ModelRef` and returns a backend, or is
    a ``"module:function"`` string imported on first use.
    """


@hookspec
def register_planners(register: Any) -> None:
    """``register(name, factory)``: a planner chosen in config by ``planner: name``."""


@hookspec
def register_toolset_kinds(register: Any) -> None:
    """``register(kind, options_model, factory)``: a toolset kind for ``toolsets:`` blocks."""


@hookspec
def register_tools(register: Any) -> None:
    """``register(tool)``: a ``@tool`` usable by name in a ``kind: python`` toolset."""


@hookspec
def register_agents(register: Any) -> None:
    """``register(name, factory)``: a ready-made agent; ``factory()`` returns a mapping of
    agent config fields (instructions, planner, tools, ...) that config can extend."""


@hookspec
def register_stores(register: Any) -> None:
    """``register(name, factory)``: a retrieval store type selectable in config."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the ``interlace`` CLI (a ``typer.Typer``)."""
