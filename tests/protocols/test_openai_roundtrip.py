"""Property tests: converting to the OpenAI wire format and back loses nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from interlace.protocols import Done, Message, ModelRequest, ModelResponse, response_events
from interlace.protocols.openai_wire import (
    ChunkDecoder,
    event_to_chunk,
    message_from_openai,
    message_to_openai,
    request_from_openai,
    request_to_openai,
    response_from_openai,
    response_to_openai,
)

from .strategies import messages, over_the_wire, requests, responses


@given(messages())
def test_message_round_trip(message: Message) -> None:
    assert message_from_openai(over_the_wire(message_to_openai(message))) == message


@given(requests, st.none() | st.just("some-model"))
def test_request_round_trip(request: ModelRequest, model: str | None) -> None:
    body = over_the_wire(request_to_openai(request, model))
    assert request_from_openai(body) == as_sent(request)


def as_sent(request: ModelRequest) -> ModelRequest:
    """``request`` as a request sends it: an answer without content or calls as ``""``."""
    sent = tuple(
        m.model_copy(update={"content": ""}) if m.content is None and not m.tool_calls else m
        for m in request.messages
    )
    return request.model_copy(update={"messages": sent})


@given(responses())
def test_response_round_trip(response: ModelResponse) -> None:
    assert response_from_openai(over_the_wire(response_to_openai(response))) == response


@given(responses(), st.integers(min_value=1, max_value=10))
def test_streamed_chunks_reassemble_the_response(response: ModelResponse, size: int) -> None:
    decoder = ChunkDecoder()
    for event in response_events(response, chunk_size=size):
        decoder.feed(over_the_wire(event_to_chunk(event, id=response.id or "c1", model="m")))
    rebuilt = decoder.response()
    assert rebuilt.message.tool_calls == response.message.tool_calls
    assert rebuilt.message.text == response.message.text
    assert rebuilt.usage == response.usage
    assert rebuilt.finish_reason == response.finish_reason


def test_done_event_is_last_of_response_events() -> None:
    response = ModelResponse(message=Message.assistant("hello world"))
    events = response_events(response, chunk_size=3)
    assert isinstance(events[-1], Done)
    assert events[-1].response == response
