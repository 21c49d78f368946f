"""Fixed cases taken from the documented OpenAI Chat Completions wire format."""

from __future__ import annotations

import pytest

from interlace.protocols import (
    AudioPart,
    ImagePart,
    Message,
    NamedToolChoice,
    ProtocolError,
    ResourcePart,
    TextPart,
    ToolCall,
)
from interlace.protocols.openai_wire import (
    ChunkDecoder,
    message_from_openai,
    message_to_openai,
    request_from_openai,
    request_to_openai,
    response_from_openai,
    response_to_openai,
)

# https://platform.openai.com/docs/guides/function-calling (request with tools)
DOC_REQUEST = {
    "model": "gpt-4.1",
    "messages": [
        {"role": "developer", "content": "You are a helpful assistant."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is the weather like in Paris today?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/p.jpg", "detail": "low"},
                },
            ],
        },
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Get current temperature for a given location.",
                "parameters": {
                    "type": "object",
                    "properties": {"location": {"type": "string"}},
                    "required": ["location"],
                    "additionalProperties": False,
                },
                "strict": True,
            },
        }
    ],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "temperature": 0.2,
    "max_completion_tokens": 100,
    "stop": "END",
}

# https://platform.openai.com/docs/api-reference/chat/object (a response with a tool call)
DOC_RESPONSE = {
    "id": "chatcmpl-abc123",
    "object": "chat.completion",
    "created": 1699896916,
    "model": "gpt-4o-mini",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_abc123",
                        "type": "function",
                        "function": {
                            "name": "get_current_weather",
                            "arguments": '{\n"location": "Boston, MA"\n}',
                        },
                    }
                ],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99},
}

# Streamed tool-call fragments as documented (first chunk carries id and name).
DOC_CHUNKS = [
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "delta": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_DdmO9pD3xa9XTPNJ32zg2hcA",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ],
                },
                "finish_reason": None,
            }
        ],
    },
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"'}}]},
                "finish_reason": None,
            }
        ],
    },
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "location"}}]},
                "finish_reason": None,
            }
        ],
    },
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '":"'}}]},
                "finish_reason": None,
            }
        ],
    },
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "Paris"}}]},
                "finish_reason": None,
            }
        ],
    },
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '"}'}}]},
                "finish_reason": None,
            }
        ],
    },
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}],
    },
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [],
        "usage": {"prompt_tokens": 10, "completion_tokens": 6, "total_tokens": 16},
    },
]


def test_documented_request_parses() -> None:
    request = request_from_openai(DOC_REQUEST)
    assert request.messages[0] == Message.system("You are a helpful assistant.")
    assert request.messages[1].content == (
        TextPart(text="What is the weather like in Paris today?"),
        ImagePart(url="https://example.com/p.jpg", detail="low"),
    )
    assert request.tools[0].name == "get_weather"
    assert request.tools[0].parameters["required"] == ["location"]
    assert request.tool_choice == NamedToolChoice(name="get_weather")
    assert request.settings.max_tokens == 100
    assert request.settings.stop == ("END",)
    body = request_to_openai(request, "gpt-4.1")
    assert body["tool_choice"] == DOC_REQUEST["tool_choice"]
    assert body["messages"][1] == DOC_REQUEST["messages"][1]


def test_requests_never_send_null_content() -> None:
    """Servers that check requests (llama.cpp's) refuse ``"content": null``: a call
    without text leaves ``content`` out, an empty answer sends ``""``."""
    call = ToolCall(id="c1", name="get_weather", arguments={"location": "Paris"})
    called = Message(role="assistant", tool_calls=(call,))
    request = request_from_openai(DOC_REQUEST)
    messages = (Message.user("Hi"), called, Message(role="assistant"))
    sent = request_to_openai(request.model_copy(update={"messages": messages}))["messages"]
    assert "content" not in sent[1]
    assert sent[1]["tool_calls"][0]["id"] == "c1"
    assert sent[2] == {"role": "assistant", "content": ""}
    assert message_to_openai(called)["content"] is None  # a response keeps OpenAI's null


