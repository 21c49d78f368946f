"""Checkpoint encoding that does not grow with the thread: each message encoded once.

LangGraph writes the whole ``messages`` channel at every step, so a thread of n messages
re-encodes all of them each step (n² work over a run). Messages are immutable values, so
their msgpack form (byte for byte what LangGraph's serializer writes, and restored by it
unchanged) is kept per message object while the object lives.
"""

from __future__ import annotations

from typing import Any

import ormsgpack
from langgraph.checkpoint.serde import jsonplus
from langgraph.types import Send

from interlace.protocols import Message
from interlace.protocols.memo import ObjectMemo


def _message_ext(message: Message) -> ormsgpack.Ext:
    ext = jsonplus._msgpack_default(message)
    assert isinstance(ext, ormsgpack.Ext)
    return ext


encode_message = ObjectMemo(_message_ext)
"""The msgpack extension LangGraph writes for a message, encoded once per object."""


def encode_send(send: Send) -> ormsgpack.Ext:
    """The msgpack extension LangGraph writes for a ``Send`` (one per tool call), without
    the chain of type checks that reaches it last (a slow runtime protocol check)."""
    args: tuple[Any, ...] = (send.node, send.arg)
    if (timeout := getattr(send, "timeout", None)) is not None:
        args = (*args, timeout)
    packed = jsonplus._msgpack_enc((type(send).__module__, type(send).__name__, args))
    return ormsgpack.Ext(jsonplus.EXT_CONSTRUCTOR_POS_ARGS, packed)


def _default(obj: Any) -> Any:
    kind = type(obj)
    if kind is Message:
        return encode_message(obj)
    if kind is Send:
        return encode_send(obj)
    return jsonplus._msgpack_default(obj)


class MessageCachingSerializer(jsonplus.JsonPlusSerializer):
    """LangGraph's ``JsonPlusSerializer`` writing interlace messages from their cached
    encoding; everything else (and reading) is LangGraph's own."""

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        if obj is None or isinstance(obj, bytes | bytearray):
            return super().dumps_typed(obj)
        try:
            return "msgpack", ormsgpack.packb(obj, default=_default, option=jsonplus._option)
        except ormsgpack.MsgpackEncodeError:
            return super().dumps_typed(obj)  # LangGraph's fallback, or its error
