"""Few-shot examples generated from JSON Schemas (never written for particular tools).

An example value comes from what the schema says about itself, in this order: its
``examples``, its ``default``, ``const`` or first ``enum`` value, the first quoted text in
its description ("IANA name such as \\"UTC\\""), else a value of its type named after the
property. An example task is the tool's description with those values.
"""

from __future__ import annotations

import re
from typing import Any

from interlace.protocols import ToolSpec

_QUOTED = re.compile(r'"([^"]{1,40})"')
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
