"""The OpenAI-compatible API, driven by the official ``openai`` client over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import openai
import pytest

from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.settings import ServeSettings

from .conftest import slow_agent


@asynccontextmanager
async def _openai_server(host: LocalHost, timeout_s: float) -> AsyncIterator[str]:
    settings = ServeSettings(timeout_s=timeout_s, max_body_bytes=50_000)
    async with running_server(build_app(host, settings, protocols=["openai"])) as url:
        yield url


@asynccontextmanager
async def _client(url: str) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0) as made:
        yield made


@pytest.fixture
async def api_url(host: LocalHost) -> AsyncIterator[str]:
    """Runs that must finish get a generous limit, even on a loaded machine."""
    async with _openai_server(host, timeout_s=60.0) as url:
        yield url


@pytest.fixture
async def client(api_url: str) -> AsyncIterator[openai.AsyncOpenAI]:
    async with _client(api_url) as made:
        yield made


@pytest.fixture
async def stuck_client() -> AsyncIterator[openai.AsyncOpenAI]:
    """A 1 s limit in front of an agent that needs at least 2.1 s (seven events 0.3 s
    apart, the first after 0.3 s): it times out however slow the machine is, and a stream
    has started before it does."""
    host = LocalHost([slow_agent(delay=0.3)])
    async with _openai_server(host, timeout_s=1.0) as url, _client(url) as made:
        yield made


async def test_models_lists_agents(client: openai.AsyncOpenAI) -> None:
    page = await client.models.list()
    ids = [model.id for model in page.data]
    assert ids == ["echo", "adder", "broken", "slow", "careful"]


async def test_completion_runs_the_agent_with_usage(client: openai.AsyncOpenAI) -> None:
    completion = await client.chat.completions.create(
        model="adder", messages=[{"role": "user", "content": "What is 2 + 3?"}]
    )
    assert completion.choices[0].message.content == "The sum is 5."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "adder"
    assert completion.usage is not None
    # two model calls: the tool call and the answer
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.completion_tokens >= 2
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


async def test_streaming_yields_deltas_and_usage(client: openai.AsyncOpenAI) -> None:
    stream = await client.chat.completions.create(
        model="echo",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces, finish, usage = [], None, None
    async for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            finish = choice.finish_reason or finish
        usage = chunk.usage or usage
    assert "".join(pieces) == "hello from echo"
    assert len(pieces) > 1  # really streamed, not one blob
    assert finish == "stop"
    assert usage is not None
    assert usage.completion_tokens > 0


async def test_multi_turn_history_reaches_the_agent(
    host: LocalHost, client: openai.AsyncOpenAI
) -> None:
    await client.chat.completions.create(
        model="echo",
        messages=[
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "first answer"},
            {"role": "user", "content": "second question"},
        ],
    )
    backend = host.units["echo"].model  # type: ignore[union-attr]
    texts = [m.text for m in backend.requests[-1].messages]  # type: ignore[union-attr]
    assert texts[-3:] == ["first question", "first answer", "second question"]


async def test_unknown_model_is_a_404_naming_the_agents(client: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        await client.chat.completions.create(
            model="nope", messages=[{"role": "user", "content": "hi"}]
        )
    assert "echo" in str(caught.value)
    assert "nope" in str(caught.value)


async def test_agent_error_is_a_500_without_traceback(client: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        await client.chat.completions.create(
            model="broken", messages=[{"role": "user", "content": "hi"}]
        )
    text = str(caught.value)
    assert "Traceback" not in text
    assert "secret internal detail" not in text
    assert "broken" in text or "internal error" in text


async def test_agent_error_before_the_first_token_is_a_500_even_streaming(
    client: openai.AsyncOpenAI,
) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        await client.chat.completions.create(
            model="broken", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    assert "Traceback" not in str(caught.value)
    assert "secret internal detail" not in str(caught.value)


async def test_timeout_is_a_504(stuck_client: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        await stuck_client.chat.completions.create(
            model="slow", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 504
    assert "did not finish within 1 s" in str(caught.value)


async def test_timeout_while_streaming_is_an_error_event(
    stuck_client: openai.AsyncOpenAI,
) -> None:
    stream = await stuck_client.chat.completions.create(
        model="slow", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    with pytest.raises(openai.APIError, match="did not finish within"):
        async for _chunk in stream:
            pass


async def test_approval_needed_is_a_409(client: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.ConflictError, match="delete_file"):
        await client.chat.completions.create(
            model="careful", messages=[{"role": "user", "content": "delete a.txt"}]
        )


async def test_client_tools_are_refused(client: openai.AsyncOpenAI) -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    with pytest.raises(openai.BadRequestError, match="brings its own tools"):
        await client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "hi"}],
            tools=[tool],  # type: ignore[list-item]
        )


async def test_body_limit_and_bad_json(api_url: str) -> None:
    async with httpx.AsyncClient(base_url=api_url) as raw:
        big = {"model": "echo", "messages": [{"role": "user", "content": "x" * 60_000}]}
        response = await raw.post("/v1/chat/completions", json=big)
        assert response.status_code == 413
        assert "limit of 50000 bytes" in response.json()["error"]["message"]
        response = await raw.post("/v1/chat/completions", content=b"{not json")
        assert response.status_code == 400
        assert "not valid JSON" in response.json()["error"]["message"]
        response = await raw.post("/v1/chat/completions", json={"model": "echo"})
        assert response.status_code == 400
        assert "messages" in response.json()["error"]["message"]
