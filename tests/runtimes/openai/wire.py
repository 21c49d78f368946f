"""Helpers that write server answers in the documented OpenAI-compatible shapes."""

from __future__ import annotations

import json
from typing import Any

import httpx

from interlace.protocols import Message, ModelRequest, SamplingSettings, ToolSpec

BASE = "http://quirks.test/v1"
WEATHER = ToolSpec(
    name="get_weather",
    description="Weather for a city.",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
)


def request(**fields: Any) -> ModelRequest:
    """A small request asking about the weather, with the weather tool."""
    return ModelRequest(
        messages=(Message.user("Weather in Paris?"),),
        tools=(WEATHER,),
        settings=SamplingSettings(temperature=0, max_tokens=32),
        **fields,
    )


def completion(
    content: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str = "stop",
    **extra: Any,
) -> dict[str, Any]:
    """A ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, **extra}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12},
    }


def tool_call(
    arguments: Any, name: str = "get_weather", id: str | None = "call_1"
) -> dict[str, Any]:
    """A ``tool_calls`` entry."""
    call: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if id is not None:
        call["id"] = id
    return call


def sse(*chunks: dict[str, Any] | str, done: bool = True) -> httpx.Response:
    """A streamed answer: each chunk as an SSE ``data:`` event, then ``[DONE]``."""
    events = [f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in chunks]
    if done:
        events.append("data: [DONE]\n\n")
    return httpx.Response(
        200, content="".join(events).encode(), headers={"content-type": "text/event-stream"}
    )


def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    """A ``chat.completion.chunk`` object."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
