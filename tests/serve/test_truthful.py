"""Every surface tells the truth: timeouts, a full model queue, a conversation over the
context window and an answer cut at max_tokens, over OpenAI, A2A and MCP (each driven by
its official client); request fields are honoured or refused by name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import openai
import pytest
from a2a.client import ClientConfig, create_client
from a2a.helpers import get_message_text
from a2a.types.a2a_pb2 import TaskState

from interlace.agents import Agent
from interlace.agents.agent import Limits
from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.settings import ServeSettings
from interlace.protocols import Message, ModelResponse
from interlace.protocols.errors import ContextOverflowError, OverloadedError
from interlace.runtimes.scripted import ScriptedBackend
from tests.processes import free_port
from tests.serve.test_a2a import last, message
from tests.serve.test_mcp import mcp_client, text_of

# agents that do not end well, and what each surface must say about them
FAILURES = [
    ("lazy", "timeout_s=0.3"),
    ("overflow", "5000 tokens but the context window is 4096"),
    ("busy", "busy; retry in 7 s"),
]
CUT = ModelResponse(message=Message.assistant("the answer was cut"), finish_reason="length")


def _agents() -> list[Agent]:
    def scripted(name: str, *items: Any, **options: Any) -> Agent:
        return Agent(name=name, model=ScriptedBackend(list(items), repeat=True, **options))

    return [
        scripted("cutter", CUT),
        scripted("overflow", ContextOverflowError(5000, 4096, "model m")),
        scripted("busy", OverloadedError("the model m is busy; retry in 7 s", retry_after=7)),
        scripted("echo", "hello"),
        Agent(
            name="lazy",
            model=ScriptedBackend(["a b c d e f g h"], repeat=True, chunk_delay=0.2, chunk_size=2),
            limits=Limits(timeout_s=0.3),
        ),
    ]


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"  # module scope: one server for the whole module


@pytest.fixture(scope="module")
def host() -> LocalHost:
    return LocalHost(_agents())


@pytest.fixture(scope="module")
async def url(host: LocalHost) -> AsyncIterator[str]:
    settings = ServeSettings(port=free_port(), timeout_s=10.0)
    async with running_server(build_app(host, settings), port=settings.port) as base:
        yield base


@pytest.fixture
async def oai(url: str) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0) as client:
        yield client


def _ask(agent: str, **fields: Any) -> dict[str, Any]:
    return {"model": agent, "messages": [{"role": "user", "content": "hi"}], **fields}


# --- OpenAI-compatible API ---------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
async def test_openai_cut_answer_finishes_with_length(
    oai: openai.AsyncOpenAI, stream: bool
) -> None:
    if not stream:
        completion = await oai.chat.completions.create(**_ask("cutter"))
        choice = completion.choices[0]
        assert (choice.finish_reason, choice.message.content) == ("length", "the answer was cut")
        return
    chunks = await oai.chat.completions.create(**_ask("cutter"), stream=True)
    finish = [c.choices[0].finish_reason async for c in chunks if c.choices]
    assert finish[-1] == "length"


@pytest.mark.parametrize("stream", [False, True])
async def test_openai_overflow_is_a_400_with_both_token_counts(
    oai: openai.AsyncOpenAI, stream: bool
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        await oai.chat.completions.create(**_ask("overflow"), stream=stream)
    assert caught.value.code == "context_length_exceeded"
    assert "5000 tokens" in caught.value.message
    assert "4096" in caught.value.message


@pytest.mark.parametrize("stream", [False, True])
async def test_openai_full_queue_is_a_429_with_retry_after(url: str, stream: bool) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.post("/v1/chat/completions", json=_ask("busy", stream=stream))
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert "busy" in response.json()["error"]["message"]


async def test_openai_agent_timeout_is_a_504(oai: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        await oai.chat.completions.create(**_ask("lazy"))
    assert caught.value.status_code == 504
    assert "timeout_s=0.3" in caught.value.message


async def test_openai_agent_timeout_mid_stream_names_the_agents_limit(
    oai: openai.AsyncOpenAI,
) -> None:
    chunks = await oai.chat.completions.create(**_ask("lazy"), stream=True)
    with pytest.raises(openai.APIError, match=r"timeout_s=0\.3"):
        async for _chunk in chunks:
            pass


async def test_openai_sampling_fields_reach_every_model_call(
    host: LocalHost, oai: openai.AsyncOpenAI
) -> None:
    await oai.chat.completions.create(
        **_ask("echo"), max_tokens=3, temperature=0.25, top_p=0.5, stop=["\n"], seed=7
    )
    backend = host.units["echo"].model
    assert isinstance(backend, ScriptedBackend)
    settings = backend.requests[-1].settings
    assert (settings.max_tokens, settings.temperature, settings.top_p) == (3, 0.25, 0.5)
    assert (settings.stop, settings.seed) == (("\n",), 7)


async def test_openai_n_runs_the_agent_n_times(host: LocalHost, oai: openai.AsyncOpenAI) -> None:
    backend = host.units["echo"].model
    assert isinstance(backend, ScriptedBackend)
    before = len(backend.requests)
    completion = await oai.chat.completions.create(**_ask("echo"), n=3)
    assert [choice.index for choice in completion.choices] == [0, 1, 2]
    assert {choice.message.content for choice in completion.choices} == {"hello"}
    assert len(backend.requests) - before == 3
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 3


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"logprobs": True}, "logprobs"),
        ({"presence_penalty": 0.5}, "presence_penalty"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"n": 2, "stream": True}, "n"),
        ({"n": 50}, "n"),
        ({"best_of": 2}, "best_of"),
    ],
)
async def test_openai_fields_it_cannot_honour_are_refused_by_name(
    url: str, fields: dict[str, Any], param: str
) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        response = await http.post("/v1/chat/completions", json=_ask("echo", **fields))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param
    assert repr(param) in error["message"]


async def test_openai_neutral_values_of_unsupported_fields_are_accepted(
    oai: openai.AsyncOpenAI,
) -> None:
    completion = await oai.chat.completions.create(
        **_ask("echo"), logprobs=False, presence_penalty=0, tools=[], user="u1"
    )
    assert completion.choices[0].message.content == "hello"


# --- A2A ---------------------------------------------------------------------------------


@pytest.fixture
async def a2a(url: str) -> AsyncIterator[Any]:
    async with await create_client(url, ClientConfig(streaming=False)) as client:
        yield client


@pytest.mark.parametrize(("agent", "reason"), FAILURES)
async def test_a2a_fails_the_task_with_the_reason(a2a: Any, agent: str, reason: str) -> None:
    task = (await last(a2a, message("hi", agent=agent))).task
    assert task.status.state == TaskState.TASK_STATE_FAILED
    assert reason in get_message_text(task.status.message)


async def test_a2a_cut_answer_completes_naming_the_stop(a2a: Any) -> None:
    task = (await last(a2a, message("hi", agent="cutter"))).task
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    assert get_message_text(task.status.message) == "the answer was cut"
    assert task.status.message.metadata["stop_reason"] == "length"


# --- MCP ---------------------------------------------------------------------------------


@pytest.fixture
async def mcp(url: str) -> AsyncIterator[Any]:
    async with mcp_client(url) as client:
        yield client


@pytest.mark.parametrize(("agent", "reason"), FAILURES)
async def test_mcp_reports_an_error_result_with_the_reason(
    mcp: Any, agent: str, reason: str
) -> None:
    result = await mcp.call_tool(agent, {"task": "hi"})
    assert result.is_error
    assert reason in text_of(result)


async def test_mcp_cut_answer_names_the_stop_in_meta(mcp: Any) -> None:
    result = await mcp.call_tool("cutter", {"task": "hi"})
    assert (result.is_error, text_of(result)) == (False, "the answer was cut")
    assert result.meta["interlace/stop_reason"] == "length"
