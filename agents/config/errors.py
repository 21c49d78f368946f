"""Config errors that point at the file, line and key path and suggest a fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from interlace.plugins.registry import suggest
from interlace.protocols.errors import ConfigError

__all__ = ["ConfigIssue", "ConfigValidationError", "suggest"]


@dataclass(frozen=True)
class ConfigIssue:
    """One problem: where (``file:line:col``), the key path, what is wrong, how to fix it."""

    where: str
    path: tuple[str | int, ...]
    message: str
    hint: str = ""

    def __str__(self) -> str:
        from .source import format_path

        key = f" {format_path(self.path)}:" if self.path else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.where}:{key} {self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for ``--json``); never contains secret values."""
        from .source import format_path

        return {
            "where": self.where,
            "path": format_path(self.path) if self.path else "",
            "message": self.message,
            "hint": self.hint,
        }


class ConfigValidationError(ConfigError):
    """A config file is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = list(issues)
        count = len(self.issues)
        head = "invalid configuration" + (f" ({count} problems)" if count > 1 else "")
        super().__init__(head + ":\n" + "\n".join(f"  {issue}" for issue in self.issues))
