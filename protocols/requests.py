"""Model requests, responses, usage and stream events."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .messages import Message, ToolCall, ToolSpec


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NamedToolChoice(_Frozen):
    """Force a call to one named tool."""

    name: str


ToolChoice = Literal["auto", "none", "required"] | NamedToolChoice


class JsonSchemaFormat(_Frozen):
    """Constrain the whole answer to JSON matching ``json_schema``."""

    type: Literal["json_schema"] = "json_schema"
    name: str = "response"
    json_schema: dict[str, Any]
    strict: bool = True


class JsonObjectFormat(_Frozen):
    """Constrain the answer to any JSON object."""

    type: Literal["json_object"] = "json_object"


ResponseFormat = Annotated[JsonSchemaFormat | JsonObjectFormat, Field(discriminator="type")]


class SamplingSettings(_Frozen):
    """Sampling options; ``None`` means the backend's default."""

    temperature: float | None = Field(default=None, ge=0)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_tokens: int | None = Field(default=None, gt=0)
    stop: tuple[str, ...] = ()
    seed: int | None = None


class ModelRequest(_Frozen):
    """Everything a backend needs for one model call.

    ``cache_key`` names the conversation (e.g. an agent and thread) so that backends which
    keep evaluated prompt prefixes can keep one per conversation. ``other_tools`` are
    tools the caller has but did not offer this call (a tool selection left them out):
    backends show the model only ``tools``, but accept a call to one of these as valid.
    """

    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...] = ()
    other_tools: tuple[ToolSpec, ...] = ()
    tool_choice: ToolChoice = "auto"
    response_format: ResponseFormat | None = None
    settings: SamplingSettings = SamplingSettings()
    parallel_tool_calls: bool | None = None
    cache_key: str | None = None


class Usage(_Frozen):
    """Token usage of one or more model calls."""

    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )


FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "cancelled"]


class ModelResponse(_Frozen):
    """A backend's answer: one assistant message, why it stopped, and token usage."""

    message: Message
    finish_reason: FinishReason = "stop"
    usage: Usage = Usage()
    model: str | None = None
    id: str | None = None

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        """The tool calls of the message."""
        return self.message.tool_calls


class TextDelta(_Frozen):
    """A piece of answer text."""

    type: Literal["text"] = "text"
    text: str


class ToolCallDelta(_Frozen):
    """A piece of a tool call; pieces with the same ``index`` belong to one call.

    The first piece of a call carries its ``id`` and ``name``; ``arguments`` pieces
    concatenate to the call's JSON arguments.
    """

    type: Literal["tool_call"] = "tool_call"
    index: int = Field(ge=0)
    id: str | None = None
    name: str | None = None
    arguments: str = ""


class Done(_Frozen):
    """The end of a stream, carrying the complete response."""

    type: Literal["done"] = "done"
    response: ModelResponse


StreamEvent = Annotated[TextDelta | ToolCallDelta | Done, Field(discriminator="type")]
