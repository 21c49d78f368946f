"""Config errors that point at the file, line and key path and suggest a fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from interlace.protocols.errors import ConfigError


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


def suggest(name: str, known: Iterable[str]) -> str:
    """``"did you mean 'react'?"`` for the nearest known name, plus the known list."""
    options = sorted(set(known))
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    listing = f"known: {', '.join(options)}" if options else "none are defined"
    if close:
        return f"did you mean {close[0]!r}? {listing}"
    return listing
