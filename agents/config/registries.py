"""Every name a config uses resolves here, through the registries of other areas.

Backends come from :mod:`interlace.runtimes.registry`, planners from
:mod:`interlace.agents.planners`, toolset kinds from :mod:`interlace.tools.registry`,
store settings from :mod:`interlace.tools.retrieval.settings`. Plugins fill the same
registries, so they are loaded first. This module is the only coupling point.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from interlace.runtimes.base import Backend


@cache
def load_plugins() -> None:
    """Load installed plugins once, when the plugin module exists (a broken one is skipped)."""
    try:
        plugins = importlib.import_module("interlace.agents.plugins")
    except ModuleNotFoundError as error:
        if error.name != "interlace.agents.plugins":
            raise
        return
    loader = getattr(plugins, "load_plugins", None)
    if callable(loader):
        loader()


def backend_schemes() -> list[str]:
    """Registered model reference schemes (``llamacpp``, ``openai``, ``scripted``, ...)."""
    from interlace.runtimes.registry import backend_schemes as schemes

    load_plugins()
    return schemes()


def planner_names() -> list[str]:
    """Registered planner names (``react``, ``plan_execute``, ...)."""
    from interlace.agents.planners import planner_names as names

    load_plugins()
    return names()


def toolset_kinds() -> dict[str, type[BaseModel]]:
    """Registered toolset kinds and their options models."""
    from interlace.tools.registry import toolset_kinds as kinds

    load_plugins()
    return {name: kind.options for name, kind in kinds().items()}


def builtin_tool_names() -> list[str]:
    """Names accepted by the ``builtin`` toolset kind."""
    from typing import get_args

    from interlace.tools.kinds import BuiltinName

    return list(get_args(BuiltinName))


def plugin_tool_names() -> list[str]:
    """Tools that plugins registered by name (usable in an agent's ``tools`` list)."""
    from interlace.plugins import EXTRAS, ensure_loaded

    ensure_loaded()
    return sorted(EXTRAS["tool"])


def limits_model() -> type[BaseModel]:
    """The agents' ``Limits`` model."""
    from interlace.agents.agent import Limits

    return Limits


def store_settings_model() -> type[BaseModel]:
    """The retrieval ``StoreSettings`` model."""
    from interlace.tools.retrieval.settings import StoreSettings

    return StoreSettings


def resolve_backend(reference: str | dict[str, Any]) -> Backend:
    """The backend for a reference: strings are shared per process, blocks built anew."""
    if isinstance(reference, str):
        from interlace.agents.models import get_backend

        return get_backend(reference)
    from interlace.runtimes.registry import resolve_backend as resolve

    return resolve(reference)


def runner() -> Any:
    """The agents' runner module, with ``run``, ``stream`` and ``resume``."""
    return importlib.import_module("interlace.agents.run")
