"""Read a chat completion into a checked response, listing what the model got wrong.

Server quirks are smoothed before the shared wire converters run: TGI's ``eos_token``
finish reason, calls without ids, arguments given as objects or serialized twice.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from interlace.protocols import (
    JsonObjectFormat,
    Message,
    ModelRequest,
    ModelResponse,
    NamedToolChoice,
    ToolCall,
    ToolSpec,
)
from interlace.protocols.openai_wire import FINISH_REASONS, response_from_openai

from .prompting import answer_schema
from .repair import call_in_content, check_call, decode_arguments, extract_json, schema_problems

Json = dict[str, Any]
Mode = Literal["plain", "native", "schema", "parse"]
_FINISH_ALIASES = {
    "eos_token": "stop",
    "eos": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
}


@dataclass(frozen=True)
class Outcome:
    """A decoded response and the problems that make it unusable (empty when fine)."""

    response: ModelResponse
    problems: tuple[str, ...] = ()
    raw_text: str = ""


def new_call_id() -> str:
    """A fresh tool-call id for calls the server did not name."""
    return f"call_{uuid.uuid4().hex[:24]}"


def _normalize_call(call: Any, problems: list[str]) -> Json:
    call = dict(call) if isinstance(call, dict) else {}
    function = dict(call.get("function") or {})
    name = function.get("name")
    if not name:
        problems.append("a tool call has no tool name")
        function["name"] = "unknown"
    arguments = decode_arguments(function.get("arguments"), str(function["name"]))
    if isinstance(arguments, str):
        problems.append(arguments)
        arguments = {}
    function["arguments"] = json.dumps(arguments, ensure_ascii=False)
    return {"id": call.get("id") or new_call_id(), "type": "function", "function": function}


def normalize(raw: Json) -> tuple[Json, list[str], str]:
    """A copy of ``raw`` the wire converters accept, the call problems, and the raw text."""
    data = copy.deepcopy(raw)
    problems: list[str] = []
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return data, problems, ""
    choice = choices[0]
    reason = choice.get("finish_reason")
    reason = _FINISH_ALIASES.get(str(reason), reason)
    choice["finish_reason"] = reason if reason is None or reason in FINISH_REASONS else "stop"
    message = dict(choice.get("message") or {})
    message["role"] = message.get("role") or "assistant"
    message.pop("function_call", None)
    raw_calls = message.get("tool_calls") or []
    text_parts = [str(message.get("content") or "")]
    for call in raw_calls:
        function = (call.get("function") or {}) if isinstance(call, dict) else {}
        text_parts.append(f"{function.get('name')}({function.get('arguments')})")
    message["tool_calls"] = [_normalize_call(call, problems) for call in raw_calls] or None
    if raw_calls and choice["finish_reason"] in (None, "stop"):
        choice["finish_reason"] = "tool_calls"  # TGI and others say "stop" / "eos_token"
    choice["message"] = message
    return data, problems, "\n".join(part for part in text_parts if part)


def _tool_choice_problems(request: ModelRequest, calls: tuple[ToolCall, ...]) -> list[str]:
    choice = request.tool_choice
    if isinstance(choice, NamedToolChoice) and not any(c.name == choice.name for c in calls):
        return [f"you must call the tool {choice.name!r}"]
    if choice == "required" and not calls:
        return ["you must call one of the tools"]
    return []


def _format_problems(request: ModelRequest, text: str) -> list[str]:
    fmt = request.response_format
    if fmt is None:
        return []
    value = extract_json(text)
    if isinstance(fmt, JsonObjectFormat):
        return [] if isinstance(value, dict) else ["the answer must be a JSON object"]
    if value is None:
        return ["the answer must be JSON matching the requested schema"]
    return schema_problems(value, fmt.json_schema, "the answer")


def _with_calls(response: ModelResponse, text: str | None, calls: tuple[ToolCall, ...]) -> Any:
    return response.model_copy(
        update={
            "message": Message.assistant(text, calls),
            "finish_reason": "tool_calls" if calls else response.finish_reason,
        }
    )


def callable_tools(request: ModelRequest) -> tuple[ToolSpec, ...]:
    """The tools a call may name: those offered, then those left out of the offer."""
    return (*request.tools, *request.other_tools)


def decode_native(request: ModelRequest, raw: Json) -> Outcome:
    """Decode a completion whose tool calls (if any) the server made natively."""
    data, problems, raw_text = normalize(raw)
    response = response_from_openai(data)
    calls = response.message.tool_calls
    if not calls and request.tools and request.tool_choice != "none":
        found = call_in_content(response.message.text, callable_tools(request))
        if found is not None:
            arguments = decode_arguments(found[1], found[0])
            if isinstance(arguments, str):
                problems.append(arguments)
            else:
                calls = (ToolCall(id=new_call_id(), name=found[0], arguments=arguments),)
                response = _with_calls(response, None, calls)
    for call in calls:
        problems.extend(check_call(call.name, call.arguments, callable_tools(request)))
    if request.tools and request.tool_choice != "none":
        problems.extend(_tool_choice_problems(request, calls))
    if not calls:
        problems.extend(_format_problems(request, response.message.text))
    return Outcome(response, tuple(problems), raw_text)


def _prompted_call(request: ModelRequest, value: Any) -> tuple[ToolCall | None, Any, list[str]]:
    """``(call, answer, problems)`` read from a prompted reply's JSON value."""
    choice = request.tool_choice
    if isinstance(choice, NamedToolChoice):
        if isinstance(value, dict) and value.get("tool") == choice.name and "arguments" in value:
            value = value["arguments"]
        if not isinstance(value, dict):
            return None, None, [f"reply with the JSON arguments object for {choice.name!r}"]
        return ToolCall(id=new_call_id(), name=choice.name, arguments=value), None, []
    if isinstance(value, dict) and ("tool" in value or "name" in value):
        name = str(value.get("tool", value.get("name")))
        arguments = decode_arguments(value.get("arguments", {}), name)
        if isinstance(arguments, str):
            return None, None, [arguments]
        return ToolCall(id=new_call_id(), name=name, arguments=arguments), None, []
    if choice == "auto" and isinstance(value, dict) and "answer" in value:
        return None, value["answer"], []
    return None, None, ['reply with a JSON tool call {"tool": NAME, "arguments": {...}}']


