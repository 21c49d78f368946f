"""The plugin hooks: a plugin implements any of these with ``@hookimpl``.

Every ``register_*`` hook receives one ``register(name, target, **metadata)`` callable
(``register_tools`` also takes a tool alone: ``register(tool)``). ``target`` may be a
``"module:attribute"`` string, imported only when a config uses it. The metadata is what
generic code needs to know about the registration (options model, remote or not, ...);
each hook lists its keys. Built-ins register through these same hooks (see
:mod:`interlace.plugins.builtins`), and ``interlace plugins`` shows what each plugin added.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("interlace")
hookimpl = pluggy.HookimplMarker("interlace")

HOOK_KINDS = {
    "register_backends": "backend",
    "register_planners": "planner",
    "register_decision_formats": "decision_format",
    "register_toolset_kinds": "toolset_kind",
    "register_tools": "tool",
    "register_stores": "store",
    "register_checkpointers": "checkpointer",
    "register_agents": "agent",
    "register_server_protocols": "server_protocol",
}
"""Each registering hook and the kind of thing it registers (as ``interlace plugins`` and
the registries name it)."""


@hookspec
def register_backends(register: Any) -> None:
    """``register(scheme, factory, **metadata)``: a backend for model references
    ``scheme:target`` (``factory(ModelRef) -> Backend``).

    Metadata: ``options`` (a pydantic model of the reference's options, checked when the
    config loads), ``target`` (the option the reference's target fills, e.g.
    ``base_url``), ``remote`` (True when it sends prompts off the machine, which
    ``offline: strict`` refuses), ``files`` (``files(ModelRef) -> list[Path]``: local files
    it needs, which ``interlace doctor`` checks), ``members`` (``members(ModelRef) ->
    list[ModelRef]`` for a backend made of others, like a pool), ``block_key`` (a key that
    marks a config block as this backend's without ``backend:``), ``probe`` (``async
    probe(backend)``: a cheap health check that pools use) and ``pool_defaults`` (options a
    pool gives its members of this backend unless they set them).
    """


@hookspec
def register_planners(register: Any) -> None:
    """``register(name, planner_class)``: a planner chosen in config by ``planner: name``."""


@hookspec
def register_decision_formats(register: Any) -> None:
    """``register(name, factory)``: a decision format chosen by an agent's
    ``decision_format: name`` (``factory()`` returns a
    :class:`~interlace.agents.decisions.DecisionFormat`)."""


@hookspec
def register_toolset_kinds(register: Any) -> None:
    """``register(kind, factory, options=Model, **metadata)``: a toolset kind for
    ``toolsets:`` blocks (``factory(options) -> Toolset``).

    Metadata: ``options`` (the pydantic options model, ``extra="forbid"``), ``paths``
    (option names holding paths, resolved against the config file's folder), ``stores``
    (option names that may name a store of the config's ``retrieval:`` section).
    """


@hookspec
def register_tools(register: Any) -> None:
    """``register(tool)``: a ``@tool`` usable by name in an agent's ``tools`` list."""


@hookspec
def register_stores(register: Any) -> None:
    """``register(type, opener, options=Model, paths=(...))``: a retrieval store type,
    chosen in config by ``retrieval: {NAME: {type: TYPE, ...}}`` (``opener(options)``
    returns the store). Metadata ``hosts`` (``hosts(options) -> list[str]``) names the
    servers it connects to, which ``offline: strict`` keeps reachable."""


@hookspec
def register_checkpointers(register: Any) -> None:
    """``register(kind, opener, options=Model, **metadata)``: where conversation threads
    are kept, chosen in config by ``checkpoints: {type: KIND, ...}``. ``opener(options)``
    is an async context manager giving a LangGraph checkpoint saver for one run.

    Metadata: ``options`` (the options model), ``url_schemes`` (URL schemes that name this
    kind: ``checkpoints: SCHEME://...`` sets its ``url`` option), ``paths`` (options
    holding paths), ``hosts`` (``hosts(options) -> list[str]``: servers it connects to).
    """


@hookspec
def register_agents(register: Any) -> None:
    """``register(name, factory)``: a ready-made agent template; ``factory()`` returns a
    mapping of agent config fields (instructions, planner, tools, ...) that a config's
    ``agents: {x: {template: name, ...}}`` extends."""


@hookspec
def register_server_protocols(register: Any) -> None:
    """``register(name, factory)``: a protocol ``interlace serve`` can expose;
    ``factory(host, settings, base_url)`` returns its :class:`ServerParts` (routes and an
    optional lifespan)."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands to the ``interlace`` CLI (a ``typer.Typer``)."""
