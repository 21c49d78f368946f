"""Planners: the strategies that drive an agent, chosen by name.

Built-ins (``react``, ``plan_execute``, ``router`` / ``supervisor``, ``grounded``) and
plugins fill one registry, :data:`PLANNERS` (plugin hook ``register_planners``); built-ins
load lazily so importing this stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from interlace.plugins.registry import Registry
from interlace.protocols.errors import UsageError

from .base import END, START, Planner, PlannerKit, Route

PlannerFactory = Callable[[], Planner]

PLANNERS: Registry[PlannerFactory] = Registry(
    "planner",
    "register_planners",
    error=UsageError,
    hint="plugins add planners through the register_planners hook",
)
register_planner = PLANNERS.register


def planner_names() -> list[str]:
    """The registered planner names."""
    return PLANNERS.names()


def check_planner_name(name: str) -> None:
    """Raise a :class:`UsageError` with a suggestion when ``name`` is not registered."""
    PLANNERS.entry(name)


def get_planner(name: str) -> Planner:
    """A planner instance for ``name``."""
    return PLANNERS.get(name)()


__all__ = [
    "END",
    "PLANNERS",
    "START",
    "Planner",
    "PlannerFactory",
    "PlannerKit",
    "Route",
    "check_planner_name",
    "get_planner",
    "planner_names",
    "register_planner",
]
