"""Lossless converters to and from the OpenAI Chat Completions wire format.

The wire format is plain JSON-compatible dicts, as sent over HTTP by every
OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp server, Ollama, LM Studio).
Malformed input raises :class:`~interlace.protocols.errors.ProtocolError`, never a bare
``KeyError``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from pydantic import ValidationError

from .errors import ProtocolError
from .messages import (
    ROLES,
    AudioPart,
    ContentPart,
    ImagePart,
    Message,
    ResourcePart,
    Role,
    TextPart,
    ToolCall,
    ToolSpec,
    part_text,
)
from .requests import (
    FinishReason,
    JsonObjectFormat,
    JsonSchemaFormat,
    ModelRequest,
    ModelResponse,
    NamedToolChoice,
    ResponseFormat,
    SamplingSettings,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolChoice,
    Usage,
)
from .stream import StreamAssembler, parse_arguments

Json = dict[str, Any]
T = TypeVar("T")
FINISH_REASONS: tuple[FinishReason, ...] = (
    "stop",
    "length",
    "tool_calls",
    "content_filter",
    "cancelled",
)


def _require(data: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise ProtocolError(f"{where} must be a JSON object, got {type(data).__name__}")
    if key not in data:
        raise ProtocolError(f"{where} is missing the required field {key!r}")
    return data[key]


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ProtocolError(f"{where} must be a JSON object, got {type(value).__name__}")
    return value


def _validated(build: type[T], where: str, **fields: Any) -> T:
    try:
        return build(**fields)
    except ValidationError as exc:
        raise ProtocolError(f"invalid {where}: {exc}") from exc


# --- content and messages -----------------------------------------------------------------


def part_to_openai(part: ContentPart) -> Json:
    """One content part as an OpenAI content part: audio as ``input_audio``; OpenAI has no
    embedded documents, so an image document travels as an image and any other as its
    text (:func:`~interlace.protocols.messages.part_text`)."""
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, AudioPart):
        audio = {"data": part.data, "format": _audio_format(part.mime_type)}
        return {"type": "input_audio", "input_audio": audio}
    if isinstance(part, ResourcePart):
        if part.data is not None and (part.mime_type or "").startswith("image/"):
            return part_to_openai(ImagePart(url=f"data:{part.mime_type};base64,{part.data}"))
        return {"type": "text", "text": part_text(part)}
    image: Json = {"url": part.url}
    if part.detail is not None:
        image["detail"] = part.detail
    return {"type": "image_url", "image_url": image}


def part_from_openai(data: Any) -> ContentPart:
    """One OpenAI content part as a protocol content part."""
    kind = _require(data, "type", "content part")
    if kind == "text":
        return _validated(TextPart, "text part", text=_require(data, "text", "text part"))
    if kind == "image_url":
        image = _object(_require(data, "image_url", "image part"), "image_url")
        url = _require(image, "url", "image_url")
        return _validated(ImagePart, "image part", url=url, detail=image.get("detail"))
    if kind == "input_audio":
        audio = _object(_require(data, "input_audio", "audio part"), "input_audio")
        mime = _audio_mime(str(_require(audio, "format", "input_audio")))
        return _validated(
            AudioPart, "audio part", data=_require(audio, "data", "input_audio"), mime_type=mime
        )
    raise ProtocolError(
        f"unsupported content part type {kind!r}; expected 'text', 'image_url' or 'input_audio'"
    )


_AUDIO_FORMATS = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
}


def _audio_format(mime: str) -> str:
    """OpenAI's ``input_audio.format`` for a MIME type (``audio/wav`` -> ``wav``)."""
    return _AUDIO_FORMATS.get(mime, mime.removeprefix("audio/"))


def _audio_mime(audio_format: str) -> str:
    """The MIME type of an OpenAI ``input_audio.format`` (``mp3`` -> ``audio/mpeg``)."""
    return "audio/mpeg" if audio_format == "mp3" else f"audio/{audio_format}"


def tool_call_to_openai(call: ToolCall) -> Json:
    """A tool call as an OpenAI ``tool_calls`` entry (arguments serialized as JSON text)."""
    return {
        "id": call.id,
        "type": "function",
        "function": {
            "name": call.name,
            "arguments": json.dumps(call.arguments, ensure_ascii=False),
        },
    }


