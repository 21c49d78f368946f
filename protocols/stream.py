"""Fold stream events back into one response."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import ProtocolError
from .messages import Message, ToolCall
from .requests import (
    Done,
    FinishReason,
    ModelResponse,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)


def parse_arguments(raw: str, tool_name: str) -> dict[str, Any]:
    """Decode a tool call's JSON arguments; empty means ``{}``.

    Raises :class:`ProtocolError` naming the tool when the text is not a JSON object.
    """
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ProtocolError(
            f"arguments of tool call {tool_name!r} are not valid JSON ({exc.msg} at "
            f"position {exc.pos}): {raw[:200]!r}"
        ) from exc
    if not isinstance(value, dict):
        raise ProtocolError(
            f"arguments of tool call {tool_name!r} must be a JSON object, "
            f"got {type(value).__name__}: {raw[:200]!r}"
        )
    return value


@dataclass
class _PartialCall:
    id: str | None = None
    name: str | None = None
    arguments: list[str] = field(default_factory=list)


@dataclass
class StreamAssembler:
    """Accumulates text and tool-call deltas (assembled per ``index``) into a response."""

    text: list[str] = field(default_factory=list)
    calls: dict[int, _PartialCall] = field(default_factory=dict)

    def add(self, event: StreamEvent) -> None:
        """Fold one delta in; a :class:`Done` event is ignored (use its response)."""
        if isinstance(event, TextDelta):
            self.text.append(event.text)
        elif isinstance(event, ToolCallDelta):
            call = self.calls.setdefault(event.index, _PartialCall())
            call.id = call.id or event.id
            call.name = call.name or event.name
            call.arguments.append(event.arguments)

    def tool_calls(self) -> tuple[ToolCall, ...]:
        """The calls assembled so far, in index order, with decoded arguments."""
        result = []
        for index in sorted(self.calls):
            partial = self.calls[index]
            if not partial.id or not partial.name:
                raise ProtocolError(f"streamed tool call at index {index} has no id or name")
            arguments = parse_arguments("".join(partial.arguments), partial.name)
            result.append(ToolCall(id=partial.id, name=partial.name, arguments=arguments))
        return tuple(result)

    def message(self) -> Message:
        """The assistant message assembled so far."""
        text = "".join(self.text)
        calls = self.tool_calls()
        return Message.assistant(text if text or not calls else None, calls)

    def response(
        self,
        finish_reason: FinishReason | None = None,
        usage: Usage | None = None,
        model: str | None = None,
        id: str | None = None,
    ) -> ModelResponse:
        """The complete response; the finish reason defaults from the content."""
        message = self.message()
        reason: FinishReason = finish_reason or ("tool_calls" if message.tool_calls else "stop")
        return ModelResponse(
            message=message, finish_reason=reason, usage=usage or Usage(), model=model, id=id
        )


def response_events(response: ModelResponse, chunk_size: int = 16) -> list[StreamEvent]:
    """Split a complete response into stream events (used by non-streaming backends)."""
    events: list[StreamEvent] = []
    text = response.message.text
    events.extend(TextDelta(text=text[i : i + chunk_size]) for i in range(0, len(text), chunk_size))
    for index, call in enumerate(response.message.tool_calls):
        arguments = json.dumps(call.arguments, ensure_ascii=False)
        events.append(ToolCallDelta(index=index, id=call.id, name=call.name))
        events.extend(
            ToolCallDelta(index=index, arguments=arguments[i : i + chunk_size])
            for i in range(0, len(arguments), chunk_size)
        )
    events.append(Done(response=response))
    return events
