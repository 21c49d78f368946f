"""Checkpoint encoding: each message encoded once, byte for byte what LangGraph writes."""

from __future__ import annotations

import gc

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.types import Send

from interlace.agents import encoding
from interlace.agents.checkpoints import serializer
from interlace.protocols import ImagePart, Message, TextPart, ToolCall, Usage


def _state() -> dict[str, object]:
    call = ToolCall(id="c1", name="add", arguments={"a": 1, "nested": {"b": [1.5, None]}})
    return {
        "messages": [
            Message.user((TextPart(text="look"), ImagePart(url="data:image/png;base64,AA=="))),
            Message.assistant(None, (call,)),
            Message.tool("c1", "2", name="add"),
        ],
        "usage": {"agent": Usage(input_tokens=3, output_tokens=4)},
        "sends": [Send("agent_tool", {"call": call}), Send("x", 1, timeout=2.5)],
    }


def test_bytes_are_langgraphs_and_restore_the_same_objects() -> None:
    ours, theirs = serializer(), JsonPlusSerializer()
    state = _state()
    first = ours.dumps_typed(state)
    assert first == theirs.dumps_typed(state)
    assert ours.dumps_typed(state) == first  # the cached encodings, the same bytes
    restored = ours.loads_typed(first)
    assert restored["messages"] == state["messages"]
    assert restored["usage"] == state["usage"]
    assert [(s.node, s.arg) for s in restored["sends"]] == [
        (s.node, s.arg)
        for s in state["sends"]  # type: ignore[attr-defined]
    ]


def test_an_encoding_belongs_to_one_live_message() -> None:
    ours = serializer()
    one = Message.user("one")
    assert ours.loads_typed(ours.dumps_typed([one])) == [one]
    assert one in encoding.encode_message
    before = len(encoding.encode_message)
    del one
    gc.collect()
    assert len(encoding.encode_message) < before  # forgotten with its message
    other = Message.user("other")  # may reuse the id of the message that is gone
    assert ours.loads_typed(ours.dumps_typed([other])) == [other]
