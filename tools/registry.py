"""Toolset kinds, named tools and retrieval store types: registries that built-ins and
plugins fill alike (hooks ``register_toolset_kinds``, ``register_tools``,
``register_stores``).

A toolset kind pairs a factory with a pydantic ``options`` model (``extra="forbid"``);
config files name a kind and its options and :func:`build_toolset` validates and builds.
Its metadata says which options hold relative ``paths`` and which may name a ``store``,
so config code resolves them without knowing the kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from interlace.plugins.registry import Registry
from interlace.protocols.errors import ConfigError, UsageError

from .base import Toolset
from .function import Tool

ToolsetFactory = Callable[[Any], Toolset]

TOOLSET_KINDS: Registry[ToolsetFactory] = Registry(
    "toolset kind",
    "register_toolset_kinds",
    error=ConfigError,
    lazy=("options", "endpoints", "checks"),
    hint="plugins add kinds through the register_toolset_kinds hook",
)
TOOLS: Registry[Tool] = Registry(
    "tool",
    "register_tools",
    error=ConfigError,
    hint="name a Python tool as 'package.module:function' instead; the file tools "
    "(read_file, list_files, search_files) come from a toolset of kind builtin with a root",
)
STORES: Registry[Callable[[Any], Any]] = Registry(
    "store type", "register_stores", error=ConfigError, lazy=("options", "endpoints")
)
DEFAULT_STORE_TYPE = "chroma"
"""The store type of a ``retrieval:`` block without ``type``: an embedded Chroma store."""


@dataclass(frozen=True)
class ToolsetKind:
    """A registered kind: its name, options model and factory."""

    kind: str
    options: type[BaseModel]
    factory: ToolsetFactory

    def build(self, options: BaseModel | Mapping[str, Any]) -> Toolset:
        """Validate ``options`` (if a mapping) and build the toolset."""
        return self.factory(TOOLSET_KINDS.validate(self.kind, options))


def register_toolset_kind(
    kind: str,
    factory: ToolsetFactory | str,
    *,
    options: type[BaseModel] | str,
    replace: bool = False,
    **metadata: Any,
) -> None:
    """Register ``kind``: ``options`` validates its config block, ``factory`` builds it
    (``paths=(...)`` and ``stores=(...)`` name options config code resolves)."""
    if not isinstance(options, str):
        _check_options_model(kind, options)
    TOOLSET_KINDS.register(kind, factory, replace=replace, options=options, **metadata)


def _check_options_model(kind: str, options: type[BaseModel]) -> type[BaseModel]:
    if options.model_config.get("extra") != "forbid":
        raise UsageError(
            f"toolset kind {kind!r}: options model {options.__name__} must forbid unknown keys; "
            'set model_config = ConfigDict(extra="forbid")'
        )
    return options


def get_toolset_kind(kind: str) -> ToolsetKind:
    """The kind named ``kind``, or a :class:`ConfigError` with the known names."""
    options = _check_options_model(kind, TOOLSET_KINDS.metadata(kind, "options"))
    return ToolsetKind(kind, options, TOOLSET_KINDS.get(kind))


def toolset_kinds() -> dict[str, ToolsetKind]:
    """Every available kind (kinds whose optional dependencies are missing are left out)."""
    found: dict[str, ToolsetKind] = {}
    for kind in TOOLSET_KINDS.names():
        try:
            found[kind] = get_toolset_kind(kind)
        except ModuleNotFoundError as error:
            if error.name is not None and error.name.startswith("interlace"):
                raise
    return found


def build_toolset(kind: str, options: BaseModel | Mapping[str, Any] | None = None) -> Toolset:
    """Build a toolset of ``kind`` from its options (a mapping from config, or the model)."""
    return get_toolset_kind(kind).build(options if options is not None else {})


def named_tool(name: str) -> Tool:
    """The tool registered as ``name`` (built-ins and plugins; see ``interlace plugins``)."""
    found = TOOLS.get(name)
    if not isinstance(found, Tool):
        raise ConfigError(f"the tool registered as {name!r} is not a @tool ({found!r})")
    return found


def open_store(store_type: str, options: BaseModel | Mapping[str, Any]) -> Any:
    """Open a retrieval store of ``store_type`` (``chroma``, or a plugin's) from options."""
    return STORES.get(store_type)(STORES.validate(store_type, options))
