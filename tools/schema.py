"""JSON Schemas for tools: from a typed signature (via pydantic) to what a model sees."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from interlace.protocols.errors import UsageError

from .context import RunContext

_KINDS_REFUSED = {
    inspect.Parameter.VAR_POSITIONAL: "*args",
    inspect.Parameter.VAR_KEYWORD: "**kwargs",
    inspect.Parameter.POSITIONAL_ONLY: "positional-only parameters",
}

# Keywords whose values are data, not schemas: copied untouched.
_LITERAL_KEYWORDS = frozenset({"default", "const", "enum", "examples", "required"})
# Keywords that strict pydantic validation (of the JSON form) enforces exactly as JSON
# Schema does; anything else (``enum``, ``const``, bounds, patterns, formats) may refuse
# more than pydantic, so the schema itself is checked too (tests/tools/test_schema_properties).
_EXACT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "anyOf",
        "$defs",
        "$ref",
        "title",
        "description",
        "default",
        "examples",
    }
)


def arguments_model(
    function: Callable[..., Any],
    name: str,
    descriptions: Mapping[str, str],
    localns: Mapping[str, Any] | None = None,
) -> type[BaseModel]:
    """A pydantic model (``extra="forbid"``) of ``function``'s parameters.

    Parameter descriptions come from ``descriptions`` unless the annotation or default
    (``Annotated[int, Field(description=...)]``, ``= Field(...)``) already sets one.
    ``localns`` resolves names local to where the function was defined.
    """
    hints = type_hints(function, name, localns)
    fields: dict[str, Any] = {}
    for parameter in inspect.signature(function).parameters.values():
        if hints.get(parameter.name) is RunContext:
            continue  # given by the toolset, not by the model
        if parameter.kind in _KINDS_REFUSED:
            raise UsageError(
                f"tool {name!r}: {_KINDS_REFUSED[parameter.kind]} ({parameter.name}) cannot be "
                "described by a schema; use named parameters"
            )
        if parameter.name.startswith("_"):
            raise UsageError(
                f"tool {name!r}: parameter {parameter.name!r} starts with '_'; rename it"
            )
        annotation: Any = hints.get(parameter.name, Any)
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        extra: dict[str, Any] = {}
        description = descriptions.get(parameter.name)
        if description and not _has_description(annotation, default):
            extra["description"] = description
        field_name = parameter.name
        if hasattr(BaseModel, field_name):  # "json", "copy", "schema": keep the name as alias
            field_name, extra["alias"] = f"arg{len(fields)}_{parameter.name}", parameter.name
        if extra:
            annotation = Annotated[annotation, Field(**extra)]
        fields[field_name] = (annotation, default)
    model: type[BaseModel] = create_model(
        f"{name}_arguments", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def type_hints(
    function: Callable[..., Any], name: str, localns: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``function``'s resolved type hints (a :class:`UsageError` naming the tool if not)."""
    try:
        return typing.get_type_hints(function, localns=dict(localns or {}), include_extras=True)
    except (NameError, TypeError) as error:
        raise UsageError(f"tool {name!r}: cannot resolve its type hints ({error})") from error


def context_parameter(hints: Mapping[str, Any]) -> str | None:
    """The parameter annotated :class:`RunContext`, which receives the run context."""
    return next((name for name, hint in hints.items() if hint is RunContext), None)


def call_arguments(validated: BaseModel) -> dict[str, Any]:
    """Keyword arguments for the function from a validated arguments model."""
    fields = type(validated).model_fields
    return {(info.alias or name): getattr(validated, name) for name, info in fields.items()}


def _has_description(annotation: Any, default: Any) -> bool:
    if isinstance(default, FieldInfo) and default.description:
        return True
    metadata = getattr(annotation, "__metadata__", ())
    return any(isinstance(item, FieldInfo) and item.description for item in metadata)


def model_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of ``model`` as tool parameters: titles dropped, objects closed."""
    schema = model.model_json_schema(mode="validation")
    cleaned = clean_schema(schema)
    assert isinstance(cleaned, dict)
    cleaned.setdefault("properties", {})
    return cleaned


def schema_may_refuse_more(schema: Any) -> bool:
    """Whether ``schema`` uses a keyword outside those strict pydantic enforces exactly
    (so a tool checks its arguments against the schema as well)."""
    if isinstance(schema, list):
        return any(schema_may_refuse_more(item) for item in schema)
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key not in _EXACT_KEYWORDS:
            return True
        if key in ("properties", "$defs"):
            if any(schema_may_refuse_more(sub) for sub in value.values()):
                return True
        elif key not in _LITERAL_KEYWORDS and schema_may_refuse_more(value):
            return True
    return False


def clean_schema(node: Any, *, close_objects: bool = True) -> Any:
    """Drop ``title`` keywords; with ``close_objects``, add ``additionalProperties: false``
    to every object schema that lists its properties."""
    if isinstance(node, list):
        return [clean_schema(item, close_objects=close_objects) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in _LITERAL_KEYWORDS:
            result[key] = value
        elif key in ("properties", "$defs", "definitions", "patternProperties"):
            result[key] = {
                name: clean_schema(sub, close_objects=close_objects) for name, sub in value.items()
            }
        else:
            result[key] = clean_schema(value, close_objects=close_objects)
    if close_objects and result.get("type") == "object" and "properties" in result:
        result.setdefault("additionalProperties", False)
    return result
