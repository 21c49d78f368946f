"""Property tests: the MCP and A2A codecs lose nothing of the protocol's own shapes, and
what they produce is what the official SDKs accept."""

from __future__ import annotations

import mcp_types
import pytest
from a2a.types.a2a_pb2 import Message as A2AMessage
from google.protobuf.json_format import MessageToDict, ParseDict
from hypothesis import given, settings
from hypothesis import strategies as st

from interlace.protocols import (
    AudioPart,
    ImagePart,
    Message,
    ResourcePart,
    TextPart,
    ToolResult,
    ToolSpec,
    a2a_wire,
    mcp_wire,
)
from interlace.protocols.errors import ProtocolError

from .strategies import ids, json_objects, names, over_the_wire, parts, texts, tool_specs

images = st.builds(
    ImagePart,
    url=st.sampled_from(["https://example.com/a.png", "data:image/png;base64,iVBORw0KGgo="]),
    detail=st.sampled_from([None, "auto", "low", "high"]),
)
blobs = st.sampled_from(["AAAA", "UklGRg==", "iVBORw0KGgo="])  # canonical base64
audio = st.builds(AudioPart, data=blobs, mime_type=st.sampled_from(["audio/wav", "audio/mpeg"]))
uris = st.sampled_from(["file:///notes/a.txt", "test://embedded-resource", "docs://kb/x.md"])
mimes = st.sampled_from([None, "text/plain", "application/json", "image/png"])
documents = st.builds(ResourcePart, uri=uris, mime_type=mimes, text=texts) | st.builds(
    ResourcePart, uri=uris, mime_type=mimes, data=blobs
)
media = images | audio | documents
# the normal forms: a string, or parts with at least one image, audio or document
mixed = st.tuples(st.lists(parts, max_size=2), media, st.lists(parts, max_size=2)).map(
    lambda t: (*t[0], t[1], *t[2])
)
contents = texts | mixed


@st.composite
def results(draw: st.DrawFn) -> ToolResult:
    structured = draw(st.none() | json_objects)
    content = draw(contents.filter(lambda c: c != "") if structured is not None else contents)
    return ToolResult(
        tool_call_id=draw(ids),
        name=draw(names),
        content=content,
        is_error=draw(st.booleans()),
        structured=structured,
    )


@st.composite
def chat_messages(draw: st.DrawFn) -> Message:
    role = draw(st.sampled_from(["user", "assistant"]))
    return Message(role=role, content=draw(contents), name=draw(st.none() | names))


@given(tool_specs)
def test_mcp_tool_round_trip(spec: ToolSpec) -> None:
    assert mcp_wire.tool_from_mcp(over_the_wire(mcp_wire.tool_to_mcp(spec))) == spec


@given(results())
def test_mcp_result_round_trip(result: ToolResult) -> None:
    wire = over_the_wire(mcp_wire.result_to_mcp(result))
    assert mcp_wire.result_from_mcp(result.tool_call_id, result.name, wire) == result


@settings(max_examples=30)
@given(results())
def test_mcp_results_are_what_the_sdk_accepts(result: ToolResult) -> None:
    wire = mcp_wire.result_to_mcp(result)
    parsed = mcp_types.CallToolResult.model_validate(wire)
    back = parsed.model_dump(by_alias=True, exclude_none=True, mode="json")
    assert mcp_wire.result_from_mcp(result.tool_call_id, result.name, back) == result


def test_mcp_audio_and_embedded_resources_are_parts_and_links_readable_text() -> None:
    blocks = [
        {"type": "audio", "data": "AAAA", "mimeType": "audio/wav"},
        {"type": "resource", "resource": {"uri": "file:///a.txt", "text": "hello"}},
        {"type": "resource_link", "uri": "file:///b.pdf", "name": "b.pdf"},
        {"type": "resource", "resource": {"uri": "x:/i", "mimeType": "image/png", "blob": "AA=="}},
    ]
    content = mcp_wire.content_from_mcp(blocks)
    assert content == (
        AudioPart(data="AAAA", mime_type="audio/wav"),
        ResourcePart(uri="file:///a.txt", text="hello"),
        TextPart(text="[resource link b.pdf <file:///b.pdf>]"),
        ResourcePart(uri="x:/i", mime_type="image/png", data="AA=="),
    )
    # what a text-only model reads of them
    assert Message.user(content).text == (
        "[audio audio/wav, 3 bytes, not shown][resource <file:///a.txt> (text/plain)]\nhello"
        "[resource link b.pdf <file:///b.pdf>][binary resource <x:/i> (image/png), 1 bytes, "
        "not shown]"
    )


@given(chat_messages(), ids)
def test_a2a_message_round_trip(message: Message, message_id: str) -> None:
    wire = over_the_wire(a2a_wire.message_to_a2a(message, message_id))
    assert wire["messageId"] == message_id
    assert a2a_wire.message_from_a2a(wire) == message


@settings(max_examples=30)
@given(chat_messages(), ids)
def test_a2a_messages_are_what_the_sdk_accepts(message: Message, message_id: str) -> None:
    parsed = ParseDict(a2a_wire.message_to_a2a(message, message_id), A2AMessage())
    assert a2a_wire.message_from_a2a(MessageToDict(parsed)) == message


@given(results(), ids, ids)
def test_a2a_task_round_trip(result: ToolResult, task_id: str, context_id: str) -> None:
    plain = result.model_copy(update={"structured": None})  # A2A tasks carry no JSON result
    task = over_the_wire(a2a_wire.result_to_a2a(plain, task_id, context_id))
    back = a2a_wire.result_from_a2a(plain.tool_call_id, plain.name, {"task": task})
    if plain.is_error:
        assert back.is_error
        assert back.text == f"the remote task ended failed: {plain.text or 'no details'}"
    else:
        assert back == plain


def test_a2a_system_messages_and_tool_calls_are_refused() -> None:
    with pytest.raises(ProtocolError, match="user or assistant"):
        a2a_wire.message_to_a2a(Message.system("be brief"), "m1")
