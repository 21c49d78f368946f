"""The built-in toolset kinds ``python`` and ``builtin`` (registered in
:mod:`interlace.plugins.builtins`), and an agent's own ``tools`` list as a toolset."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interlace.plugins.registry import suggest
from interlace.protocols.errors import ConfigError

from .base import Toolset
from .function import FunctionToolset, Tool, tool
from .registry import TOOLS, named_tool


class PythonToolsOptions(BaseModel):
    """``kind: python``: tools by import path, ``package.module:function`` or a module."""

    model_config = ConfigDict(extra="forbid")

    tools: list[str] = Field(min_length=1)

    @field_validator("tools")
    @classmethod
    def _tools_exist(cls, entries: list[str]) -> list[str]:
        for entry in entries:
            problem = tool_problem(entry)
            if problem is not None:
                raise ValueError(f"{problem[0]} ({problem[1]})")
        return entries


def _registered(entry: str) -> bool:
    """Whether ``entry`` is a tool name registered by a built-in or a plugin (which wins
    over a module of the same name)."""
    return ":" not in entry and "." not in entry and entry in TOOLS


def tool_problem(entry: str) -> tuple[str, str] | None:
    """Why a tools entry (a registered tool name, an import path ``pkg.mod:function``, or
    a module ``pkg.mod`` / ``my_tools`` next to the config) gives no tool: ``(problem,
    hint)``, or ``None`` when it does."""
    if _registered(entry):
        return None
    module_name, _, attribute = entry.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        if "." not in entry and ":" not in entry and getattr(error, "name", None) == entry:
            return f"unknown tool {entry!r}", suggest(entry, TOOLS.names()) + (
                f"; nor is there a module {entry!r} to import (a my_tools.py next to the "
                "config file imports by name); or give an import path like mypkg.tools:search"
            )
        return (
            f"cannot import tool module {module_name!r} ({error})",
            "check the spelling and that the package is installed",
        )
    if not attribute:
        if any(isinstance(value, Tool) for value in vars(module).values()):
            return None
        return f"module {module_name!r} defines no @tool functions", "decorate them with @tool"
    value = getattr(module, attribute, None)
    if value is None:
        public = [name for name in vars(module) if not name.startswith("_")]
        return f"module {module_name!r} has no tool {attribute!r}", suggest(attribute, public)
    if not callable(value):
        return f"{entry!r} is neither a @tool nor a function", "name a function"
    return None


def import_tools(entry: str) -> list[Tool]:
    """The tools an entry names: a registered tool, one ``@tool`` (or plain function) at
    ``module:attribute``, or every ``@tool`` of a module."""
    problem = tool_problem(entry)
    if problem is not None:
        raise ConfigError(f"{problem[0]} ({problem[1]})")
    if _registered(entry):
        return [named_tool(entry)]
    module_name, _, attribute = entry.partition(":")
    module = importlib.import_module(module_name)
    if not attribute:
        return [value for value in vars(module).values() if isinstance(value, Tool)]
    value = getattr(module, attribute)
    return [value if isinstance(value, Tool) else tool(value)]


def tools_toolset(entries: list[str]) -> Toolset:
    """One toolset for a list of tool names (built-in or plugin) and import paths."""
    return FunctionToolset([item for path in entries for item in import_tools(path)])


def python_toolset(options: PythonToolsOptions) -> Toolset:
    """Build a ``python`` toolset."""
    return tools_toolset(options.tools)


BuiltinName = Literal[
    "calculator", "datetime", "read_file", "list_files", "search_files", "write_file"
]
READ_FILE_TOOLS: tuple[BuiltinName, ...] = ("read_file", "list_files", "search_files")
FILE_TOOLS: tuple[BuiltinName, ...] = (*READ_FILE_TOOLS, "write_file")


class BuiltinOptions(BaseModel):
    """``kind: builtin``: the calculator, date/time and (with ``root``) file tools;
    ``writable: true`` adds ``write_file``."""

    model_config = ConfigDict(extra="forbid")

    tools: list[BuiltinName] | None = None
    root: Path | None = None
    writable: bool = False

    @field_validator("root")
    @classmethod
    def _root_is_a_folder(cls, root: Path | None) -> Path | None:
        if root is not None and not root.expanduser().is_dir():
            raise ValueError(f"file tools root {str(root)!r} is not a directory; create it first")
        return root


def builtin_toolset(options: BuiltinOptions) -> Toolset:
    """Build a ``builtin`` toolset (file tools confined to ``root``)."""
    from .builtins import builtin_tools

    names = options.tools
    if names is None:
        files = FILE_TOOLS if options.writable else READ_FILE_TOOLS
        names = ["calculator", "datetime", *(files if options.root is not None else ())]
    wanted_files = [name for name in names if name in FILE_TOOLS]
    if wanted_files and options.root is None:
        raise ConfigError(
            f"builtin file tools {', '.join(wanted_files)} need a root directory; set 'root'"
        )
    if "write_file" in names and not options.writable:
        raise ConfigError("builtin tool write_file needs writable: true on the toolset")
    return FunctionToolset(builtin_tools(names, root=options.root, writable=options.writable))
