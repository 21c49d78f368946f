"""Berkeley Function Calling Leaderboard (BFCL) function definitions as ToolSpecs.

BFCL ships its data in the ``bfcl-eval`` wheel (``bfcl_eval/data/``, JSON Lines): each
entry lists functions in Gorilla's JSON-Schema dialect (types ``dict``, ``float``,
``tuple``, ``any``, an ``optional`` flag) and ``possible_answer/`` holds the ground-truth
calls, each parameter with its list of acceptable values (``""`` marks "may be left
out"). This module converts the definitions to standard JSON Schema and checks answers
against them. Install the data with ``pip install --no-deps bfcl-eval==2026.3.23``.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interlace.protocols import ToolSpec
from interlace.protocols.errors import UsageError

CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
)
# Gorilla type names -> JSON Schema types (None: any JSON value).
GORILLA_TYPES: dict[str, str | None] = {
    "dict": "object",
    "object": "object",
    "float": "number",
    "number": "number",
    "double": "number",
    "integer": "integer",
    "int": "integer",
    "long": "integer",
    "string": "string",
    "str": "string",
    "char": "string",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "tuple": "array",
    "any": None,
}
_KEPT = frozenset({"description", "enum", "default", "format", "maximum", "minimum"})
_DROPPED = frozenset({"optional"})  # Gorilla's flag; "required" already says it
OMITTED = ""  # the ground-truth marker for "this optional parameter may be left out"


class BfclConversionError(UsageError):
    """A BFCL function definition uses something JSON Schema conversion does not cover."""


@dataclass(frozen=True)
class BfclEntry:
    """One test entry: its id and its functions as specs."""

    id: str
    specs: tuple[ToolSpec, ...]


def data_dir() -> Path:
    """The ``bfcl_eval/data`` folder of the installed wheel (nothing is imported)."""
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError("bfcl-eval is not installed: pip install --no-deps bfcl-eval==2026.3.23")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON Lines file."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def convert_schema(node: Mapping[str, Any], path: str = "parameters") -> dict[str, Any]:
    """A Gorilla schema node as JSON Schema (objects with properties are closed)."""
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "type":
            if value not in GORILLA_TYPES:
                raise BfclConversionError(f"{path}: unknown Gorilla type {value!r}")
            if GORILLA_TYPES[value] is not None:
                result["type"] = GORILLA_TYPES[value]
        elif key == "properties":
            result["properties"] = {
                name: convert_schema(sub, f"{path}.{name}") for name, sub in value.items()
            }
        elif key == "items":
            result["items"] = convert_schema(value, f"{path}[]")
        elif key == "required":
            result["required"] = list(value)
        elif key in _KEPT:
            result[key] = value
        elif key not in _DROPPED:
            raise BfclConversionError(f"{path}: unsupported keyword {key!r}")
    if result.get("type") == "array" and "enum" in result and "items" in result:
        # Gorilla puts the allowed item values on the array itself.
        result["items"] = {**result["items"], "enum": result.pop("enum")}
    if result.get("type") == "object" and "properties" in result:
        result["additionalProperties"] = False
        missing = [name for name in result.get("required", []) if name not in result["properties"]]
        if missing:
            raise BfclConversionError(f"{path}: required {missing} are not among the properties")
    if "default" in result and not _accepts(result, result["default"]):
        # A parameter's default is an acceptable value by definition (``year: int = "dontcare"``,
        # ``mod: float = None``): allow it alongside the declared type.
        default = result["default"]
        described: dict[str, Any] = {
            key: result.pop(key) for key in ("description", "default") if key in result
        }
        return {**described, "anyOf": [result, {"const": default}]}
    return result


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


def _accepts(schema: Mapping[str, Any], value: Any) -> bool:
    """A shallow check of ``value`` against ``schema``'s type and enum."""
    if "enum" in schema and value not in schema["enum"]:
        return False
    kind = schema.get("type")
    if kind is None:
        return True
    if isinstance(value, bool) and kind != "boolean":
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _JSON_TYPES[kind])


