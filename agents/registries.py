"""Agent templates, and every registry of interlace in one list.

A template is ``AGENT_TEMPLATES.register(name, factory)`` (plugin hook
``register_agents``): ``factory()`` returns a mapping of agent config fields
(instructions, planner, tools, ...) that a config's ``agents: {x: {template: name}}``
starts from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from interlace.plugins.registry import Registry
from interlace.protocols.errors import ConfigError

AgentTemplate = Callable[[], Mapping[str, Any]]

AGENT_TEMPLATES: Registry[AgentTemplate] = Registry(
    "agent template",
    "register_agents",
    error=ConfigError,
    hint="plugins add templates through the register_agents hook",
)


def every_registry() -> list[Registry[Any]]:
    """Every registry, in the order of the layers (``interlace plugins`` fills them all)."""
    from interlace.runtimes.registry import BACKENDS
    from interlace.tools.registry import STORES, TOOLS, TOOLSET_KINDS

    from .planners import PLANNERS
    from .serve.protocols import SERVER_PROTOCOLS

    return [BACKENDS, TOOLSET_KINDS, TOOLS, STORES, PLANNERS, AGENT_TEMPLATES, SERVER_PROTOCOLS]
