"""The scripted backend replays its script and fails loudly on a mismatch."""

from __future__ import annotations

import pytest

from interlace.protocols import Message, ModelRequest, ScriptError, TextDelta, ToolCallDelta
from interlace.protocols.errors import ModelReferenceError
from interlace.runtimes import ScriptedBackend, call, resolve_backend

REQUEST = ModelRequest(messages=(Message.user("hello there"),))


async def test_replays_text_then_tool_calls_in_order() -> None:
    backend = ScriptedBackend(["first", call("add", a=1, b=2)])
    first = await backend.complete(REQUEST)
    second = await backend.complete(REQUEST)
    assert first.message.text == "first"
    assert first.finish_reason == "stop"
    assert second.finish_reason == "tool_calls"
    assert second.message.tool_calls[0].arguments == {"a": 1, "b": 2}
    assert backend.requests == [REQUEST, REQUEST]
    backend.assert_all_consumed()


async def test_calling_more_than_scripted_raises() -> None:
    backend = ScriptedBackend(["only"])
    await backend.complete(REQUEST)
    with pytest.raises(ScriptError, match="called 2 time"):
        await backend.complete(REQUEST)


async def test_calling_fewer_than_scripted_fails_the_check() -> None:
    backend = ScriptedBackend(["one", "two"])
    await backend.complete(REQUEST)
    with pytest.raises(ScriptError, match="never requested"):
        backend.assert_all_consumed()


async def test_scripted_exception_is_raised() -> None:
    backend = ScriptedBackend([RuntimeError("boom")])
    with pytest.raises(RuntimeError, match="boom"):
        await backend.complete(REQUEST)


async def test_stream_splits_tool_call_arguments_into_deltas() -> None:
    backend = ScriptedBackend([call("search", query="a long query string to split")], chunk_size=4)
    events = [event async for event in backend.stream(REQUEST)]
    deltas = [event for event in events if isinstance(event, ToolCallDelta)]
    assert len(deltas) > 3
    assert deltas[0].name == "search"
    assert not any(isinstance(event, TextDelta) for event in events)


async def test_scripted_reference_answers_forever() -> None:
    backend = resolve_backend("scripted:pong")
    for _ in range(3):
        assert (await backend.complete(REQUEST)).message.text == "pong"


def test_unknown_scheme_suggests_the_nearest() -> None:
    with pytest.raises(ModelReferenceError, match="did you mean 'scripted'"):
        resolve_backend("scriptd:x")


def test_reference_without_scheme_explains_the_form() -> None:
    with pytest.raises(ModelReferenceError, match="SCHEME:TARGET"):
        resolve_backend("default")