def tool_call_from_openai(data: Any) -> ToolCall:
    """An OpenAI ``tool_calls`` entry as a :class:`ToolCall`."""
    call_id = _require(data, "id", "tool call")
    function = _object(_require(data, "function", "tool call"), "tool call function")
    name = _require(function, "name", "tool call function")
    raw = function.get("arguments") or ""
    arguments = raw if isinstance(raw, dict) else parse_arguments(str(raw), str(name))
    return _validated(ToolCall, "tool call", id=call_id, name=name, arguments=arguments)


def message_to_openai(message: Message) -> Json:
    """A message as an OpenAI chat message."""
    content: Any = message.content
    if isinstance(content, tuple):
        content = [part_to_openai(part) for part in content]
    data: Json = {"role": message.role, "content": content}
    if message.tool_calls:
        data["tool_calls"] = [tool_call_to_openai(call) for call in message.tool_calls]
    if message.tool_call_id is not None:
        data["tool_call_id"] = message.tool_call_id
    if message.name is not None:
        data["name"] = message.name
    return data


def _request_message(message: Message) -> Json:
    """A message as a request sends it: a message without content leaves ``content`` out
    when it calls tools and sends ``""`` otherwise (servers that check requests, such as
    llama.cpp's, refuse ``null`` there although OpenAI's API allows it)."""
    data = message_to_openai(message)
    if data["content"] is None:
        if message.tool_calls:
            del data["content"]
        else:
            data["content"] = ""
    return data


def _role_from_openai(value: Any) -> Role:
    if value == "developer":
        return "system"
    if value not in ROLES:
        raise ProtocolError(f"unknown message role {value!r}; expected one of {', '.join(ROLES)}")
    return cast(Role, value)


def message_from_openai(data: Any) -> Message:
    """An OpenAI chat message as a :class:`Message`."""
    role = _role_from_openai(_require(data, "role", "message"))
    content = data.get("content")
    if isinstance(content, list):
        content = tuple(part_from_openai(part) for part in content)
    elif content is not None and not isinstance(content, str):
        raise ProtocolError(f"message content must be a string or a list of parts: {content!r}")
    calls = tuple(tool_call_from_openai(call) for call in data.get("tool_calls") or ())
    return _validated(
        Message,
        f"{role} message",
        role=role,
        content=content,
        tool_calls=calls,
        tool_call_id=data.get("tool_call_id"),
        name=data.get("name"),
    )


# --- tools and requests -------------------------------------------------------------------


def tool_spec_to_openai(spec: ToolSpec) -> Json:
    """A tool spec as an OpenAI ``tools`` entry."""
    function: Json = {
        "name": spec.name,
        "description": spec.description,
        "parameters": spec.parameters,
    }
    return {"type": "function", "function": function}


def tool_spec_from_openai(data: Any) -> ToolSpec:
    """An OpenAI ``tools`` entry as a :class:`ToolSpec`."""
    function = _object(_require(data, "function", "tool"), "tool function")
    return _validated(
        ToolSpec,
        "tool",
        name=_require(function, "name", "tool function"),
        description=function.get("description") or "",
        parameters=function.get("parameters") or {"type": "object", "properties": {}},
    )


def tool_choice_to_openai(choice: ToolChoice) -> Any:
    """A tool choice as OpenAI's ``tool_choice`` value."""
    if isinstance(choice, NamedToolChoice):
        return {"type": "function", "function": {"name": choice.name}}
    return choice


def tool_choice_from_openai(value: Any) -> ToolChoice:
    """OpenAI's ``tool_choice`` value as a :class:`ToolChoice`."""
    if value in ("auto", "none", "required"):
        return cast(ToolChoice, value)
    if isinstance(value, Mapping):
        function = _object(_require(value, "function", "tool_choice"), "tool_choice function")
        return NamedToolChoice(name=_require(function, "name", "tool_choice function"))
    raise ProtocolError(f"invalid tool_choice {value!r}; expected auto, none, required or a tool")


