"""Fixture tests: server quirks and failures on HTTP answers written by hand.

Each answer is written in the shape a server's documentation (or its public bug reports)
gives for vLLM, SGLang, TGI, Ollama and plain OpenAI-compatible servers; none was recorded
from a running server, and none of those servers runs in the suite. These tests prove how
interlace handles each shape, not that a given server version sends it (docs/backends.md
says so too). The live OpenAI-compatible tests run against llama-cpp-python's server:
test_conformance.py, test_same_agent_loop.py and test_preflight.py.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from interlace.protocols import NamedToolChoice, ToolCallDelta
from interlace.protocols.errors import (
    BackendError,
    BackendUnavailableError,
    CapabilityError,
    ContextOverflowError,
    OverloadedError,
)
from interlace.runtimes import resolve_backend
from interlace.runtimes.openai import OpenAIBackend

from .server import free_port
from .wire import BASE, chunk, completion, request, sse, tool_call

URL = f"{BASE}/chat/completions"


def backend(server: str, **options: Any) -> OpenAIBackend:
    query = "&".join(f"{key}={value}" for key, value in {"model": "m", **options}.items())
    made = resolve_backend(f"openai:{BASE}?server={server}&{query}")
    assert isinstance(made, OpenAIBackend)
    made.transport.sleep = _no_sleep(made)
    return made


def _no_sleep(made: OpenAIBackend) -> Any:
    made.slept = []  # type: ignore[attr-defined]

    async def sleep(seconds: float) -> None:
        made.slept.append(seconds)  # type: ignore[attr-defined]

    return sleep


def sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls[index].request.content)
    return body


@respx.mock
async def test_fixture_vllm_native_tool_call_with_arguments_serialized_twice() -> None:
    twice = json.dumps(json.dumps({"city": "Paris"}))
    route = respx.post(URL).respond(json=completion(None, [tool_call(twice)], "tool_calls"))
    response = await backend("vllm").complete(request())
    assert response.tool_calls[0].arguments == {"city": "Paris"}
    assert sent(route)["tools"][0]["function"]["name"] == "get_weather"


@respx.mock
async def test_fixture_vllm_without_tool_parser_says_which_flags_to_set() -> None:
    message = (
        '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'
    )
    respx.post(URL).respond(400, json={"object": "error", "message": message, "code": 400})
    with pytest.raises(CapabilityError, match="--enable-auto-tool-choice"):
        await backend("vllm").complete(request())


@respx.mock
async def test_fixture_vllm_context_overflow_is_named() -> None:
    message = (
        "This model's maximum context length is 4096 tokens. However, you requested 5000 "
        "tokens (4968 in the messages, 32 in the completion)."
    )
    respx.post(URL).respond(400, json={"object": "error", "message": message})
    with pytest.raises(ContextOverflowError) as caught:
        await backend("vllm").complete(request())
    assert caught.value.context_window == 4096


@respx.mock
async def test_fixture_sglang_extra_fields_and_missing_call_id() -> None:
    call = tool_call('{"city": "Oslo"}', id=None)
    answer = completion(None, [call], "tool_calls", matched_stop=None)
    answer["choices"][0]["message"]["reasoning_content"] = None
    respx.post(URL).respond(json=answer)
    response = await backend("sglang").complete(request())
    assert response.tool_calls[0].id.startswith("call_")
    assert response.tool_calls[0].arguments == {"city": "Oslo"}


@respx.mock
async def test_fixture_ollama_named_tool_choice_goes_through_a_json_schema() -> None:
    route = respx.post(URL).respond(json=completion('{"city": "Rome"}'))
    response = await backend("ollama").complete(
        request(tool_choice=NamedToolChoice(name="get_weather"))
    )
    body = sent(route)
    assert "tools" not in body
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["city"]
    assert response.tool_calls[0].name == "get_weather"
    assert response.tool_calls[0].arguments == {"city": "Rome"}


@respx.mock
async def test_fixture_ollama_tool_choice_none_drops_the_tools() -> None:
    route = respx.post(URL).respond(json=completion("It is sunny."))
    response = await backend("ollama").complete(request(tool_choice="none"))
    assert "tools" not in sent(route)
    assert response.message.text == "It is sunny."


@respx.mock
async def test_fixture_tgi_object_arguments_eos_finish_and_grammar_format() -> None:
    call = tool_call({"city": "Lima"}, id="0")
    call["function"]["description"] = None
    respx.post(URL).respond(json=completion(None, [call], "eos_token"))
    response = await backend("tgi").complete(request())
    assert response.tool_calls[0].arguments == {"city": "Lima"}
    assert response.finish_reason == "tool_calls"
    route = respx.post(URL).respond(json=completion('{"ok": true}', finish_reason="eos_token"))
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    from interlace.protocols import JsonSchemaFormat

    plain = request().model_copy(
        update={"tools": (), "response_format": JsonSchemaFormat(json_schema=schema)}
    )
    answer = await backend("tgi").complete(plain)
    assert sent(route)["response_format"] == {"type": "json", "value": schema}
    assert answer.finish_reason == "stop"


@respx.mock
async def test_streamed_tool_call_fragments_are_assembled_per_index() -> None:
    respx.post(URL).mock(
        return_value=sse(
            chunk({"role": "assistant"}),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "c0",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ]
                }
            ),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 1,
                            "id": "c1",
                            "function": {"name": "get_weather", "arguments": '{"ci'},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": "A'}}]}),
            chunk({"tool_calls": [{"index": 1, "function": {"arguments": 'ty": "B"}'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ix"}'}}]}),
            chunk({}, "tool_calls"),
        )
    )
    events = [event async for event in backend("vllm").stream(request())]
    calls = events[-1].response.tool_calls  # type: ignore[union-attr]
    assert [(c.id, c.arguments["city"]) for c in calls] == [("c0", "Aix"), ("c1", "B")]
    assert {e.index for e in events if isinstance(e, ToolCallDelta)} == {0, 1}


@respx.mock
async def test_500_is_retried_then_succeeds() -> None:
    route = respx.post(URL).mock(
        side_effect=[
            httpx.Response(500, json={"error": {"message": "boom"}}),
            httpx.Response(200, json=completion("hi")),
        ]
    )
    response = await backend("openai").complete(request(tool_choice="none"))
    assert response.message.text == "hi"
    assert route.call_count == 2


@respx.mock
async def test_500_forever_gives_a_clear_error() -> None:
    respx.post(URL).respond(503, json={"error": {"message": "overloaded"}})
    made = backend("openai", max_retries=2)
    with pytest.raises(BackendError, match=r"503 after retries: overloaded"):
        await made.complete(request(tool_choice="none"))
    assert len(made.slept) == 2  # type: ignore[attr-defined]


@respx.mock
async def test_429_honours_retry_after() -> None:
    route = respx.post(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json=completion("ok")),
        ]
    )
    made = backend("openai")
    assert (await made.complete(request(tool_choice="none"))).message.text == "ok"
    assert made.slept == [7.0]  # type: ignore[attr-defined]
    assert route.call_count == 2


@respx.mock
async def test_429_after_the_retries_is_an_overload_with_the_servers_hint() -> None:
    respx.post(URL).respond(429, headers={"Retry-After": "9"}, json={"error": {"message": "slow"}})
    made = backend("openai", max_retries=1)
    with pytest.raises(OverloadedError, match=r"rate limiting \(429\) after retries: slow") as got:
        await made.complete(request(tool_choice="none"))
    assert got.value.retry_after == 9.0


@respx.mock
async def test_truncated_stream_is_an_error_not_a_hang() -> None:
    respx.post(URL).mock(return_value=sse(chunk({"content": "Hel"}), done=False))
    with pytest.raises(BackendError, match="ended before the answer was complete"):
        _ = [event async for event in backend("openai").stream(request(tool_choice="none"))]


@respx.mock
async def test_stream_without_done_but_with_finish_reason_is_complete() -> None:
    respx.post(URL).mock(return_value=sse(chunk({"content": "Hi"}), chunk({}, "stop"), done=False))
    events = [event async for event in backend("tgi").stream(request(tool_choice="none"))]
    assert events[-1].response.message.text == "Hi"  # type: ignore[union-attr]


@respx.mock
async def test_invalid_json_arguments_go_back_to_the_model() -> None:
    route = respx.post(URL).mock(
        side_effect=[
            httpx.Response(
                200, json=completion(None, [tool_call('{"city": Paris}')], "tool_calls")
            ),
            httpx.Response(
                200, json=completion(None, [tool_call('{"city": "Paris"}')], "tool_calls")
            ),
        ]
    )
    response = await backend("openai").complete(request())
    assert response.tool_calls[0].arguments == {"city": "Paris"}
    feedback = sent(route, 1)["messages"][-1]["content"]
    assert "not valid JSON" in feedback
    assert response.usage.output_tokens == 10


@respx.mock
async def test_schema_violation_twice_raises_with_the_problem() -> None:
    respx.post(URL).respond(json=completion(None, [tool_call('{"town": "X"}')], "tool_calls"))
    with pytest.raises(BackendError, match="'city' is a required property"):
        await backend("openai").complete(request())


@respx.mock
async def test_json_in_content_becomes_a_tool_call() -> None:
    text = '```json\n{"name": "get_weather", "arguments": {"city": "Bern"}}\n```'
    respx.post(URL).respond(json=completion(text))
    response = await backend("openai").complete(request())
    assert response.tool_calls[0].arguments == {"city": "Bern"}
    assert response.finish_reason == "tool_calls"


@respx.mock
async def test_parse_strategy_prompts_and_reads_plain_answers() -> None:
    route = respx.post(URL).respond(json=completion("Sunny, 20 degrees."))
    response = await backend("generic", tool_strategy="parse").complete(request())
    assert response.message.text == "Sunny, 20 degrees."
    assert "get_weather" in sent(route)["messages"][0]["content"]


async def test_server_down_names_the_url_and_what_to_check() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    made = resolve_backend(f"openai:{url}?model=m&server=openai&max_retries=1")
    with pytest.raises(BackendUnavailableError, match=rf"{url}.*server is running"):
        await made.complete(request(tool_choice="none"))
    await made.aclose()


@respx.mock
async def test_tool_strategy_none_refuses_tools_with_a_fix() -> None:
    with pytest.raises(CapabilityError, match="tool_strategy"):
        await backend("openai", tool_strategy="none").complete(request())
