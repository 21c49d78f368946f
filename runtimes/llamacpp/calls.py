"""The tool-call output format and its streaming parser.

A model answers either with plain text or, to call tools, with exactly one compact JSON
object ``{"tool_calls":[{"name":"NAME","arguments":{...}},...]}`` (the grammar forces
this shape, so the parser can read it character by character as it streams).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from interlace.protocols import Message, StreamEvent, TextDelta, ToolCall, ToolCallDelta
from interlace.protocols.errors import BackendError

CALLS_PREFIX = '{"tool_calls":['
_NAME_OPEN = '{"name":"'
_ARGS_OPEN = ',"arguments":'


def calls_json(calls: Iterable[ToolCall]) -> str:
    """Tool calls in the output format (compact, keys in order)."""
    entries = [{"name": call.name, "arguments": call.arguments} for call in calls]
    return json.dumps({"tool_calls": entries}, ensure_ascii=False, separators=(",", ":"))


def new_call_id() -> str:
    """A fresh tool-call id."""
    return f"call_{uuid.uuid4().hex[:24]}"


@dataclass
class _Call:
    id: str
    name_raw: list[str] = field(default_factory=list)
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    complete: bool = False


@dataclass
class OutputParser:
    """Turns streamed answer text into text and tool-call deltas.

    ``calls``: ``"never"`` (plain text), ``"maybe"`` (text, or calls when the answer
    starts with the call prefix) or ``"always"``.
    """

    calls: str = "never"
    text: list[str] = field(default_factory=list)
    _pending: str = ""
    _mode: str = ""  # "", "text", "calls"
    _state: str = "open"
    _literal: str = _NAME_OPEN
    _depth: int = 0
    _in_string: bool = False
    _escape: bool = False
    _calls: list[_Call] = field(default_factory=list)

    def feed(self, delta: str) -> list[StreamEvent]:
        """Parse more answer text; returns the deltas it completes."""
        if self.calls == "never" or self._mode == "text":
            return self._text(delta)
        if self._mode == "calls":
            return self._parse(delta)
        self._pending += delta
        if self._pending.startswith(CALLS_PREFIX):
            self._mode = "calls"
            rest, self._pending = self._pending[len(CALLS_PREFIX) :], ""
            return self._parse(rest)
        if CALLS_PREFIX.startswith(self._pending):
            return []
        self._mode = "text"
        pending, self._pending = self._pending, ""
        return self._text(pending)

    def _text(self, delta: str) -> list[StreamEvent]:
        if not delta:
            return []
        self.text.append(delta)
        return [TextDelta(text=delta)]

    def finish(self) -> list[StreamEvent]:
        """Flush text held back while it could still have become a call."""
        pending, self._pending = self._pending, ""
        return self._text(pending)

    def message(self) -> Message:
        """The assistant message: the text, and every call whose arguments completed."""
        calls = tuple(
            ToolCall(id=call.id, name=call.name, arguments=self._arguments(call))
            for call in self._calls
            if call.complete
        )
        text = "".join(self.text)
        return Message.assistant(text if text or not calls else None, calls)

    @staticmethod
    def _arguments(call: _Call) -> dict[str, Any]:
        value = json.loads("".join(call.arguments))
        if not isinstance(value, dict):
            raise BackendError(f"tool call {call.name!r} produced non-object arguments")
        return value

    @property
    def incomplete_call(self) -> bool:
        """Whether the answer stopped inside a tool call."""
        return self._mode == "calls" and self._state != "end"

    # --- the call state machine -------------------------------------------------------

    def _parse(self, delta: str) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        arguments: list[str] = []
        for char in delta:
            if self._state == "args":
                arguments.append(char)
                if self._args_char(char):
                    self._flush_arguments(arguments, events)
                    self._calls[-1].complete = True
                    self._state, self._literal = "close", "}"
            elif self._state == "name":
                self._name_char(char, events)
            elif self._state == "after":
                self._after_char(char)
            else:
                self._literal_char(char)
        self._flush_arguments(arguments, events)
        return events

    def _flush_arguments(self, arguments: list[str], events: list[StreamEvent]) -> None:
        if arguments:
            chunk = "".join(arguments)
            arguments.clear()
            self._calls[-1].arguments.append(chunk)
            events.append(ToolCallDelta(index=len(self._calls) - 1, arguments=chunk))

    def _literal_char(self, char: str) -> None:
        if not self._literal.startswith(char):
            raise BackendError(f"malformed tool-call output near {char!r} (state {self._state})")
        self._literal = self._literal[1:]
        if self._literal:
            return
        if self._state == "open":
            self._calls.append(_Call(id=new_call_id()))
            self._state = "name"
        elif self._state == "sep":
            self._state, self._depth = "args", 0
        elif self._state == "close":
            self._state = "after"
        elif self._state == "tail":
            self._state = "end"

    def _name_char(self, char: str, events: list[StreamEvent]) -> None:
        call = self._calls[-1]
        if char == '"' and not self._escape:
            call.name = json.loads('"' + "".join(call.name_raw) + '"')
            index = len(self._calls) - 1
            events.append(ToolCallDelta(index=index, id=call.id, name=call.name))
            self._state, self._literal = "sep", _ARGS_OPEN
            return
        self._escape = char == "\\" and not self._escape
        call.name_raw.append(char)

    def _after_char(self, char: str) -> None:
        if char == ",":
            self._state, self._literal = "open", _NAME_OPEN
        elif char == "]":
            self._state, self._literal = "tail", "}"
        else:
            raise BackendError(f"malformed tool-call output near {char!r} after a call")

    def _args_char(self, char: str) -> bool:
        """Track JSON nesting; True when the arguments object has closed."""
        if self._in_string:
            if self._escape:
                self._escape = False
            elif char == "\\":
                self._escape = True
            elif char == '"':
                self._in_string = False
            return False
        if char == '"':
            self._in_string = True
        elif char in "{[":
            self._depth += 1
        elif char in "}]":
            self._depth -= 1
            return self._depth == 0
        return False