def decode_prompted(request: ModelRequest, raw: Json, constrained: bool) -> Outcome:
    """Decode a reply to a prompted request (see :mod:`.prompting`)."""
    data, problems, raw_text = normalize(raw)
    response = response_from_openai(data)
    text = response.message.text
    value = extract_json(text)
    if value is None and not constrained and request.tool_choice == "auto":
        return Outcome(response, tuple(problems), raw_text)
    call, answer, found = _prompted_call(request, value)
    problems.extend(found)
    if found and response.finish_reason == "length":
        problems.append("the reply was cut off by max_tokens before the JSON was complete")
    if call is not None:
        problems.extend(check_call(call.name, call.arguments, callable_tools(request)))
        return Outcome(_with_calls(response, None, (call,)), tuple(problems), raw_text)
    if answer is not None:
        problems.extend(schema_problems(answer, answer_schema(request), "the answer"))
        answer_text = answer if isinstance(answer, str) else json.dumps(answer)
        return Outcome(_with_calls(response, answer_text, ()), tuple(problems), raw_text)
    return Outcome(response, tuple(problems), raw_text)


def decode(request: ModelRequest, mode: Mode, raw: Json) -> Outcome:
    """Decode a completion made in ``mode`` for ``request``."""
    if mode in ("schema", "parse"):
        return decode_prompted(request, raw, constrained=mode == "schema")
    return decode_native(request, raw)
