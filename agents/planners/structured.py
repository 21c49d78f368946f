"""Structured output helpers for planners: JSON Schema requests and tolerant parsing."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from interlace.protocols import JsonSchemaFormat, ModelResponse

T = TypeVar("T", bound=BaseModel)


def response_format(model: type[BaseModel], name: str) -> JsonSchemaFormat:
    """A ``response_format`` constraining the answer to ``model``'s JSON Schema."""
    return JsonSchemaFormat(name=name, json_schema=model.model_json_schema())


def parse(model: type[T], response: ModelResponse) -> T | None:
    """The answer parsed as ``model``; ``None`` when it is not valid JSON for it."""
    text = response.message.text.strip()
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if match is None:
        return None
    try:
        data: Any = json.loads(match.group(0))
        return model.model_validate(data)
    except (json.JSONDecodeError, ValidationError):
        return None
