"""Checkpoint encoding that does not grow with the thread: each message encoded once.

LangGraph writes the whole ``messages`` channel at every step, so a thread of n messages
re-encodes all of them each step (n² work over a run). Messages and tool calls are
immutable values, so their msgpack form (byte for byte what LangGraph's serializer
writes, and restored by it unchanged) is kept per object while the object lives. A list
of messages is the msgpack array of those bytes; as the channel grows by appending, the
next list a thread writes starts with the very message objects of its last one, whose
bytes are taken whole (only the new messages are looked up).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, NamedTuple

import ormsgpack
from langgraph.checkpoint.serde import jsonplus
from langgraph.types import Overwrite, Send

from interlace.protocols import Message, ToolCall
from interlace.protocols.memo import ObjectMemo


class Encoded(NamedTuple):
    """An object's msgpack extension, and that extension packed (its bytes in an array)."""

    ext: ormsgpack.Ext
    packed: bytes


def _encoded(value: Message | ToolCall) -> Encoded:
    ext = jsonplus._msgpack_default(value)
    assert isinstance(ext, ormsgpack.Ext)
    return Encoded(ext, ormsgpack.packb(ext))


encode_value = ObjectMemo(_encoded)
"""What LangGraph writes for a message or a tool call, encoded once per object."""


class _Packed(NamedTuple):
    messages: tuple[Message, ...]  # held: their ids name them while the entry lives
    ids: tuple[int, ...]
    body: bytes  # the packed messages, without the array header


class MessageLists:
    """Packs lists of messages as LangGraph does: an array header, then each message's
    kept bytes. The last list packed per thread (up to ``keep`` threads) is kept, and a
    list that extends one (up to ``look_back`` messages added) takes its bytes whole;
    lists under ``shortest`` messages are packed message by message."""

    def __init__(self, keep: int = 8, look_back: int = 16, shortest: int = 8) -> None:
        self._keep, self._look_back, self._shortest = keep, look_back, shortest
        self._by_last: dict[int, _Packed] = {}  # by the id of the list's last message
        self._lock = threading.Lock()  # a sync saver may write from several threads

    def pack(self, messages: list[Any]) -> bytes | None:
        """The bytes LangGraph's serializer writes for ``messages``; ``None`` when
        something in the list is not a message."""
        count = len(messages)
        if count < self._shortest:
            joined = _joined(messages)
            return None if joined is None else _array_header(count) + joined
        ids = tuple(map(id, messages))
        with self._lock:
            base = self._extended(ids)
            start, body = (len(base.ids), base.body) if base else (0, b"")
            if (added := _joined(messages[start:])) is None:
                return None
            body += added
            if base is not None:
                del self._by_last[base.ids[-1]]  # that thread moved on
            self._by_last[ids[-1]] = _Packed(tuple(messages), ids, body)
            if len(self._by_last) > self._keep:
                del self._by_last[next(iter(self._by_last))]  # the oldest
        return _array_header(count) + body

    def _extended(self, ids: tuple[int, ...]) -> _Packed | None:
        """The kept list that ``ids`` starts with, the longest."""
        for end in range(len(ids), max(len(ids) - self._look_back, 0), -1):
            entry = self._by_last.get(ids[end - 1])
            if entry is not None and entry.ids == ids[:end]:
                return entry
        return None


def _joined(messages: list[Any]) -> bytes | None:
    """The messages' kept bytes, one after the other (``None`` if one is no message)."""
    if not all(type(message) is Message for message in messages):
        return None
    return b"".join([encode_value(message).packed for message in messages])


def _array_header(count: int) -> bytes:
    if count < 16:
        return bytes((0x90 | count,))
    if count < 1 << 16:
        return b"\xdc" + count.to_bytes(2, "big")
    return b"\xdd" + count.to_bytes(4, "big")


pack_messages = MessageLists().pack
"""A list of messages packed as LangGraph packs it (one process-wide cache)."""


def encode_send(send: Send) -> ormsgpack.Ext:
    """The msgpack extension LangGraph writes for a ``Send`` (one per tool call), without
    the chain of type checks that reaches it last (a slow runtime protocol check); its
    tool call comes from the kept encodings."""
    args: tuple[Any, ...] = (send.node, send.arg)
    if (timeout := getattr(send, "timeout", None)) is not None:
        args = (*args, timeout)
    packed = _pack((type(send).__module__, type(send).__name__, args))
    return ormsgpack.Ext(jsonplus.EXT_CONSTRUCTOR_POS_ARGS, packed)


def encode_dataclass(obj: Any) -> ormsgpack.Ext:
    """The msgpack extension LangGraph writes for a dataclass (an ``Overwrite`` that
    starts a run's bookkeeping afresh), without the same chain of type checks."""
    fields = {field.name: getattr(obj, field.name) for field in dataclasses.fields(obj)}
    packed = _pack((type(obj).__module__, type(obj).__name__, fields))
    return ormsgpack.Ext(jsonplus.EXT_CONSTRUCTOR_KW_ARGS, packed)


def _default(obj: Any) -> Any:
    kind = type(obj)
    if kind is Message or kind is ToolCall:
        return encode_value(obj).ext
    if kind is Send:
        return encode_send(obj)
    if kind is Overwrite:
        return encode_dataclass(obj)
    return jsonplus._msgpack_default(obj)


def _pack(obj: Any) -> bytes:
    return ormsgpack.packb(obj, default=_default, option=jsonplus._option)


class MessageCachingSerializer(jsonplus.JsonPlusSerializer):
    """LangGraph's ``JsonPlusSerializer`` writing interlace messages from their cached
    encoding; everything else (and reading) is LangGraph's own."""

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        if obj is None or isinstance(obj, bytes | bytearray):
            return super().dumps_typed(obj)
        listed = type(obj) is list and (not obj or type(obj[0]) is Message)
        if listed and (packed := pack_messages(obj)) is not None:
            return "msgpack", packed
        try:
            return "msgpack", _pack(obj)
        except ormsgpack.MsgpackEncodeError:
            return super().dumps_typed(obj)  # LangGraph's fallback, or its error
