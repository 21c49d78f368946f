"""Few-shot examples generated from JSON Schemas (never written for particular tools).

An example value comes from what the schema says about itself, in this order: its
``examples``, its ``default``, ``const`` or first ``enum`` value, the first quoted text in
its description ("IANA name such as \\"UTC\\""), else a value of its type named after the
property. An example task is the tool's description with those values.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from interlace.protocols import ToolSpec

_QUOTED = re.compile(r'"([^"]{1,40})"')
_TOKEN = re.compile(r"[a-z]+|[0-9]+")
_OPERATOR = re.compile(r"[-+*/%^=<>]+")
_BY_TYPE: dict[str, Any] = {"integer": 3, "number": 2.5, "boolean": True, "null": None}


def example_value(schema: Any, name: str = "value", text: str | None = None) -> Any:
    """One value valid for ``schema`` (as far as a generated example can be); ``text``,
    when given, fills the strings the schema says nothing about."""
    if not isinstance(schema, dict):
        return text or name
    for key in ("examples", "enum"):
        if isinstance(schema.get(key), list) and schema[key]:
            return schema[key][0]
    for key in ("default", "const"):
        if key in schema:
            return schema[key]
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return example_value(schema[key][0], name, text)
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind == "object" or "properties" in schema:
        return example_arguments(schema, text)
    if kind == "array":
        return [example_value(schema.get("items"), name, text)]
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    quoted = _QUOTED.search(str(schema.get("description", "")))
    if quoted:
        return quoted.group(1)
    return text or name.replace("_", " ")


def example_arguments(schema: Any, text: str | None = None) -> dict[str, Any]:
    """Arguments for an object schema: its required properties and those that give
    examples (an optional property the example does not need stays out)."""
    if not isinstance(schema, dict):
        return {}
    given = schema.get("examples")
    if isinstance(given, list) and given and isinstance(given[0], dict):
        return dict(given[0])
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    return {
        name: example_value(sub, name, text)
        for name, sub in properties.items()
        if name in required or (isinstance(sub, dict) and sub.get("examples"))
    }


def example_task(spec: ToolSpec, arguments: dict[str, Any]) -> str:
    """A task that the call ``spec(arguments)`` carries out, in the tool's own words."""
    what = (spec.description or spec.name.replace("_", " ")).strip().splitlines()[0]
    what = what.rstrip(".")
    values = [_plain(value) for value in arguments.values()]
    return f"{what}: {', '.join(values)}" if values else what


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value, ensure_ascii=False)


def nearest_first(tools: Sequence[ToolSpec], task: str) -> list[ToolSpec]:
    """``tools`` ordered by how much their documentation has in common with ``task``, the
    nearest first (measured on the packaged base model: it follows the first example
    most; a cycle of examples ending in the nearest one makes it pick another); ties
    keep the offered order."""
    scores = nearness(tools, task)
    return [tools[index] for index in sorted(range(len(tools)), key=lambda i: -scores[i])]


def nearest(tools: Sequence[ToolSpec], task: str) -> set[str]:
    """The names of the tools whose documentation has most in common with ``task`` (all
    when none has anything in common with it)."""
    scores = nearness(tools, task)
    best = max(scores, default=0.0)
    return {spec.name for spec, score in zip(tools, scores, strict=True) if score == best}


def nearness(tools: Sequence[ToolSpec], task: str) -> list[float]:
    """Per tool, the words (and operators) its documentation shares with ``task``,
    each counting more the fewer tools' documentation has it."""
    profiles = [_tokens(_documentation(spec)) for spec in tools]
    spread = Counter(token for profile in profiles for token in profile)
    words = _tokens(task)
    return [
        sum(math.log(1 + len(tools) / spread[token]) for token in words & profile)
        for profile in profiles
    ]


def _documentation(spec: ToolSpec) -> str:
    properties = spec.parameters.get("properties") or {}
    subs = [sub for sub in properties.values() if isinstance(sub, dict)]
    described = [str(sub.get("description", "")) for sub in subs]
    return " ".join([spec.name.replace("_", " "), spec.description, *properties, *described])


def _tokens(text: str) -> set[str]:
    """Words and numbers, and operators standing on their own ("*", not "*.md")."""
    pieces = text.lower().split()
    operators = {piece for piece in pieces if _OPERATOR.fullmatch(piece)}
    return set(_TOKEN.findall(text.lower())) | operators


MAX_SPAN_WORDS = 6
MAX_SPAN_SOURCE = 400
"""Spans come from the first characters of each text (the grammar stays small)."""
_EDGES = "\"'`.,;:!?()[]{}"


def copied_values(spec: ToolSpec, texts: Sequence[str]) -> ToolSpec:
    """``spec`` whose free text arguments (strings with no enum, const, pattern or
    format) must each be a span of up to ``MAX_SPAN_WORDS`` words of ``texts``; ``spec``
    itself when it has none."""
    spans = sorted({span for text in texts for span in _spans(text)})
    properties = spec.parameters.get("properties")
    if not spans or not isinstance(properties, dict):
        return spec
    copied = {name: _copied(sub, spans) for name, sub in properties.items()}
    if copied == properties:
        return spec
    return spec.model_copy(update={"parameters": {**spec.parameters, "properties": copied}})


def _copied(schema: Any, spans: list[str]) -> Any:
    if not isinstance(schema, dict) or schema.get("type") != "string":
        return schema
    if any(key in schema for key in ("enum", "const", "pattern", "format")):
        return schema
    return {**schema, "enum": spans}


def _spans(text: str) -> set[str]:
    words = text[:MAX_SPAN_SOURCE].split()
    spans: set[str] = set()
    for start in range(len(words)):
        for end in range(start + 1, min(start + MAX_SPAN_WORDS, len(words)) + 1):
            span = " ".join(words[start:end]).strip(_EDGES)
            if span:
                spans.add(span)
    return spans
