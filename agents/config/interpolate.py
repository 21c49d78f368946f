"""``${ENV_VAR}`` interpolation that remembers which values are secrets.

``${NAME}`` takes the variable (an error if unset), ``${NAME:-fallback}`` falls back,
``$${`` writes a literal ``${``. Paths whose value came from the environment are recorded
so errors, ``validate`` output and ``--json`` show the ``${NAME}`` template, never the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import ConfigIssue
from .source import Path, Source

_PATTERN = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def interpolate(
    data: Any, source: Source, environ: Mapping[str, str] | None = None
) -> tuple[Any, list[ConfigIssue]]:
    """Return ``data`` with variables substituted, plus one issue per unset variable."""
    env = os.environ if environ is None else environ
    issues: list[ConfigIssue] = []
    return _walk(data, (), source, env, issues), issues


def _walk(
    data: Any, path: Path, source: Source, env: Mapping[str, str], issues: list[ConfigIssue]
) -> Any:
    if isinstance(data, dict):
        return {key: _walk(value, (*path, key), source, env, issues) for key, value in data.items()}
    if isinstance(data, list):
        return [_walk(item, (*path, index), source, env, issues) for index, item in enumerate(data)]
    if isinstance(data, str) and "${" in data:
        return _substitute(data, path, source, env, issues)
    return data


def _substitute(
    text: str, path: Path, source: Source, env: Mapping[str, str], issues: list[ConfigIssue]
) -> str:
    used_env = False

    def replace(match: re.Match[str]) -> str:
        nonlocal used_env
        if match.group(0) == "$${":
            return "${"
        name, fallback = match.group(1), match.group(2)
        if name in env:
            used_env = True
            return env[name]
        if fallback is not None:
            return fallback
        issues.append(
            ConfigIssue(
                source.locate(path),
                path,
                f"environment variable {name} is not set",
                f"export {name}=... before running, or write ${{{name}:-default}}",
            )
        )
        return ""

    result = _PATTERN.sub(replace, text)
    if used_env:
        source.secrets[path] = text
    return result


def variables(text: str) -> Iterator[str]:
    """The variable names a string refers to."""
    for match in _PATTERN.finditer(text):
        if match.group(1):
            yield match.group(1)