def function_spec(function: Mapping[str, Any]) -> ToolSpec:
    """One BFCL function definition as a ToolSpec."""
    name = function.get("name")
    if not isinstance(name, str) or not name:
        raise BfclConversionError(f"function without a name: {function!r:.80}")
    parameters = convert_schema(function.get("parameters", {"type": "dict", "properties": {}}))
    if parameters.get("type") != "object":
        raise BfclConversionError(f"{name}: parameters are not an object")
    parameters.setdefault("properties", {})
    return ToolSpec(name=name, description=function.get("description", ""), parameters=parameters)


def load_category(category: str, root: Path | None = None) -> tuple[list[BfclEntry], list[str]]:
    """The entries of ``category`` and, separately, why any function failed to convert."""
    entries: list[BfclEntry] = []
    failures: list[str] = []
    for raw in read_jsonl((root or data_dir()) / f"BFCL_v4_{category}.json"):
        specs: list[ToolSpec] = []
        for function in raw["function"]:
            try:
                specs.append(function_spec(function))
            except (BfclConversionError, ValueError) as error:
                failures.append(f"{raw['id']}: {error}")
        entries.append(BfclEntry(raw["id"], tuple(specs)))
    return entries, failures


def load_answers(category: str, root: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Ground-truth calls by entry id: ``[{function: {param: [acceptable values]}}]``."""
    path = (root or data_dir()) / "possible_answer" / f"BFCL_v4_{category}.json"
    return {raw["id"]: raw["ground_truth"] for raw in read_jsonl(path)}


def answer_problems(specs: Mapping[str, ToolSpec], call: Mapping[str, Any]) -> list[str]:
    """Why a ground-truth call does not validate against its spec (empty: it does).

    BFCL lists acceptable values per parameter (nested one level for dict parameters and
    lists of dicts). Every acceptable value is checked against its parameter's schema,
    and the call built from the first acceptable values against the whole schema.
    """
    import jsonschema

    ((name, options),) = call.items()
    spec = specs.get(name)
    if spec is None:
        return [f"no function {name!r} in the entry"]
    problems: list[str] = []
    arguments = _choose(spec.parameters, options, name, problems)
    for error in jsonschema.Draft202012Validator(spec.parameters).iter_errors(arguments):
        problems.append(f"{name}: {error.message}")
    return problems


def _choose(
    schema: Mapping[str, Any], options: Mapping[str, list[Any]], where: str, problems: list[str]
) -> dict[str, Any]:
    """Check each acceptable value of an object's keys; return the first-choice object."""
    import jsonschema

    properties: Mapping[str, Any] = schema.get("properties", {})
    chosen: dict[str, Any] = {}
    for key, values in options.items():
        sub = properties.get(key, {} if "properties" not in schema else None)
        if sub is None:
            problems.append(f"{where}: unknown parameter {key!r}")
            continue
        present = [value for value in values if value != OMITTED]
        for index, value in enumerate(present):
            concrete = _concrete(sub, value, f"{where}.{key}", problems)
            for error in jsonschema.Draft202012Validator(sub).iter_errors(concrete):
                problems.append(f"{where}.{key}={concrete!r:.80}: {error.message:.160}")
            if index == 0:
                chosen[key] = concrete
    return chosen


def _concrete(schema: Mapping[str, Any], value: Any, where: str, problems: list[str]) -> Any:
    """A ground-truth value in BFCL's nested answer form as a plain JSON value."""
    if schema.get("type") == "object" and isinstance(value, dict):
        return _choose(schema, _as_options(value), where, problems)
    items = schema.get("items", {})
    if schema.get("type") == "array" and items.get("type") == "object" and isinstance(value, list):
        return [
            _choose(items, _as_options(item), f"{where}[{i}]", problems)
            if isinstance(item, dict)
            else item
            for i, item in enumerate(value)
        ]
    return value


def _as_options(value: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {key: item if isinstance(item, list) else [item] for key, item in value.items()}
