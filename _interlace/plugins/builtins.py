"""interlace's own backends, planners and toolset kinds, registered through the plugin hooks.

Everything is named by ``"module:attribute"`` strings, so nothing heavy is imported until
a config actually uses it.
"""

from __future__ import annotations

from typing import Any

from .hookspecs import hookimpl

BACKENDS = {
    "scripted": "interlace.runtimes.scripted_ref:scripted_from_ref",
    "llamacpp": "interlace.runtimes.llamacpp:from_ref",
    "openai": "interlace.runtimes.openai:openai_from_ref",
    "litellm": "interlace.runtimes.litellm_backend:litellm_from_ref",
}
PLANNERS = {
    "react": "interlace.agents.planners.react:ReactPlanner",
    "plan_execute": "interlace.agents.planners.plan_execute:PlanExecutePlanner",
    "router": "interlace.agents.planners.router:RouterPlanner",
    "supervisor": "interlace.agents.planners.router:RouterPlanner",
    "grounded": "interlace.agents.rag.planner:GroundedPlanner",
}
# kind -> module whose import registers it (options model + factory live there)
TOOLSET_KINDS = {
    "python": "interlace.tools.kinds",
    "builtin": "interlace.tools.kinds",
    "mcp": "interlace.tools.mcp.kind",
    "retrieval": "interlace.tools.retrieval.kind",
    "a2a": "interlace.tools.a2a.kind",
}


@hookimpl
def register_backends(register: Any) -> None:
    for scheme, factory in BACKENDS.items():
        register(scheme, factory)


@hookimpl
def register_planners(register: Any) -> None:
    for name, factory in PLANNERS.items():
        register(name, factory)


@hookimpl
def register_toolset_kinds(register: Any) -> None:
    for kind, module in TOOLSET_KINDS.items():
        register(kind, module)
