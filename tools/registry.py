"""Toolset kinds by name: built-ins and other areas register here alike.

A kind pairs a pydantic options model (``extra="forbid"``) with a factory that builds a
:class:`~interlace.tools.base.Toolset` from validated options. Config files name a kind
and its options; :func:`build_toolset` validates and builds.

Kinds load lazily: ``_LAZY`` maps a kind to the module whose import registers
it, so importing this module stays cheap.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from interlace.plugins import ensure_loaded
from interlace.protocols.errors import ConfigError, UsageError, did_you_mean

from .base import Toolset

ToolsetFactory = Callable[[Any], Toolset]

# kind -> module that calls register_toolset_kind(kind, ...) when imported; filled through
# the plugin hooks (built-ins included, see interlace.plugins.builtins).
_LAZY: dict[str, str] = {}


@dataclass(frozen=True)
class ToolsetKind:
    """A registered kind: its name, options model and factory."""

    kind: str
    options: type[BaseModel]
    factory: ToolsetFactory

    def build(self, options: BaseModel | Mapping[str, Any]) -> Toolset:
        """Validate ``options`` (if a mapping) and build the toolset."""
        return self.factory(validate_options(self, options))


_kinds: dict[str, ToolsetKind] = {}


def register_toolset_kind(
    kind: str,
    options: type[BaseModel] | str,
    factory: ToolsetFactory | None = None,
    *,
    replace: bool = False,
) -> None:
    """Register ``kind``: ``options`` validates its config block, ``factory`` builds it.

    ``options`` may instead name a module whose import registers ``kind``; it is imported
    on first use, so declaring a kind costs nothing.
    """
    if isinstance(options, str):
        if replace or kind not in _LAZY:
            _LAZY[kind] = options
        return
    if factory is None:
        raise UsageError(f"toolset kind {kind!r}: give a factory with its options model")
    if options.model_config.get("extra") != "forbid":
        raise UsageError(
            f"toolset kind {kind!r}: options model {options.__name__} must forbid unknown keys; "
            'set model_config = ConfigDict(extra="forbid")'
        )
    existing = _kinds.get(kind)
    if existing is not None and not replace and existing.factory is not factory:
        raise UsageError(
            f"toolset kind {kind!r} is already registered; pass replace=True to override it"
        )
    _kinds[kind] = ToolsetKind(kind, options, factory)


def unregister_toolset_kind(kind: str) -> None:
    """Forget ``kind`` (used when a plugin is no longer allowed)."""
    _kinds.pop(kind, None)
    _LAZY.pop(kind, None)


def _load(kind: str) -> ToolsetKind | None:
    ensure_loaded()
    if kind not in _kinds and kind in _LAZY:
        try:
            importlib.import_module(_LAZY[kind])
        except ModuleNotFoundError as error:
            if error.name is None or not _LAZY[kind].startswith(error.name):
                raise
            return None
    return _kinds.get(kind)


def toolset_kinds() -> dict[str, ToolsetKind]:
    """Every available kind (lazy ones are imported; missing optional modules skipped)."""
    ensure_loaded()
    for kind in list(_LAZY):
        _load(kind)
    return dict(sorted(_kinds.items()))


def get_toolset_kind(kind: str) -> ToolsetKind:
    """The kind named ``kind``, or a :class:`ConfigError` with the known names."""
    found = _load(kind)
    if found is None:
        known = sorted(toolset_kinds())
        raise ConfigError(
            f"unknown toolset kind {kind!r}{did_you_mean(kind, known)} (known: {', '.join(known)})"
        )
    return found


def validate_options(spec: ToolsetKind, options: BaseModel | Mapping[str, Any]) -> BaseModel:
    """``options`` checked against the kind's model, with a readable error."""
    if isinstance(options, spec.options):
        return options
    raw = options.model_dump() if isinstance(options, BaseModel) else dict(options)
    try:
        return spec.options.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(options_error(spec.kind, spec.options, error)) from error


def options_error(kind: str, model: type[BaseModel], error: ValidationError) -> str:
    """One line per problem, naming the key and (for unknown keys) the allowed ones."""
    lines = [f"invalid options for toolset kind {kind!r}:"]
    allowed = ", ".join(model.model_fields)
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "(options)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(item["loc"][-1]), model.model_fields, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            message = f"unknown key; {hint}allowed keys: {allowed}"
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)


def build_toolset(kind: str, options: BaseModel | Mapping[str, Any] | None = None) -> Toolset:
    """Build a toolset of ``kind`` from its options (a mapping from config, or the model)."""
    return get_toolset_kind(kind).build(options if options is not None else {})