def response_format_to_openai(fmt: ResponseFormat) -> Json:
    """A response format as OpenAI's ``response_format`` value."""
    if isinstance(fmt, JsonObjectFormat):
        return {"type": "json_object"}
    return {
        "type": "json_schema",
        "json_schema": {"name": fmt.name, "schema": fmt.json_schema, "strict": fmt.strict},
    }


def response_format_from_openai(data: Any) -> ResponseFormat | None:
    """OpenAI's ``response_format`` value; ``{"type": "text"}`` means no constraint."""
    kind = _require(data, "type", "response_format")
    if kind == "text":
        return None
    if kind == "json_object":
        return JsonObjectFormat()
    if kind == "json_schema":
        spec = _object(_require(data, "json_schema", "response_format"), "json_schema")
        return _validated(
            JsonSchemaFormat,
            "json_schema response format",
            name=spec.get("name", "response"),
            json_schema=_require(spec, "schema", "json_schema"),
            strict=bool(spec.get("strict", True)),
        )
    raise ProtocolError(f"unsupported response_format type {kind!r}")


def request_to_openai(request: ModelRequest, model: str | None = None) -> Json:
    """A request as the JSON body of ``POST /v1/chat/completions``."""
    body: Json = {"messages": [_request_message(m) for m in request.messages]}
    if model is not None:
        body["model"] = model
    if request.tools:
        body["tools"] = [tool_spec_to_openai(spec) for spec in request.tools]
    if request.tool_choice != "auto":
        body["tool_choice"] = tool_choice_to_openai(request.tool_choice)
    if request.response_format is not None:
        body["response_format"] = response_format_to_openai(request.response_format)
    if request.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = request.parallel_tool_calls
    if request.cache_key is not None:
        body["prompt_cache_key"] = request.cache_key
    settings = request.settings.model_dump(exclude_none=True, exclude={"stop"})
    if request.settings.stop:
        settings["stop"] = list(request.settings.stop)
    return body | settings


def _settings_from_openai(body: Mapping[str, Any]) -> SamplingSettings:
    stop = body.get("stop") or ()
    return _validated(
        SamplingSettings,
        "sampling settings",
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        max_tokens=body.get("max_completion_tokens") or body.get("max_tokens"),
        stop=(stop,) if isinstance(stop, str) else tuple(stop),
        seed=body.get("seed"),
    )


def request_from_openai(body: Any) -> ModelRequest:
    """The JSON body of ``POST /v1/chat/completions`` as a :class:`ModelRequest`."""
    messages = _require(body, "messages", "chat completion request")
    if not isinstance(messages, list):
        raise ProtocolError("'messages' must be a list of chat messages")
    fmt = body.get("response_format")
    return _validated(
        ModelRequest,
        "chat completion request",
        messages=tuple(message_from_openai(m) for m in messages),
        tools=tuple(tool_spec_from_openai(t) for t in body.get("tools") or ()),
        tool_choice=tool_choice_from_openai(body.get("tool_choice", "auto")),
        response_format=response_format_from_openai(fmt) if fmt is not None else None,
        settings=_settings_from_openai(body),
        parallel_tool_calls=body.get("parallel_tool_calls"),
        cache_key=body.get("prompt_cache_key"),
    )


# --- responses and usage ------------------------------------------------------------------


def usage_to_openai(usage: Usage) -> Json:
    """Usage in OpenAI's field names."""
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }


def usage_from_openai(data: Any) -> Usage:
    """OpenAI usage (``None`` counts as zero)."""
    if data is None:
        return Usage()
    data = _object(data, "usage")
    return _validated(
        Usage,
        "usage",
        input_tokens=data.get("prompt_tokens") or 0,
        output_tokens=data.get("completion_tokens") or 0,
    )


def finish_reason_from_openai(value: Any, has_tool_calls: bool) -> FinishReason:
    """OpenAI's finish reason; legacy ``function_call`` maps to ``tool_calls``."""
    if value is None:
        return "tool_calls" if has_tool_calls else "stop"
    if value == "function_call":
        return "tool_calls"
    if value not in FINISH_REASONS:
        raise ProtocolError(f"unknown finish_reason {value!r}")
    return cast(FinishReason, value)


