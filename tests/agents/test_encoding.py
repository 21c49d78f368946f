"""Checkpoint encoding: each message encoded once, byte for byte what LangGraph writes."""

from __future__ import annotations

import gc

import ormsgpack
import pytest
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.types import Overwrite, Send

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
        "reset": Overwrite({}),
        "mixed": [*[Message.user(str(i)) for i in range(9)], 1],
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
    assert restored["reset"] == Overwrite({})
    assert restored["mixed"] == state["mixed"]
    assert [(s.node, s.arg) for s in restored["sends"]] == [
        (s.node, s.arg)
        for s in state["sends"]  # type: ignore[attr-defined]
    ]


@pytest.mark.parametrize("count", [0, 15, 16, 17])
def test_message_lists_are_langgraphs_bytes(count: int) -> None:
    messages = [Message.user(f"hi {i}") for i in range(count)]
    packed = serializer().dumps_typed(messages)
    assert packed == JsonPlusSerializer().dumps_typed(messages)
    assert serializer().loads_typed(packed) == messages


def test_lists_that_grow_branch_or_shrink_are_langgraphs_bytes() -> None:
    ours, theirs = serializer(), JsonPlusSerializer()
    a = [Message.user(f"a{i}") for i in range(20)]
    b = [Message.user(f"b{i}") for i in range(20)]
    # two threads growing in turns, a branch off a shorter list, a shrunk and a mixed one
    lists = [a[:1], b[:1], a[:5], b[:3], a[:20], a[:4], [*a[:4], *b[:2]], b, [], [*a, *b]]
    for messages in lists:
        assert ours.dumps_typed(messages) == theirs.dumps_typed(messages)


def test_kept_lists_grow_branch_and_give_way_to_newer_threads() -> None:
    lists = encoding.MessageLists(keep=2, look_back=2, shortest=2)
    theirs = JsonPlusSerializer()

    def same(messages: list[Message]) -> bool:
        return lists.pack(messages) == theirs.dumps_typed(messages)[1]

    threads = [[Message.user(f"{t}.{i}") for i in range(8)] for t in range(3)]
    for size in range(2, 7):  # two threads grow in turns, each from its kept list
        assert same(threads[0][:size])
        assert same(threads[1][:size])
    assert len(lists._by_last) == 2
    assert same(threads[2][:3])  # a third thread: the oldest kept list goes
    assert same(threads[0][:8])
    assert same([*threads[1][:4], Message.user("a branch")])
    assert same([*threads[2][:3], *threads[0]])  # more added than look_back: from scratch
    assert lists.pack([*threads[0], 1]) is None  # not only messages: LangGraph's way


def test_a_list_of_65536_messages_or_more_has_the_long_array_header() -> None:
    count = 70_000
    _, packed = serializer().dumps_typed([Message.user("hi")] * count)
    assert packed.startswith(b"\xdd" + count.to_bytes(4, "big"))
    assert ormsgpack.unpackb(packed, ext_hook=lambda code, data: code) == [5] * count


def test_an_encoding_belongs_to_one_live_message() -> None:
    ours = serializer()
    one = Message.user("one")
    assert ours.loads_typed(ours.dumps_typed([one])) == [one]
    assert one in encoding.encode_value
    before = len(encoding.encode_value)
    del one
    gc.collect()
    assert len(encoding.encode_value) < before  # forgotten with its message
    other = Message.user("other")  # may reuse the id of the message that is gone
    assert ours.loads_typed(ours.dumps_typed([other])) == [other]
