"""Built-in tools: a safe calculator, the date and time, file tools confined to a root."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from interlace.protocols.errors import UsageError

from ..function import Tool
from .calculator import calculator, evaluate
from .clock import current_datetime
from .files import file_tools

__all__ = ["builtin_tools", "calculator", "current_datetime", "evaluate", "file_tools"]


def builtin_tools(
    names: Sequence[str], *, root: str | Path | None = None, writable: bool = False
) -> list[Tool]:
    """The built-in tools named ``names`` (file tools need ``root``; ``write_file`` also
    ``writable``)."""
    available: dict[str, Tool] = {"calculator": calculator, "datetime": current_datetime}
    if root is not None:
        available.update({item.name: item for item in file_tools(root, writable=writable)})
    missing = [name for name in names if name not in available]
    if missing:
        raise UsageError(
            f"unknown built-in tools {missing}; available: {', '.join(sorted(available))}"
            + ("" if root is not None else " (file tools need a root directory)")
        )
    return [available[name] for name in dict.fromkeys(names)]