def response_to_openai(response: ModelResponse, created: int = 0) -> Json:
    """A response as an OpenAI ``chat.completion`` object."""
    data: Json = {
        "object": "chat.completion",
        "created": created,
        "choices": [
            {
                "index": 0,
                "message": message_to_openai(response.message),
                "finish_reason": response.finish_reason,
            }
        ],
        "usage": usage_to_openai(response.usage),
    }
    if response.id is not None:
        data["id"] = response.id
    if response.model is not None:
        data["model"] = response.model
    return data


def response_from_openai(data: Any) -> ModelResponse:
    """An OpenAI ``chat.completion`` object as a :class:`ModelResponse` (first choice)."""
    choices = _require(data, "choices", "chat completion")
    if not isinstance(choices, list) or not choices:
        raise ProtocolError("chat completion has no choices")
    choice = _object(choices[0], "choice")
    message = message_from_openai(_require(choice, "message", "choice"))
    return ModelResponse(
        message=message,
        finish_reason=finish_reason_from_openai(
            choice.get("finish_reason"), bool(message.tool_calls)
        ),
        usage=usage_from_openai(data.get("usage")),
        model=data.get("model"),
        id=data.get("id"),
    )


# --- streamed chunks ----------------------------------------------------------------------


def event_to_chunk(event: StreamEvent, id: str, model: str, created: int = 0) -> Json:
    """A text or tool-call delta as an OpenAI ``chat.completion.chunk``.

    A :class:`Done` event becomes the closing chunk with the finish reason and usage.
    """
    choice: Json = {"index": 0, "delta": {}, "finish_reason": None}
    chunk: Json = {"id": id, "object": "chat.completion.chunk", "created": created, "model": model}
    if isinstance(event, TextDelta):
        choice["delta"] = {"content": event.text}
    elif isinstance(event, ToolCallDelta):
        entry: Json = {"index": event.index, "function": {"arguments": event.arguments}}
        if event.id is not None:
            entry["id"] = event.id
            entry["type"] = "function"
        if event.name is not None:
            entry["function"]["name"] = event.name
        choice["delta"] = {"tool_calls": [entry]}
    else:
        choice["finish_reason"] = event.response.finish_reason
        chunk["usage"] = usage_to_openai(event.response.usage)
    chunk["choices"] = [choice]
    return chunk


@dataclass
class ChunkDecoder:
    """Decodes OpenAI ``chat.completion.chunk`` objects into stream events.

    Tool-call fragments are assembled per ``index``; :meth:`response` gives the final
    response once the stream has ended.
    """

    assembler: StreamAssembler = field(default_factory=StreamAssembler)
    finish_reason: Any = None
    usage: Usage | None = None
    model: str | None = None
    id: str | None = None

    def feed(self, chunk: Any) -> list[StreamEvent]:
        """Decode one chunk into zero or more deltas."""
        chunk = _object(chunk, "stream chunk")
        self.id = self.id or chunk.get("id")
        self.model = self.model or chunk.get("model")
        if chunk.get("usage") is not None:
            self.usage = usage_from_openai(chunk["usage"])
        events: list[StreamEvent] = []
        for choice in chunk.get("choices") or ():
            choice = _object(choice, "stream choice")
            events.extend(self._delta_events(_object(choice.get("delta") or {}, "delta")))
            if choice.get("finish_reason") is not None:
                self.finish_reason = choice["finish_reason"]
        for event in events:
            self.assembler.add(event)
        return events

    @staticmethod
    def _delta_events(delta: Mapping[str, Any]) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        if delta.get("content"):
            events.append(TextDelta(text=str(delta["content"])))
        for entry in delta.get("tool_calls") or ():
            entry = _object(entry, "tool call delta")
            function = _object(entry.get("function") or {}, "tool call delta function")
            events.append(
                _validated(
                    ToolCallDelta,
                    "tool call delta",
                    index=entry.get("index", 0),
                    id=entry.get("id"),
                    name=function.get("name"),
                    arguments=function.get("arguments") or "",
                )
            )
        return events

    def response(self) -> ModelResponse:
        """The complete response assembled from every chunk fed so far."""
        message = self.assembler.message()
        reason = finish_reason_from_openai(self.finish_reason, bool(message.tool_calls))
        return self.assembler.response(reason, self.usage, self.model, self.id)
