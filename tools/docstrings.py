"""Split a docstring into its summary and per-parameter descriptions.

Understands the three common styles: Google (``Args:``), numpy (``Parameters`` with a
dashed underline) and Sphinx (``:param name: text``).
"""

from __future__ import annotations

import inspect
import re
from typing import NamedTuple

_GOOGLE_HEADERS = frozenset({"args", "arguments", "parameters", "params", "keyword args"})
_OTHER_HEADERS = frozenset(
    {"returns", "return", "yields", "raises", "examples", "example", "notes", "note", "see also"}
)
_SPHINX_FIELD = re.compile(
    r"^:(param|parameter|arg|argument|key|keyword)\s+(?:[^:]*\s)?(\w+):\s*(.*)$"
)
_GOOGLE_ITEM = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_ITEM = re.compile(r"^\*{0,2}(\w+)\s*(?::.*)?$")


class Docstring(NamedTuple):
    """The parts of a docstring a tool schema uses."""

    summary: str
    params: dict[str, str]


def parse_docstring(doc: str | None) -> Docstring:
    """Parse ``doc`` (any of the three styles, or plain text)."""
    if not doc:
        return Docstring("", {})
    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    index = 0
    in_summary = True
    while index < len(lines):
        line = lines[index]
        header = line.strip().rstrip(":").lower()
        if _is_numpy_header(lines, index):
            index = _read_numpy_section(
                lines, index + 2, params if header in _GOOGLE_HEADERS else {}
            )
            in_summary = False
            continue
        if line.strip().endswith(":") and header in _GOOGLE_HEADERS | _OTHER_HEADERS:
            index = _read_google_section(
                lines, index + 1, params if header in _GOOGLE_HEADERS else {}
            )
            in_summary = False
            continue
        if line.lstrip().startswith(":"):
            index = _read_sphinx_field(lines, index, params)
            in_summary = False
            continue
        if in_summary:
            summary.append(line)
        index += 1
    return Docstring("\n".join(summary).strip(), params)


def _is_numpy_header(lines: list[str], index: int) -> bool:
    nxt = lines[index + 1].strip() if index + 1 < len(lines) else ""
    return bool(lines[index].strip()) and len(nxt) >= 3 and set(nxt) == {"-"}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _read_block(lines: list[str], index: int, base: int) -> tuple[list[str], int]:
    """Lines after ``index`` indented deeper than ``base`` (blank lines included)."""
    block: list[str] = []
    while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > base):
        block.append(lines[index].strip())
        index += 1
    return block, index


def _join(parts: list[str]) -> str:
    return " ".join(part for part in parts if part).strip()


def _read_google_section(lines: list[str], index: int, params: dict[str, str]) -> int:
    section, end = _read_block(lines, index, _indent(lines[index - 1]))
    raw = lines[index:end]
    base = min((_indent(line) for line in raw if line.strip()), default=0)
    current: str | None = None
    for line, stripped in zip(raw, section, strict=True):
        match = _GOOGLE_ITEM.match(stripped)
        if match and _indent(line) == base:
            current = match.group(1)
            params[current] = match.group(2).strip()
        elif current is not None and stripped:
            params[current] = _join([params[current], stripped])
    return end


def _read_numpy_section(lines: list[str], index: int, params: dict[str, str]) -> int:
    while index < len(lines) and lines[index].strip() and not _is_numpy_header(lines, index):
        match = _NUMPY_ITEM.match(lines[index].strip())
        block, after = _read_block(lines, index + 1, _indent(lines[index]))
        if match:
            params[match.group(1)] = _join(block)
        index = after
        while index < len(lines) and not lines[index].strip():
            index += 1
    return index


def _read_sphinx_field(lines: list[str], index: int, params: dict[str, str]) -> int:
    match = _SPHINX_FIELD.match(lines[index].strip())
    block, end = _read_block(lines, index + 1, _indent(lines[index]))
    if match:
        params[match.group(2)] = _join([match.group(3), *block])
    return end
