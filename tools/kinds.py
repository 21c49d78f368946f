"""The built-in toolset kinds ``python`` and ``builtin`` (registered on import)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from interlace.protocols.errors import ConfigError

from .base import Toolset
from .function import FunctionToolset, Tool
from .registry import register_toolset_kind


class PythonToolsOptions(BaseModel):
    """``kind: python``: tools by import path, ``package.module:function`` or a module."""

    model_config = ConfigDict(extra="forbid")

    tools: list[str] = Field(min_length=1)


def import_tools(path: str) -> list[Tool]:
    """The ``@tool`` objects at ``path`` (one attribute, or every Tool in a module)."""
    if ":" not in path and "." not in path:
        return [plugin_tool(path)]
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigError(f"cannot import tool module {module_name!r} ({error})") from error
    if not attribute:
        found = [value for value in vars(module).values() if isinstance(value, Tool)]
        if not found:
            raise ConfigError(f"module {module_name!r} defines no @tool functions")
        return found
    value = getattr(module, attribute, None)
    if value is None:
        raise ConfigError(f"module {module_name!r} has no attribute {attribute!r}")
    if isinstance(value, Tool):
        return [value]
    if callable(value):
        from .function import tool

        return [tool(value)]
    raise ConfigError(f"{path!r} is neither a @tool nor a function")


def plugin_tool(name: str) -> Tool:
    """The tool a plugin registered as ``name`` (see ``interlace plugins``)."""
    from interlace.plugins import EXTRAS, named_tool

    found = named_tool(name)
    if not isinstance(found, Tool):
        known = ", ".join(sorted(EXTRAS["tool"])) or "none"
        raise ConfigError(
            f"no plugin registered a tool named {name!r} (plugin tools: {known}); "
            "name a Python tool as 'package.module:function' instead"
        )
    return found


def python_toolset(options: PythonToolsOptions) -> Toolset:
    """Build a ``python`` toolset."""
    return FunctionToolset([item for path in options.tools for item in import_tools(path)])


BuiltinName = Literal["calculator", "datetime", "read_file", "list_files", "search_files"]
FILE_TOOLS: tuple[BuiltinName, ...] = ("read_file", "list_files", "search_files")


class BuiltinOptions(BaseModel):
    """``kind: builtin``: the calculator, date/time and (with ``root``) file tools."""

    model_config = ConfigDict(extra="forbid")

    tools: list[BuiltinName] | None = None
    root: Path | None = None


def builtin_toolset(options: BuiltinOptions) -> Toolset:
    """Build a ``builtin`` toolset (file tools confined to ``root``)."""
    from .builtins import builtin_tools

    names = options.tools
    if names is None:
        names = ["calculator", "datetime", *(FILE_TOOLS if options.root is not None else ())]
    wanted_files = [name for name in names if name in FILE_TOOLS]
    if wanted_files and options.root is None:
        raise ConfigError(
            f"builtin file tools {', '.join(wanted_files)} need a root directory; set 'root'"
        )
    return FunctionToolset(builtin_tools(names, root=options.root))


register_toolset_kind("python", PythonToolsOptions, python_toolset)
register_toolset_kind("builtin", BuiltinOptions, builtin_toolset)
