"""MCP sampling (``sampling/createMessage``) to and from the protocol's model requests.

Both directions on MCP's JSON (camelCase, as on the wire), with no SDK import: an
interlace server asking its client's model (the ``mcp-sampling:`` backend) and the MCP
client toolset answering an upstream server's sampling request with an agent's model.
System messages become ``systemPrompt``; text and images travel as content blocks; tool
specs, assistant tool calls and tool results as MCP's ``tool_use`` / ``tool_result``
blocks (2025-11-25 sampling with tools).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ProtocolError
from .messages import (
    DATA_URL,
    AudioPart,
    ContentPart,
    ImagePart,
    Message,
    ResourcePart,
    TextPart,
    ToolCall,
    ToolSpec,
    part_text,
)
from .requests import FinishReason, ModelRequest, ModelResponse, SamplingSettings, Usage

DEFAULT_MAX_TOKENS = 1024
"""``maxTokens`` is required on the wire; a request without ``max_tokens`` asks for this."""

_STOPS: dict[str, FinishReason] = {
    "endTurn": "stop",
    "stopSequence": "stop",
    "maxTokens": "length",
    "toolUse": "tool_calls",
}
_REASONS = {"stop": "endTurn", "length": "maxTokens", "tool_calls": "toolUse"}


# --- requests ------------------------------------------------------------------------------


def request_to_mcp(request: ModelRequest, model_hint: str | None = None) -> dict[str, Any]:
    """``CreateMessageRequestParams`` JSON for ``request``."""
    system = [m.text for m in request.messages if m.role == "system" and m.text]
    params: dict[str, Any] = {
        "messages": [_message_to_mcp(m) for m in request.messages if m.role != "system"],
        "maxTokens": request.settings.max_tokens or DEFAULT_MAX_TOKENS,
    }
    if system:
        params["systemPrompt"] = "\n\n".join(system)
    if request.settings.temperature is not None:
        params["temperature"] = request.settings.temperature
    if request.settings.stop:
        params["stopSequences"] = list(request.settings.stop)
    if model_hint:
        params["modelPreferences"] = {"hints": [{"name": model_hint}]}
    if request.tools and request.tool_choice != "none":
        params["tools"] = [_tool_to_mcp(spec) for spec in request.tools]
        params["toolChoice"] = {"mode": "required" if request.tool_choice == "required" else "auto"}
    return params


def request_from_mcp(params: Mapping[str, Any]) -> ModelRequest:
    """The protocol request for ``CreateMessageRequestParams`` JSON."""
    messages: list[Message] = []
    if params.get("systemPrompt"):
        messages.append(Message.system(str(params["systemPrompt"])))
    for item in params.get("messages") or []:
        messages.extend(_message_from_mcp(item))
    settings = SamplingSettings(
        temperature=params.get("temperature"),
        max_tokens=params.get("maxTokens"),
        stop=tuple(params.get("stopSequences") or ()),
    )
    tools = tuple(_tool_from_mcp(tool) for tool in params.get("tools") or ())
    mode = (params.get("toolChoice") or {}).get("mode", "auto")
    choice = mode if mode in ("auto", "required", "none") else "auto"
    return ModelRequest(
        messages=tuple(messages), tools=tools, tool_choice=choice, settings=settings
    )


def _tool_to_mcp(spec: ToolSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description, "inputSchema": spec.parameters}


def _tool_from_mcp(tool: Mapping[str, Any]) -> ToolSpec:
    schema = dict(tool.get("inputSchema") or {"type": "object", "properties": {}})
    return ToolSpec(name=tool["name"], description=tool.get("description") or "", parameters=schema)


# --- messages ------------------------------------------------------------------------------


def _message_to_mcp(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        block = {
            "type": "tool_result",
            "toolUseId": message.tool_call_id,
            "content": _blocks(message.content),
        }
        return {"role": "user", "content": [block]}
    blocks = _blocks(message.content)
    blocks += [
        {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
        for call in message.tool_calls
    ]
    content: Any = blocks[0] if len(blocks) == 1 else blocks
    return {"role": "assistant" if message.role == "assistant" else "user", "content": content}


def _blocks(content: str | Sequence[ContentPart] | None) -> list[dict[str, Any]]:
    if content is None or content == "":
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [_part_to_mcp(part) for part in content]


def _part_to_mcp(part: ContentPart) -> dict[str, Any]:
    """A sampling content block: text, image or audio (documents as their text)."""
    if isinstance(part, TextPart | ResourcePart):
        return {"type": "text", "text": part_text(part)}
    if isinstance(part, AudioPart):
        return {"type": "audio", "data": part.data, "mimeType": part.mime_type}
    match = DATA_URL.match(part.url)
    if match is None:
        raise ProtocolError(
            f"MCP sampling carries images as data, not links; got {part.url[:60]!r} "
            "(pass a data: URL)"
        )
    return {"type": "image", "data": match["data"], "mimeType": match["mime"]}


def _message_from_mcp(item: Mapping[str, Any]) -> list[Message]:
    raw = item.get("content")
    found = raw if isinstance(raw, list) else [raw]
    blocks: list[Mapping[str, Any]] = [block for block in found if isinstance(block, Mapping)]
    role = item.get("role")
    results = [block for block in blocks if block.get("type") == "tool_result"]
    if results:
        return [
            Message.tool(block["toolUseId"], _text_of(block.get("content") or []))
            for block in results
        ]
    parts = [_part_from_mcp(block) for block in blocks if block.get("type") != "tool_use"]
    calls = tuple(
        ToolCall(id=block["id"], name=block["name"], arguments=dict(block.get("input") or {}))
        for block in blocks
        if block.get("type") == "tool_use"
    )
    content = _content(parts)
    if role == "assistant":
        return [Message.assistant(content if isinstance(content, str) else None, calls)]
    return [Message.user(content if content is not None else "")]


def _part_from_mcp(block: Mapping[str, Any]) -> ContentPart:
    kind = block.get("type")
    if kind == "text":
        return TextPart(text=str(block.get("text", "")))
    if kind == "image":
        return ImagePart(url=f"data:{block['mimeType']};base64,{block['data']}")
    if kind == "audio":
        return AudioPart(data=block["data"], mime_type=block["mimeType"])
    return TextPart(text=f"[{kind} content, not shown]")


def _content(parts: list[ContentPart]) -> str | tuple[ContentPart, ...] | None:
    if not parts:
        return None
    if all(isinstance(part, TextPart) for part in parts):
        return "".join(part.text for part in parts if isinstance(part, TextPart))
    return tuple(parts)


def _text_of(blocks: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join(str(block.get("text", "")) for block in blocks if block.get("type") == "text")


# --- results -------------------------------------------------------------------------------


def result_to_mcp(response: ModelResponse) -> dict[str, Any]:
    """``CreateMessageResult`` JSON for a model's answer (tool calls as ``tool_use``)."""
    message = response.message
    blocks = _blocks(message.content) or ([] if message.tool_calls else [_EMPTY])
    blocks += [
        {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
        for call in message.tool_calls
    ]
    return {
        "role": "assistant",
        "content": blocks[0] if len(blocks) == 1 else blocks,
        "model": response.model or "interlace",
        "stopReason": _REASONS.get(response.finish_reason, "endTurn"),
    }


_EMPTY = {"type": "text", "text": ""}


def result_from_mcp(result: Mapping[str, Any]) -> ModelResponse:
    """The protocol response for ``CreateMessageResult`` JSON."""
    try:
        message = _message_from_mcp({"role": "assistant", "content": result["content"]})[0]
    except (KeyError, TypeError, AttributeError) as error:
        raise ProtocolError(f"not a sampling result: {json.dumps(result)[:200]}") from error
    reason = _STOPS.get(str(result.get("stopReason") or "endTurn"), "stop")
    if message.tool_calls:
        reason = "tool_calls"
    return ModelResponse(
        message=message, finish_reason=reason, usage=Usage(), model=result.get("model")
    )
