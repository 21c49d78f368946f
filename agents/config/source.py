"""YAML with positions: every key path remembers its file, line and column.

PyYAML's composed nodes carry ``start_mark``; we build plain data from them and a map
``path -> (line, column)`` (1-based) so errors can point at the exact spot. Duplicate keys,
which PyYAML would silently merge, are reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import ConfigIssue, ConfigValidationError, Path, format_path

__all__ = ["Path", "Source", "format_path", "parse_yaml"]


@dataclass
class Source:
    """Where a config came from: file name, positions of key paths, secrets, overrides."""

    file: str
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    secrets: dict[Path, str] = field(default_factory=dict)
    overridden: set[Path] = field(default_factory=set)

    def locate(self, path: Path) -> str:
        """``file:line:col`` for ``path`` (or its nearest ancestor), or ``--set`` for overrides."""
        for depth in range(len(path), -1, -1):
            prefix = path[:depth]
            if prefix in self.overridden:
                return "--set" if prefix == path else "--set " + format_path(prefix)
            if prefix in self.positions:
                line, column = self.positions[prefix]
                return f"{self.file}:{line}:{column}"
        return self.file

    def is_secret(self, path: Path) -> bool:
        """Whether ``path`` (or something under it) came from an environment variable."""
        return any(secret[: len(path)] == path for secret in self.secrets)


def parse_yaml(text: str, file: str) -> tuple[Any, Source]:
    """Parse one YAML document into plain data plus its :class:`Source` positions."""
    source = Source(file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        problem = error.problem or "could not be parsed"
        raise ConfigValidationError(
            [ConfigIssue(where, (), f"invalid YAML: {problem}", "fix the YAML syntax there")]
        ) from None
    except yaml.YAMLError as error:
        raise ConfigValidationError([ConfigIssue(file, (), f"invalid YAML: {error}")]) from None
    if node is None:
        return {}, source
    issues = list(_record(node, (), source))
    if issues:
        raise ConfigValidationError(issues)
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_document(node)
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        raise ConfigValidationError(
            [ConfigIssue(where, (), f"invalid YAML: {error.problem}")]
        ) from None
    finally:
        loader.dispose()
    return data, source


def _record(node: yaml.Node, path: Path, source: Source) -> Iterator[ConfigIssue]:
    source.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                where = f"{source.file}:{key_node.start_mark.line + 1}"
                yield ConfigIssue(
                    where, child, f"duplicate key {key!r}", "keep one of the two entries"
                )
                continue
            seen.add(key)
            mark = key_node.start_mark
            source.positions[child] = (mark.line + 1, mark.column + 1)
            yield from _record(value_node, child, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _record(item, (*path, index), source)
