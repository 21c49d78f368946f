"""Tool specs and response formats to llguidance (Lark) grammars.

The grammar is the constraint applied as a token mask while decoding, so answers are
valid by construction: ``auto`` allows plain text (not starting with ``{``) or the
tool-call object; ``required`` and a named tool allow only calls; a JSON Schema response
format constrains the whole answer. Tool schemas are made strict (objects forbid
properties they do not declare). Grammars are built once per tool set (cached).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from interlace.protocols import (
    JsonObjectFormat,
    JsonSchemaFormat,
    ModelRequest,
    NamedToolChoice,
    ToolSpec,
)
from interlace.protocols.errors import UnsupportedSchemaError, UsageError

from .calls import CALLS_PREFIX

_COMPACT = {"whitespace_flexible": False}
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties")
_SUBSCHEMA_ONE = ("items", "additionalItems", "not", "if", "then", "else", "contains")


@dataclass(frozen=True)
class Constraint:
    """What a request allows: a grammar (``None``: free text) and how to read the answer."""

    grammar: str | None
    calls: str  # "never" | "maybe" | "always"


def strict_schema(schema: Any) -> Any:
    """A copy of ``schema`` where every object schema sets ``additionalProperties: false``."""
    if not isinstance(schema, dict):
        return schema
    result = dict(schema)
    is_object = result.get("type") == "object" or "properties" in result
    if is_object and "additionalProperties" not in result:
        result["additionalProperties"] = False
    for key in _SUBSCHEMA_LISTS:
        if isinstance(result.get(key), list):
            result[key] = [strict_schema(item) for item in result[key]]
    for key in _SUBSCHEMA_MAPS:
        if isinstance(result.get(key), dict):
            result[key] = {name: strict_schema(sub) for name, sub in result[key].items()}
    for key in (*_SUBSCHEMA_ONE, "additionalProperties"):
        if isinstance(result.get(key), dict):
            result[key] = strict_schema(result[key])
    return result


def _json_rule(schema: dict[str, Any], where: str) -> str:
    """``%json {...}`` for a schema, compact, after checking llguidance can compile it."""
    from llguidance import LLMatcher

    guided = copy.deepcopy(schema)
    guided["x-guidance"] = {**guided.get("x-guidance", {}), **_COMPACT}
    text = json.dumps(guided, ensure_ascii=False)
    try:
        grammar = LLMatcher.grammar_from_json_schema(text)
    except ValueError as exc:
        raise UnsupportedSchemaError(f"{where}: not a JSON Schema object: {exc}") from exc
    is_error, messages = LLMatcher.validate_grammar_with_warnings(grammar)
    if is_error:
        raise UnsupportedSchemaError(
            f"{where} uses a JSON Schema feature the constraint engine cannot express: "
            f"{'; '.join(messages)}. Simplify the schema (drop or rewrite that keyword)."
        )
    return f"%json {text}"


def _lark_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _calls_rules(tools: Sequence[ToolSpec], parallel: bool) -> list[str]:
    repeat = ' ("," call)*' if parallel else ""
    rules = [f"calls: {_lark_string(CALLS_PREFIX)} call{repeat} {_lark_string(']}')}"]
    rules.append("call: " + " | ".join(f"call_{i}" for i in range(len(tools))))
    for i, spec in enumerate(tools):
        opening = '{"name":' + json.dumps(spec.name, ensure_ascii=False) + ',"arguments":'
        schema = strict_schema(spec.parameters)
        rules.append(f"call_{i}: {_lark_string(opening)} args_{i} {_lark_string('}')}")
        rules.append(f"args_{i}: {_json_rule(schema, f'tool {spec.name!r}')}")
    return rules


@lru_cache(maxsize=128)
def _build(key: str) -> str:
    spec = json.loads(key)
    tools = [ToolSpec.model_validate(tool) for tool in spec["tools"]]
    answer, calls_mode = spec["answer"], spec["calls"]
    alternatives, rules = [], []
    if tools:
        alternatives.append("calls")
        rules += _calls_rules(tools, spec["parallel"])
    if calls_mode != "always":
        if answer is None:
            alternatives.insert(0, "text")
            rules.append(r"text: /[^{][\s\S]*/")
        else:
            alternatives.insert(0, "answer")
            rules.append(f"answer: {_json_rule(answer, 'response_format')}")
    return "\n".join([f"start: {' | '.join(alternatives)}", *rules]) + "\n"


def _answer_schema(request: ModelRequest) -> dict[str, Any] | None:
    fmt = request.response_format
    if isinstance(fmt, JsonSchemaFormat):
        return strict_schema(fmt.json_schema) if fmt.strict else fmt.json_schema
    if isinstance(fmt, JsonObjectFormat):
        return {"type": "object"}
    return None


def active_tools(request: ModelRequest) -> tuple[ToolSpec, ...]:
    """The tools the answer may call under the request's ``tool_choice``."""
    choice = request.tool_choice
    if choice == "none" or not request.tools:
        return ()
    if isinstance(choice, NamedToolChoice):
        named = tuple(spec for spec in request.tools if spec.name == choice.name)
        if not named:
            known = ", ".join(spec.name for spec in request.tools)
            raise UsageError(f"tool_choice names {choice.name!r}, which is not a tool ({known})")
        return named
    return request.tools


def call_mode(request: ModelRequest) -> str:
    """Whether the answer ``never``, ``maybe`` or ``always`` calls tools."""
    if not active_tools(request):
        return "never"
    return "maybe" if request.tool_choice == "auto" else "always"


def constraint_for(request: ModelRequest) -> Constraint:
    """The grammar and answer shape for a request (cached per tool set and format)."""
    tools = active_tools(request)
    answer = _answer_schema(request)
    if not tools and answer is None:
        if request.tool_choice == "required":
            raise UsageError("tool_choice='required' needs at least one tool in the request")
        return Constraint(grammar=None, calls="never")
    calls = call_mode(request)
    key = json.dumps(
        {
            "tools": [spec.model_dump() for spec in tools],
            "answer": answer,
            "calls": calls,
            "parallel": request.parallel_tool_calls is True,
        }
    )
    return Constraint(grammar=_build(key), calls=calls)
