"""Discover, filter and load plugins; a broken plugin is reported and skipped.

The host runs every working plugin's ``register_*`` hooks once, with a ``register`` that
records each call. Registries live in the layers that use them; each hands itself down to
:func:`fill` on first use, and the host replays the recorded calls of the registry's hook
into it. The host imports nothing above itself.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, Literal

import pluggy

from . import builtins, hookspecs

if TYPE_CHECKING:
    from .registry import Registry

ENTRY_POINT_GROUP = "interlace"
ALLOW_ENV = "INTERLACE_PLUGINS"
BUILTIN_NAME = "interlace (built-in)"
Status = Literal["builtin", "loaded", "failed", "blocked"]
Call = tuple[tuple[Any, ...], dict[str, Any]]


@dataclass
class PluginInfo:
    """One plugin: where it came from, what it registered, and whether it works."""

    name: str
    version: str | None
    status: Status
    error: str | None = None
    registered: list[str] = field(default_factory=list)

    @property
    def working(self) -> bool:
        """Whether its registrations count (built-in or loaded)."""
        return self.status in ("builtin", "loaded")


def allowlist_from_env() -> frozenset[str] | None:
    """``INTERLACE_PLUGINS=a,b`` allows only those third-party plugins; ``none`` allows
    none; unset allows all."""
    raw = os.environ.get(ALLOW_ENV)
    if raw is None:
        return None
    names = {name.strip() for name in raw.split(",") if name.strip()}
    return frozenset() if names == {"none"} else frozenset(names)


class PluginHost:
    """Loads built-ins and entry-point plugins once, isolating each plugin's failures."""

    def __init__(self, allow: Collection[str] | None = None) -> None:
        self.allow = None if allow is None else frozenset(allow)
        self.manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.manager.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.calls: dict[str, dict[str, list[Call]]] = {}  # plugin -> hook -> calls

    def load(self) -> None:
        """Register the built-ins, then every allowed entry point; record their hooks."""
        self.manager.register(builtins, name=BUILTIN_NAME)
        self.plugins[BUILTIN_NAME] = PluginInfo(BUILTIN_NAME, None, "builtin")
        for point in entry_points(group=ENTRY_POINT_GROUP):
            self._load_entry_point(point)
        for name, info in self.plugins.items():
            if info.working:
                self._record_hooks(name, info)

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

    def _record_hooks(self, name: str, info: PluginInfo) -> None:
        plugin = self.manager.get_plugin(name)
        recorded: dict[str, list[Call]] = {}
        try:
            for hook, kind in hookspecs.HOOK_KINDS.items():
                function = getattr(plugin, hook, None)
                if function is not None:
                    calls = recorded.setdefault(hook, [])
                    function(register=_recorder(calls))
                    info.registered += [f"{kind}:{_call_name(call)}" for call in calls]
        except Exception as error:  # nothing a failing plugin registered is kept
            info.status, info.error, info.registered = "failed", _describe(error), []
            return
        self.calls[name] = recorded

    def fill(self, registry: Registry[Any]) -> None:
        """Replay every working plugin's registrations for ``registry``'s hook into it,
        built-ins first; a registration the registry refuses fails its plugin."""
        for name, info in self.plugins.items():
            for args, kwargs in self.calls.get(name, {}).get(registry.hook, []):
                if not info.working:
                    break
                try:
                    target = args[1] if len(args) > 1 else None
                    registry.add(args[0], target, kwargs, replace=True, plugin=name)
                except Exception as error:
                    _fail(name, info, error)

    def add_commands(self, cli: Any) -> None:
        """Let every working plugin add CLI commands; failures are recorded, not raised."""
        for name, info in self.plugins.items():
            function = getattr(self.manager.get_plugin(name), "register_commands", None)
            if function is None or not info.working:
                continue
            try:
                function(cli=cli)
                info.registered.append("commands")
            except Exception as error:
                info.status, info.error = "failed", _describe(error)


def _recorder(calls: list[Call]) -> Callable[..., None]:
    def register(*args: Any, **kwargs: Any) -> None:
        if not args:
            raise TypeError("register() needs a name (or an object with a name) first")
        calls.append((args, kwargs))

    return register


def _call_name(call: Call) -> str:
    args = call[0]
    return str(args[0]) if len(args) > 1 else str(getattr(args[0], "name", args[0]))


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


_lock = threading.RLock()
_host: PluginHost | None = None
_registries: list[Registry[Any]] = []  # every registry filled so far


def _fail(name: str, info: PluginInfo, error: Exception) -> None:
    """Mark a plugin failed and take back what it registered anywhere."""
    info.status, info.error, info.registered = "failed", _describe(error), []
    for registry in _registries:
        for entry in list(registry.entries().values()):
            if entry.plugin == name:
                registry.unregister(entry.name)


def ensure_loaded(allow: Collection[str] | None = None) -> PluginHost:
    """Load plugins once per process (``allow`` defaults to ``INTERLACE_PLUGINS``)."""
    global _host
    with _lock:
        if _host is None:
            _host = PluginHost(allow if allow is not None else allowlist_from_env())
            _host.load()
        return _host


def fill(registry: Registry[Any]) -> None:
    """Fill ``registry`` from the plugin hooks (registries call this on first use)."""
    with _lock:
        host = ensure_loaded()
        if registry not in _registries:
            _registries.append(registry)
        host.fill(registry)


def reload_plugins(allow: Collection[str] | None = None) -> PluginHost:
    """Forget every hook registration and load again (e.g. under a config's allowlist);
    registries fill again on their next use."""
    global _host
    with _lock:
        for registry in _registries:
            registry.forget_plugins()
        _host = None
        return ensure_loaded(allow)
