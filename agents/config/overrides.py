"""``--set key.path=value`` overrides applied to the parsed YAML before validation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from .errors import ConfigIssue, suggest
from .source import Path, Source

NAMED = {
    "models": "model role",
    "agents": "agent",
    "toolsets": "toolset",
    "retrieval": "store",
    "graphs": "graph",
}
"""Sections whose keys are names the user chose: ``--set`` only adds one with ``+``."""


def apply_overrides(
    data: Any, overrides: Sequence[str], source: Source
) -> tuple[Any, list[ConfigIssue]]:
    """Set each ``key.path=value`` (value read as YAML: ``5``, ``true``, ``[a, b]``).

    A name under ``models``, ``agents``, ``toolsets``, ``retrieval`` or ``graphs`` must
    exist already (a typo is an error with a suggestion); ``+agents.new.model=...`` adds one.
    """
    issues: list[ConfigIssue] = []
    root: Any = data if isinstance(data, dict) else {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        adds = key.strip().startswith("+")
        parts = [part for part in key.strip().removeprefix("+").split(".") if part]
        if not sep or not parts:
            issues.append(
                ConfigIssue(
                    f"--set {item}",
                    (),
                    "an override must look like KEY.PATH=VALUE",
                    "for example --set agents.researcher.model=llamacpp:default",
                )
            )
            continue
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        unknown = None if adds else _unknown_name(root, parts)
        if unknown is not None:
            issues.append(ConfigIssue("--set", tuple(parts[:2]), *unknown))
            continue
        problem = _set(root, parts, value, source)
        if problem:
            issues.append(ConfigIssue(f"--set {item}", tuple(parts), problem))
    return root, issues


def _unknown_name(root: dict[str, Any], parts: list[str]) -> tuple[str, str] | None:
    """``(problem, hint)`` when ``parts`` names an entry of a named section that does not
    exist, else ``None``."""
    if len(parts) < 2 or parts[0] not in NAMED:
        return None
    section = root.get(parts[0])
    names = list(section) if isinstance(section, dict) else []
    if parts[1] in names:
        return None
    what = NAMED[parts[0]]
    return (
        f"unknown {what} {parts[1]!r}",
        f"{suggest(parts[1], names)}; to add a new {what}, write --set +{'.'.join(parts)}=...",
    )


def _set(root: Any, parts: list[str], value: Any, source: Source) -> str | None:
    node = root
    path: Path = ()
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        key: str | int = part
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return f"{part!r} is not an index of the list at this path (0..{len(node) - 1})"
            key = int(part)
        elif not isinstance(node, dict):
            return f"cannot set {part!r} inside a {type(node).__name__} value"
        path = (*path, key)
        if last:
            node[key] = value
        else:
            if isinstance(node, dict) and not isinstance(node.get(key), dict | list):
                node[key] = {}
            node = node[key]
    for known in [p for p in source.positions if p[: len(path)] == path]:
        del source.positions[known]
    source.overridden.add(path)
    return None