def test_documented_response_parses() -> None:
    response = response_from_openai(DOC_RESPONSE)
    assert response.message.content is None
    assert response.message.tool_calls == (
        ToolCall(
            id="call_abc123", name="get_current_weather", arguments={"location": "Boston, MA"}
        ),
    )
    assert response.finish_reason == "tool_calls"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (82, 17)
    again = response_to_openai(response, created=1699896916)
    assert again["choices"][0]["finish_reason"] == "tool_calls"
    assert again["usage"] == DOC_RESPONSE["usage"]


def test_documented_stream_assembles_tool_call_per_index() -> None:
    decoder = ChunkDecoder()
    for chunk in DOC_CHUNKS:
        decoder.feed(chunk)
    response = decoder.response()
    assert response.message.tool_calls == (
        ToolCall(
            id="call_DdmO9pD3xa9XTPNJ32zg2hcA", name="get_weather", arguments={"location": "Paris"}
        ),
    )
    assert response.finish_reason == "tool_calls"
    assert response.usage.total_tokens == 16


def test_interleaved_parallel_tool_call_fragments() -> None:
    decoder = ChunkDecoder()
    fragments = [
        (0, "a", "f", '{"x"'),
        (1, "b", "g", '{"y"'),
        (0, None, None, ": 1}"),
        (1, None, None, ": 2}"),
    ]
    for index, call_id, name, args in fragments:
        entry: dict[str, object] = {"index": index, "function": {"arguments": args}}
        if call_id:
            entry["id"] = call_id
            entry["function"] = {"name": name, "arguments": args}
        decoder.feed({"choices": [{"index": 0, "delta": {"tool_calls": [entry]}}]})
    calls = decoder.response().message.tool_calls
    assert [(c.name, c.arguments) for c in calls] == [("f", {"x": 1}), ("g", {"y": 2})]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "wizard", "content": "hi"}, "unknown message role 'wizard'"),
        ({"content": "hi"}, "missing the required field 'role'"),
        ({"role": "tool", "content": "42"}, "tool_call_id"),
        (
            {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f"}}]},
            "missing the required field 'id'",
        ),
        (
            {
                "role": "assistant",
                "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": "{oops"}}],
            },
            "not valid JSON",
        ),
        (
            {
                "role": "assistant",
                "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": "[1]"}}],
            },
            "must be a JSON object",
        ),
        ({"role": "user", "content": [{"type": "audio"}]}, "unsupported content part type 'audio'"),
        ({"role": "user", "content": 5}, "must be a string or a list"),
        ("not an object", "must be a JSON object"),
    ],
)
def test_malformed_messages_raise_protocol_errors(data: object, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        message_from_openai(data)


def test_malformed_responses_raise_protocol_errors() -> None:
    with pytest.raises(ProtocolError, match="no choices"):
        response_from_openai({"choices": []})
    with pytest.raises(ProtocolError, match="unknown finish_reason"):
        response_from_openai(
            {
                "choices": [
                    {"message": {"role": "assistant", "content": "x"}, "finish_reason": "odd"}
                ]
            }
        )
    with pytest.raises(ProtocolError, match="'messages' must be a list"):
        request_from_openai({"messages": "hi"})


def test_streamed_call_without_name_is_an_error() -> None:
    decoder = ChunkDecoder()
    decoder.feed(
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}}]}
    )
    with pytest.raises(ProtocolError, match="no id or name"):
        decoder.response()


# https://platform.openai.com/docs/guides/audio (audio input as an input_audio part)
def test_audio_input_parts_round_trip_and_documents_travel_as_text_or_images() -> None:
    wav = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
    mp3 = {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}}
    data = {"role": "user", "content": [{"type": "text", "text": "What is said?"}, wav, mp3]}
    message = message_from_openai(data)
    assert message.content == (
        TextPart(text="What is said?"),
        AudioPart(data="UklGRg==", mime_type="audio/wav"),
        AudioPart(data="SUQz", mime_type="audio/mpeg"),
    )
    assert message_to_openai(message) == data
    note = ResourcePart(uri="file:///a.md", mime_type="text/markdown", text="# A")
    picture = ResourcePart(uri="file:///p.png", mime_type="image/png", data="iVBORw0KGgo=")
    sent = message_to_openai(Message.user((note, picture)))
    assert sent["content"] == [
        {"type": "text", "text": "[resource <file:///a.md> (text/markdown)]\n# A"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
