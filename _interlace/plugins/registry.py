"""One generic registry for every pluggable kind of thing.

Backends, planners, toolset kinds, tools, stores, agent templates and server protocols
are each one :class:`Registry`, owned by the layer that uses it (``interlace.runtimes``
owns the backends, ``interlace.tools`` the toolset kinds, ...). Built-ins and plugins fill
them alike, through the plugin hooks: a registry hands itself down to the plugin host the
first time it is used (:func:`interlace.plugins.manager.fill`), and the host replays what
every plugin registered under the registry's hook. This module imports nothing of
interlace, so every layer can use it.

A registration names a target (a callable, a class, any object) and carries metadata that
generic code reads instead of naming specific kinds, e.g. a backend's ``options`` model
and whether it is ``remote``. Targets, and the metadata keys a registry declares lazy, may
be ``"module:attribute"`` strings, imported on first use, so registering costs nothing.
"""

from __future__ import annotations

import difflib
import importlib
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

T = TypeVar("T")
M = TypeVar("M", bound="BaseModel")


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'react'?"`` for the known name nearest ``name``, else ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def suggest(name: str, known: Iterable[str]) -> str:
    """``"did you mean 'react'? known: a, b"``: the nearest known name, and all of them."""
    options = sorted(set(known))
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    listing = f"known: {', '.join(options)}" if options else "none are defined"
    return f"did you mean {close[0]!r}? {listing}" if close else listing


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` is imported from its submodule
    ``exports[name]`` on first use (so importing the package stays cheap), then kept."""

    def attribute(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    return attribute


def load_target(path: str) -> Any:
    """The object a ``"module:attribute"`` string names (``a.b:C.d`` walks attributes)."""
    module_name, sep, attributes = path.partition(":")
    if not sep or not module_name or not attributes:
        raise ValueError(f"{path!r} is not a 'module:attribute' path")
    value: Any = importlib.import_module(module_name)
    for attribute in attributes.split("."):
        value = getattr(value, attribute)
    return value


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registration: a name, its target, its metadata and who registered it.

    ``plugin`` is the plugin whose hook registered it (``None``: registered in Python).
    """

    name: str
    target: T | str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    plugin: str | None = None

    def get(self, key: str, default: Any = None) -> Any:
        """A metadata value as registered (lazy ones may still be strings)."""
        return self.metadata.get(key, default)


def _same(entry: Entry[Any], target: Any, metadata: Mapping[str, Any]) -> bool:
    """Whether a registration repeats ``entry`` (registering twice is harmless)."""
    return (entry.target is target or entry.target == target) and entry.metadata == metadata


class Registry(Generic[T]):
    """Named things of one kind, filled by built-ins and plugins through one hook.

    ``kind`` names the kind in messages and in ``interlace plugins`` (``backend``);
    ``hook`` is the plugin hook that fills it (``register_backends``); ``error`` is the
    exception raised for an unknown name, with ``hint`` appended; ``lazy`` lists the
    metadata keys whose string values are ``"module:attribute"`` paths.
    """

    def __init__(
        self,
        kind: str,
        hook: str,
        *,
        error: Callable[[str], Exception] = LookupError,
        hint: str = "",
        lazy: Iterable[str] = (),
    ) -> None:
        self.kind = kind
        self.hook = hook
        self.error = error
        self.hint = hint
        self.lazy = frozenset(lazy)
        self._entries: dict[str, Entry[T]] = {}
        self._filled = False
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self._entries)} entries)"

    # --- registering -------------------------------------------------------------------

    def register(
        self,
        name: str | Any,
        target: T | str | None = None,
        /,
        *,
        replace: bool = False,
        **metadata: Any,
    ) -> None:
        """Register ``target`` under ``name`` (or an object under its ``.name``).

        ``target`` may be a ``"module:attribute"`` string. Registering a taken name with
        another target raises unless ``replace=True``.
        """
        self.ensure_filled()
        self.add(name, target, metadata, replace=replace)

    def add(
        self,
        name: str | Any,
        target: T | str | None,
        metadata: Mapping[str, Any],
        *,
        replace: bool = False,
        plugin: str | None = None,
    ) -> str:
        """Store one registration without filling first (the host's path); returns its name."""
        if target is None:
            name, target = getattr(name, "name", None), name
        if target is None or not isinstance(name, str) or not name:
            raise self.error(f"a {self.kind} registration needs a name; got {name!r}")
        with self._lock:
            existing = self._entries.get(name)
            if existing is not None and not replace and not _same(existing, target, metadata):
                raise self.error(
                    f"{self.kind} {name!r} is already registered; pass replace=True to override it"
                )
            self._entries[name] = Entry(name, target, dict(metadata), plugin)
        return name

    def unregister(self, name: str) -> None:
        """Forget ``name`` (nothing happens when it is not registered)."""
        with self._lock:
            self._entries.pop(name, None)

    # --- filling through the plugin host ---------------------------------------------------

    def ensure_filled(self) -> None:
        """Let the plugin host fill this registry from the hooks, once per process."""
        if self._filled:
            return
        from .manager import fill

        with self._lock:
            if not self._filled:
                self._filled = True
                fill(self)

    def forget_plugins(self) -> None:
        """Drop every registration that came through a hook; the next use fills again."""
        with self._lock:
            self._entries = {k: e for k, e in self._entries.items() if e.plugin is None}
            self._filled = False

    # --- looking up ----------------------------------------------------------------------

    def __contains__(self, name: object) -> bool:
        self.ensure_filled()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        self.ensure_filled()
        return len(self._entries)

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        self.ensure_filled()
        return sorted(self._entries)

    def entries(self) -> dict[str, Entry[T]]:
        """Every registration by name, sorted."""
        self.ensure_filled()
        return dict(sorted(self._entries.items()))

    def unknown(self, name: str) -> Exception:
        """The error for an unknown ``name``: the nearest name and the known ones."""
        known = self.names()
        listing = ", ".join(known) or "none"
        hint = f"; {self.hint}" if self.hint else ""
        return self.error(
            f"unknown {self.kind} {name!r}{did_you_mean(name, known)} (known: {listing}){hint}"
        )

    def entry(self, name: str) -> Entry[T]:
        """The registration of ``name``, or the registry's error naming the known ones."""
        self.ensure_filled()
        found = self._entries.get(name)
        if found is None:
            raise self.unknown(name)
        return found

    def get(self, name: str) -> T:
        """The target of ``name``, imported if it was registered as a string."""
        found = self.entry(name)
        if not isinstance(found.target, str):
            return found.target
        loaded: T = load_target(found.target)
        self._swap(found, replace(found, target=loaded))
        return loaded

    def metadata(self, name: str, key: str, default: Any = None) -> Any:
        """A metadata value of ``name``; lazy ones are imported on first use."""
        found = self.entry(name)
        value = found.metadata.get(key, default)
        if key in self.lazy and isinstance(value, str):
            value = load_target(value)
            self._swap(found, replace(found, metadata={**found.metadata, key: value}))
        return value

    def _swap(self, old: Entry[T], new: Entry[T]) -> None:
        with self._lock:
            if self._entries.get(old.name) is old:
                self._entries[old.name] = new

    # --- options models ----------------------------------------------------------------

    def validate(self, name: str, options: Mapping[str, Any] | BaseModel) -> Any:
        """``options`` checked against the ``options`` model of ``name`` (as given when it
        has none); problems raise the registry's error, one line per key."""
        model = self.metadata(name, "options")
        if model is None:
            return options
        return validate_options(model, options, f"{self.kind} {name!r}", self.error)


def validate_options(
    model: type[M],
    options: Mapping[str, Any] | BaseModel,
    what: str,
    error: Callable[[str], Exception],
) -> M:
    """``options`` validated as ``model``; a readable ``error`` names every bad key, the
    nearest allowed key for a misspelt one, and the allowed keys."""
    from pydantic import BaseModel, ValidationError

    if isinstance(options, model):
        return options
    raw = options.model_dump() if isinstance(options, BaseModel) else dict(options)
    try:
        return model.model_validate(raw)
    except ValidationError as problem:
        raise error(options_error(what, model, problem)) from problem


def options_error(what: str, model: type[BaseModel], error: Any) -> str:
    """One line per problem of a pydantic ``ValidationError``, naming the key."""
    lines = [f"invalid options for {what}:"]
    known = ", ".join(model.model_fields)
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "(options)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(item["loc"][-1]), model.model_fields, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            message = f"unknown key; {hint}known options: {known}"
        elif item["type"] == "missing":
            message = f"missing (known options: {known})"
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)
