"""Tool calls without native support: describe the tools in the prompt, ask for JSON.

With ``constrain=True`` the reply is also constrained by a JSON Schema envelope (the
server's ``response_format``), so it is a valid call (or, for ``tool_choice="auto"``, a
valid answer) by construction. Without it the reply is parsed and checked afterwards.
"""

from __future__ import annotations

import json
from typing import Any

from interlace.protocols import (
    JsonSchemaFormat,
    Message,
    ModelRequest,
    NamedToolChoice,
    ToolSpec,
)

Json = dict[str, Any]


def _call_branch(spec: ToolSpec) -> Json:
    return {
        "type": "object",
        "properties": {"tool": {"const": spec.name}, "arguments": spec.parameters},
        "required": ["tool", "arguments"],
        "additionalProperties": False,
    }


def answer_schema(request: ModelRequest) -> Json:
    """The schema of a direct answer: the request's own JSON Schema, else any string."""
    fmt = request.response_format
    return fmt.json_schema if isinstance(fmt, JsonSchemaFormat) else {"type": "string"}


def envelope_schema(request: ModelRequest) -> Json:
    """The JSON Schema a reply must match for the request's ``tool_choice``.

    A named tool: its arguments. ``required``: one of the tools as ``{"tool", "arguments"}``.
    ``auto``: one of those, or ``{"answer": ...}``.
    """
    choice = request.tool_choice
    if isinstance(choice, NamedToolChoice):
        spec = next((tool for tool in request.tools if tool.name == choice.name), None)
        return spec.parameters if spec else {"type": "object"}
    branches = [_call_branch(spec) for spec in request.tools]
    if choice == "auto":
        branches.append(
            {
                "type": "object",
                "properties": {"answer": answer_schema(request)},
                "required": ["answer"],
                "additionalProperties": False,
            }
        )
    return branches[0] if len(branches) == 1 else {"anyOf": branches}


def instructions(request: ModelRequest, constrain: bool) -> str:
    """The system text that describes the tools and the reply format."""
    lines = ["You can use these tools:"]
    for spec in request.tools:
        schema = json.dumps(spec.parameters, ensure_ascii=False)
        lines.append(f"- {spec.name}: {spec.description} Arguments (JSON Schema): {schema}")
    choice = request.tool_choice
    call_form = '{"tool": "TOOL_NAME", "arguments": {...}}'
    if isinstance(choice, NamedToolChoice):
        lines.append(f"Reply only with the JSON arguments object for the tool {choice.name}.")
    elif choice == "required":
        lines.append(f"Reply only with a JSON tool call: {call_form}")
    elif constrain:
        lines.append(
            f"To call a tool reply only with {call_form}. "
            'To answer directly reply only with {"answer": YOUR_ANSWER}.'
        )
    else:
        lines.append(f"To call a tool reply only with {call_form}. Otherwise answer in text.")
    return "\n".join(lines)


def as_text(message: Message) -> Message:
    """A tool-call or tool-result message rewritten as plain text for the prompt."""
    if message.role == "tool":
        label = f"Result of tool {message.name}" if message.name else "Tool result"
        return Message.user(f"{label} (call {message.tool_call_id}): {message.text}")
    if message.tool_calls:
        calls = [{"tool": call.name, "arguments": call.arguments} for call in message.tool_calls]
        text = json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False)
        return Message.assistant((message.text + "\n" + text).strip())
    return message


def prompted_request(request: ModelRequest, constrain: bool) -> ModelRequest:
    """The request rewritten so a server without tool calling can still make calls."""
    guide = instructions(request, constrain)
    messages = [as_text(message) for message in request.messages]
    if messages and messages[0].role == "system":
        messages[0] = Message.system(f"{messages[0].text}\n\n{guide}")
    else:
        messages.insert(0, Message.system(guide))
    fmt = None
    if constrain:
        fmt = JsonSchemaFormat(name="reply", json_schema=envelope_schema(request), strict=True)
    return request.model_copy(
        update={
            "messages": tuple(messages),
            "tools": (),
            "tool_choice": "auto",
            "response_format": fmt,
            "parallel_tool_calls": None,
        }
    )
