"""Turn pydantic errors into located, readable :class:`ConfigIssue` objects."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import ConfigIssue, ConfigValidationError, suggest
from .source import Path, Source

M = TypeVar("M", bound=BaseModel)


def validate_model(model: type[M], data: Any, source: Source, base: Path = (), what: str = "") -> M:
    """Validate ``data`` (found at ``base`` in the file) or raise with located issues."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        issues = list(issues_from(error, model, data, source, base, what))
        raise ConfigValidationError(issues) from None


def issues_from(
    error: ValidationError,
    model: type[BaseModel],
    data: Any,
    source: Source,
    base: Path = (),
    what: str = "",
) -> Iterator[ConfigIssue]:
    """One issue per pydantic error, with the real key path and a suggestion."""
    for detail in error.errors(include_url=False, include_input=True):
        path = _real_path(detail["loc"], data)
        if detail["type"] == "union_tag_invalid":
            path = (*path, "type")
        full = (*base, *path)
        message, hint = _describe(detail, model, data, path, source.is_secret(full))
        yield ConfigIssue(source.locate(full), full, f"{what}{message}", hint)


_MISSING = object()


def _step(node: Any, part: str | int) -> Any:
    """``node[part]`` for a dict key or list index that exists, else ``_MISSING``."""
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _MISSING


def _real_path(loc: tuple[int | str, ...], data: Any) -> Path:
    """Drop loc parts that are not in the data (union tags, validator names)."""
    path: list[str | int] = []
    node: Any = data
    for part in loc:
        child = _step(node, part)
        if child is not _MISSING:
            node = child
        elif part == loc[-1] and isinstance(node, dict):
            path.append(part)  # a missing or unknown key: still name it
            break
        else:
            continue
        path.append(part)
    return tuple(path)


def _describe(
    detail: ErrorDetails, model: type[BaseModel], data: Any, path: Path, secret: bool
) -> tuple[str, str]:
    kind = detail["type"]
    ctx = detail.get("ctx", {})
    name = str(path[-1]) if path else ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, data, path[:-1])
        return f"unknown key {name!r}", suggest(name, allowed)
    if kind == "missing":
        return f"missing required key {name!r}", "add it"
    if kind == "union_tag_invalid":
        tags = str(ctx.get("expected_tags", ""))
        return f"unknown type {ctx.get('tag')!r}", suggest(
            str(ctx.get("tag")), [t.strip(" '") for t in tags.split(",")]
        )
    if kind == "union_tag_not_found":
        return "needs a 'type' key", f"one of: {', '.join(_graph_types())}"
    got = "a secret value" if secret else _show(detail.get("input"))
    value = detail.get("input")
    if kind == "literal_error" and isinstance(value, str) and not secret:
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"unknown value {value!r}", suggest(value, expected)
    return f"{detail['msg'][0].lower()}{detail['msg'][1:]}", f"got {got}"


def _show(value: Any) -> str:
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _graph_types() -> tuple[str, ...]:
    from .schema import GRAPH_TYPES

    return GRAPH_TYPES


# --- walking the schema to list the keys allowed at a path --------------------------------


def _allowed_keys(model: type[BaseModel], data: Any, path: Path) -> list[str]:
    annotation: Any = model
    node: Any = data
    for part in path:
        annotation = _child(annotation, part, node)
        child = _step(node, part)
        node = None if child is _MISSING else child
        if annotation is None:
            return []
    found = _as_model(annotation, node)
    return list(found.model_fields) if found else []


def _child(annotation: Any, part: str | int, node: Any) -> Any:
    found = _as_model(annotation, node)
    if found is not None:
        field = found.model_fields.get(str(part))
        return field.annotation if field else None
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin is list and args:
        return args[0]
    return None


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _as_model(annotation: Any, node: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [m for a in typing.get_args(annotation) if (m := _as_model(a, node))]
        tag = node.get("type") if isinstance(node, dict) else None
        for candidate in models:
            field = candidate.model_fields.get("type")
            literal = field is not None and typing.get_origin(field.annotation) is Literal
            if literal and field is not None and tag in typing.get_args(field.annotation):
                return candidate
        return models[0] if len(models) == 1 else None
    return None
