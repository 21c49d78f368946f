"""Config errors that point at the file, line and key path and suggest a fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from interlace.plugins.registry import suggest
from interlace.protocols.errors import ConfigError

__all__ = ["ConfigIssue", "ConfigValidationError", "Path", "format_path", "suggest"]

Path = tuple[str | int, ...]
"""A key path in a config: ``("agents", "a", "tools", 0)``."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem: where (``file:line:col``), the key path, what is wrong, how to fix it."""

    where: str
    path: Path
    message: str
    hint: str = ""

    def __str__(self) -> str:
        key = f" {format_path(self.path)}:" if self.path else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.where}:{key} {self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for ``--json``); never contains secret values."""
        return {
            "where": self.where,
            "path": format_path(self.path) if self.path else "",
            "message": self.message,
            "hint": self.hint,
        }


def format_path(path: Path) -> str:
    """``('agents', 'a', 'tools', 0)`` -> ``agents.a.tools[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


class ConfigValidationError(ConfigError):
    """A config file is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = list(issues)
        count = len(self.issues)
        head = "invalid configuration" + (f" ({count} problems)" if count > 1 else "")
        super().__init__(head + ":\n" + "\n".join(f"  {issue}" for issue in self.issues))
