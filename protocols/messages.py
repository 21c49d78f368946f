"""Messages, tool calls and tool specs: the data every agent, tool and backend speaks."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import ProtocolError

Role = Literal["system", "user", "assistant", "tool"]
ROLES: tuple[Role, ...] = ("system", "user", "assistant", "tool")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TextPart(_Frozen):
    """A piece of text content."""

    type: Literal["text"] = "text"
    text: str


DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)$", re.DOTALL)
"""A base64 ``data:`` URL: its ``mime`` type and its ``data``."""


class ImagePart(_Frozen):
    """An image, by URL (``https://`` or a ``data:`` URL)."""

    type: Literal["image"] = "image"
    url: str
    detail: Literal["auto", "low", "high"] | None = None


class AudioPart(_Frozen):
    """Audio: base64 ``data`` of the ``mime_type`` (``audio/wav``, ``audio/mpeg``, ...)."""

    type: Literal["audio"] = "audio"
    data: str
    mime_type: str


class ResourcePart(_Frozen):
    """A document embedded whole: its ``uri`` with its ``text``, or base64 ``data`` for a
    binary document (exactly one of them), and its ``mime_type``."""

    type: Literal["resource"] = "resource"
    uri: str
    mime_type: str | None = None
    text: str | None = None
    data: str | None = None

    @model_validator(mode="after")
    def _text_or_data(self) -> ResourcePart:
        if (self.text is None) == (self.data is None):
            raise ProtocolError(f"resource {self.uri!r} needs exactly one of text or data")
        return self


ContentPart = Annotated[
    TextPart | ImagePart | AudioPart | ResourcePart, Field(discriminator="type")
]
Content = str | tuple[ContentPart, ...]


def part_text(part: ContentPart) -> str:
    """What a text-only reader sees of a part: its text, an embedded document's text under
    a header, a short note for audio and binary documents, nothing for an image."""
    if isinstance(part, TextPart):
        return part.text
    if isinstance(part, AudioPart):
        return f"[audio {part.mime_type}, {_size(part.data)} bytes, not shown]"
    if isinstance(part, ResourcePart):
        mime = part.mime_type or ("text/plain" if part.text is not None else "binary")
        if part.text is not None:
            return f"[resource <{part.uri}> ({mime})]\n{part.text}"
        return f"[binary resource <{part.uri}> ({mime}), {_size(part.data or '')} bytes, not shown]"
    return ""


def _size(data: str) -> int:
    """The byte length of base64 ``data`` (without decoding it)."""
    compact = "".join(data.split())
    return len(compact) * 3 // 4 - compact.endswith("=") - compact.endswith("==")


class ToolCall(_Frozen):
    """A model's request to call a tool; ``arguments`` is the decoded JSON object."""

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class ToolSpec(_Frozen):
    """What a model sees of a tool: its name, description and JSON Schema parameters."""

    name: str = Field(min_length=1, max_length=128)
    description: str = ""
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}, "additionalProperties": False}
    )


class Message(_Frozen):
    """One message of a conversation.

    ``content`` is a string, a tuple of content parts, or ``None`` (an assistant message
    that only calls tools). ``tool_calls`` only appear on assistant messages and
    ``tool_call_id`` only (and always) on tool messages.
    """

    role: Role
    content: Content | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    def model_post_init(self, context: Any, /) -> None:
        """Check which fields the role allows; runs when a message is built or parsed
        (not again when a built message is passed to another model, e.g. a request)."""
        if self.tool_calls and self.role != "assistant":
            raise ProtocolError(f"only assistant messages carry tool_calls, not {self.role!r}")
        if self.role == "tool" and not self.tool_call_id:
            raise ProtocolError("a tool message needs the tool_call_id of the call it answers")
        if self.role != "tool" and self.tool_call_id is not None:
            raise ProtocolError(f"tool_call_id belongs on tool messages, not {self.role!r}")

    @property
    def text(self) -> str:
        """The concatenated text of the message (see :func:`part_text`: images are
        skipped, audio and binary documents noted)."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part_text(part) for part in self.content)

    @classmethod
    def system(cls, text: str) -> Message:
        """A system message."""
        return cls(role="system", content=text)

    @classmethod
    def user(cls, content: Content) -> Message:
        """A user message."""
        return cls(role="user", content=content)

    @classmethod
    def assistant(cls, text: str | None = None, tool_calls: tuple[ToolCall, ...] = ()) -> Message:
        """An assistant message with text, tool calls, or both."""
        return cls(role="assistant", content=text, tool_calls=tuple(tool_calls))

    @classmethod
    def tool(cls, tool_call_id: str, content: Content, name: str | None = None) -> Message:
        """A tool message answering the call ``tool_call_id``."""
        return cls(role="tool", tool_call_id=tool_call_id, content=content, name=name)


class ToolResult(_Frozen):
    """The outcome of a tool call. ``is_error`` results are shown to the model, not raised."""

    tool_call_id: str
    name: str
    content: Content = ""
    is_error: bool = False
    structured: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        """The result as text."""
        return self.to_message().text

    def to_message(self) -> Message:
        """The tool message that reports this result back to the model."""
        return Message.tool(self.tool_call_id, self.content, name=self.name)
