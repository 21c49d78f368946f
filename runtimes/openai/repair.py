"""Safe repairs and schema checks for tool calls and JSON answers from weak servers.

Repairs are limited to what cannot change meaning: JSON wrapped in prose or a code fence,
tool arguments serialized twice, a tool call written into the content field. Anything
else is reported as a problem the model can read and fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from interlace.protocols import ToolSpec

_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)
_MAX_ERRORS = 3


def extract_json(text: str) -> Any:
    """The JSON value in ``text`` (bare, fenced, or the outermost ``{...}``), else ``None``."""
    text = text.strip()
    fenced = _FENCE.match(text)
    candidates = [fenced.group(1)] if fenced else [text]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def decode_arguments(raw: Any, tool_name: str) -> dict[str, Any] | str:
    """Tool-call arguments as a dict, or a problem description.

    Accepts a dict, JSON text, or JSON text of JSON text (arguments serialized twice).
    """
    value = raw
    for _ in range(2):
        if not isinstance(value, str):
            break
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except ValueError as exc:
            return f"the arguments of {tool_name!r} are not valid JSON ({exc}): {str(raw)[:200]}"
    if isinstance(value, dict):
        return value
    return f"the arguments of {tool_name!r} must be a JSON object, got: {str(raw)[:200]}"


@lru_cache(maxsize=256)
def _validator(schema_text: str) -> Any:
    import jsonschema

    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema)


def schema_problems(value: Any, schema: Mapping[str, Any], what: str) -> list[str]:
    """Why ``value`` does not match ``schema`` (empty when it does)."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    problems = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.path))[:_MAX_ERRORS]:
        where = "/".join(str(part) for part in error.path)
        problems.append(f"{what}{' at ' + where if where else ''}: {error.message}")
    return problems


def check_call(name: str, arguments: dict[str, Any], tools: Sequence[ToolSpec]) -> list[str]:
    """Problems with a call: an unknown tool, or arguments that break its schema."""
    spec = next((tool for tool in tools if tool.name == name), None)
    if spec is None:
        known = ", ".join(tool.name for tool in tools)
        return [f"there is no tool named {name!r}; the tools are: {known}"]
    return schema_problems(arguments, spec.parameters, f"arguments of {name!r}")


def call_in_content(text: str, tools: Sequence[ToolSpec]) -> tuple[str, Any] | None:
    """A tool call written as JSON in the content field, as ``(name, raw arguments)``.

    Recognises ``{"name": ..., "arguments": ...}`` (also ``tool``/``parameters`` keys and
    an OpenAI ``function`` wrapper) when the name is one of ``tools``.
    """
    stripped = text.strip()
    if not stripped.startswith(("{", "```")):
        return None
    data = extract_json(stripped)
    if isinstance(data, dict) and isinstance(data.get("function"), dict):
        data = data["function"]
    if not isinstance(data, dict):
        return None
    name = data.get("name", data.get("tool"))
    if not any(tool.name == name for tool in tools):
        return None
    return str(name), data.get("arguments", data.get("parameters", {}))


def may_be_json(prefix: str) -> bool:
    """Whether text starting with ``prefix`` could still turn out to be a JSON tool call."""
    stripped = prefix.lstrip()
    if not stripped:
        return True
    return stripped.startswith("{") or "```".startswith(stripped[:3]) or stripped.startswith("```")
