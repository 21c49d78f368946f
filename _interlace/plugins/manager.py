"""Discover, filter and load plugins; a broken plugin is reported and skipped."""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal

import pluggy

from . import builtins, hookspecs

ENTRY_POINT_GROUP = "interlace"
ALLOW_ENV = "INTERLACE_PLUGINS"
BUILTIN_NAME = "interlace (built-in)"
HOOKS = (
    "register_backends",
    "register_planners",
    "register_toolset_kinds",
    "register_tools",
    "register_agents",
    "register_stores",
)
Status = Literal["builtin", "loaded", "failed", "blocked"]


@dataclass
class PluginInfo:
    """One plugin: where it came from, what it registered, and whether it works."""

    name: str
    version: str | None
    status: Status
    error: str | None = None
    registered: list[str] = field(default_factory=list)


def allowlist_from_env() -> frozenset[str] | None:
    """``INTERLACE_PLUGINS=a,b`` allows only those third-party plugins; ``none`` allows
    none; unset allows all."""
    raw = os.environ.get(ALLOW_ENV)
    if raw is None:
        return None
    names = {name.strip() for name in raw.split(",") if name.strip()}
    return frozenset() if names == {"none"} else frozenset(names)


# kind -> (owning registry module, its register function, its unregister function)
_REGISTRIES = {
    "backend": ("interlace.runtimes.registry", "register_backend", "unregister_backend"),
    "planner": ("interlace.agents.planners", "register_planner", "unregister_planner"),
    "toolset_kind": (
        "interlace.tools.registry",
        "register_toolset_kind",
        "unregister_toolset_kind",
    ),
}


def _registry_function(kind: str, index: int) -> Callable[..., None]:
    module, *functions = _REGISTRIES[kind]
    function: Callable[..., None] = getattr(importlib.import_module(module), functions[index])
    return function


def _apply(kind: str, args: tuple[Any, ...]) -> None:
    """Hand one registration to the registry that owns it (plugins may replace built-ins)."""
    if kind in _REGISTRIES:
        _registry_function(kind, 0)(*args, replace=True)
    else:
        EXTRAS[kind][_extra_name(args)] = args[-1]


def _remove(kind: str, name: str) -> None:
    """Undo one registration of a plugin that is no longer allowed."""
    if kind in _REGISTRIES:
        _registry_function(kind, 1)(name)
    elif kind in EXTRAS:
        EXTRAS[kind].pop(name, None)


def _extra_name(args: tuple[Any, ...]) -> str:
    return str(args[0]) if len(args) > 1 else str(getattr(args[0], "name", args[0]))


# Registrations that no subpackage registry owns: named tools, agent templates, stores.
EXTRAS: dict[str, dict[str, Any]] = {"tool": {}, "agent": {}, "store": {}}
_HOOK_KINDS = {
    "register_backends": "backend",
    "register_planners": "planner",
    "register_toolset_kinds": "toolset_kind",
    "register_tools": "tool",
    "register_agents": "agent",
    "register_stores": "store",
}


class PluginHost:
    """Loads built-ins and entry-point plugins once, isolating each plugin's failures."""

    def __init__(self, allow: Collection[str] | None = None) -> None:
        self.allow = None if allow is None else frozenset(allow)
        self.manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.manager.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}

    def load(self) -> None:
        """Register the built-ins, then every allowed entry point, then run the hooks."""
        self.manager.register(builtins, name=BUILTIN_NAME)
        self.plugins[BUILTIN_NAME] = PluginInfo(BUILTIN_NAME, None, "builtin")
        for point in entry_points(group=ENTRY_POINT_GROUP):
            self._load_entry_point(point)
        for name, info in self.plugins.items():
            if info.status in ("builtin", "loaded"):
                self._run_hooks(name, info)

    def _load_entry_point(self, point: EntryPoint) -> None:
        version = point.dist.version if point.dist else None
        if self.allow is not None and point.name not in self.allow:
            self.plugins[point.name] = PluginInfo(
                point.name, version, "blocked", f"not in the allowlist ({ALLOW_ENV})"
            )
            return
        try:
            plugin = point.load()
            self.manager.register(plugin, name=point.name)
        except Exception as error:  # a broken plugin must not take the rest down
            self.plugins[point.name] = PluginInfo(point.name, version, "failed", _describe(error))
            return
        self.plugins[point.name] = PluginInfo(point.name, version, "loaded")

    def _run_hooks(self, name: str, info: PluginInfo) -> None:
        plugin = self.manager.get_plugin(name)
        pending: list[tuple[str, tuple[Any, ...]]] = []
        try:
            for hook in HOOKS:
                function = getattr(plugin, hook, None)
                if function is not None:
                    kind = _HOOK_KINDS[hook]
                    function(register=_collector(kind, pending))
            for kind, args in pending:
                _apply(kind, args)
                info.registered.append(f"{kind}:{_extra_name(args)}")
        except Exception as error:
            info.status, info.error = "failed", _describe(error)

    def add_commands(self, cli: Any) -> None:
        """Let every working plugin add CLI commands; failures are recorded, not raised."""
        for name, info in self.plugins.items():
            function = getattr(self.manager.get_plugin(name), "register_commands", None)
            if function is None or info.status not in ("builtin", "loaded"):
                continue
            try:
                function(cli=cli)
                info.registered.append("commands")
            except Exception as error:
                info.status, info.error = "failed", _describe(error)


def _collector(kind: str, pending: list[tuple[str, tuple[Any, ...]]]) -> Callable[..., None]:
    def register(*args: Any) -> None:
        pending.append((kind, args))

    return register


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


_lock = threading.RLock()
_host: PluginHost | None = None


def ensure_loaded(allow: Collection[str] | None = None) -> PluginHost:
    """Load plugins once per process (``allow`` defaults to ``INTERLACE_PLUGINS``)."""
    global _host
    with _lock:
        if _host is None:
            _host = PluginHost(allow if allow is not None else allowlist_from_env())
            _host.load()
        return _host


def reload_plugins(allow: Collection[str] | None = None) -> PluginHost:
    """Undo third-party registrations and load again (e.g. under a config's allowlist)."""
    global _host
    with _lock:
        if _host is not None:
            for info in _host.plugins.values():
                if info.status != "builtin":
                    for entry in info.registered:
                        kind, _, name = entry.partition(":")
                        _remove(kind, name)
        _host = None
        return ensure_loaded(allow)
