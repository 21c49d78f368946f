"""Planners: the strategies that drive an agent, chosen by name.

Built-ins (``react``, ``plan_execute``, ``router`` / ``supervisor``) and plugins register
through :func:`register_planner`; built-ins load lazily so importing this stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from interlace.plugins import ensure_loaded
from interlace.protocols.errors import UsageError, did_you_mean

from .base import Planner, PlannerKit

PlannerFactory = Callable[[], Planner]

# Filled through the plugin hooks (built-ins included, see interlace.plugins.builtins).
_factories: dict[str, PlannerFactory | str] = {}


def register_planner(name: str, factory: PlannerFactory | str, *, replace: bool = False) -> None:
    """Register a planner factory (a callable or ``"module:attribute"``) under ``name``."""
    if name in _factories and not replace and _factories[name] != factory:
        raise UsageError(
            f"planner {name!r} is already registered; pass replace=True to override it"
        )
    _factories[name] = factory


def unregister_planner(name: str) -> None:
    """Forget planner ``name`` (used when a plugin is no longer allowed)."""
    _factories.pop(name, None)


def planner_names() -> list[str]:
    """The registered planner names."""
    ensure_loaded()
    return sorted(_factories)


def check_planner_name(name: str) -> None:
    """Raise a :class:`UsageError` with a suggestion when ``name`` is not registered."""
    ensure_loaded()
    if name in _factories:
        return
    raise UsageError(
        f"unknown planner {name!r}{did_you_mean(name, _factories)} "
        f"(known: {', '.join(planner_names())}); "
        "plugins add planners with interlace.agents.planners.register_planner"
    )


def get_planner(name: str) -> Planner:
    """A planner instance for ``name``."""
    check_planner_name(name)
    factory = _factories[name]
    if isinstance(factory, str):
        module_name, _, attribute = factory.partition(":")
        factory = getattr(importlib.import_module(module_name), attribute)
        _factories[name] = factory
    return factory()


__all__ = [
    "Planner",
    "PlannerFactory",
    "PlannerKit",
    "check_planner_name",
    "get_planner",
    "planner_names",
    "register_planner",
]
