"""The servers in front of a real system: the single-agent example config on the
on-device model (llamacpp:default), driven by the official openai and mcp clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import openai
import pytest

from interlace.agents.config import load_config
from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.settings import ServeSettings
from interlace.agents.system import System, build_system

CONFIG = Path(__file__).parents[2] / "examples" / "single_agent" / "config.yaml"

pytestmark = pytest.mark.slow


@pytest.fixture
async def system() -> AsyncIterator[System]:
    system = build_system(load_config(CONFIG))
    async with system:
        yield system


@pytest.fixture
async def url(system: System) -> AsyncIterator[str]:
    app = build_app(system.host(), ServeSettings(timeout_s=240.0))
    async with running_server(app) as base:
        yield base


async def test_openai_client_gets_a_real_model_answer(url: str) -> None:
    async with openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0) as client:
        ids = [model.id for model in (await client.models.list()).data]
        assert ids == ["assistant"]
        completion = await client.chat.completions.create(
            model="assistant", messages=[{"role": "user", "content": "What is 17 * 23?"}]
        )
    choice = completion.choices[0]
    assert choice.message.content is not None
    assert "391" in choice.message.content
    assert choice.finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.completion_tokens > 0


async def test_mcp_client_calls_the_agent(url: str) -> None:
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    from tests.serve.test_mcp import httpx2, text_of

    async with httpx2.AsyncClient(timeout=240) as http:
        transport = streamable_http_client(f"{url}/mcp", http_client=http)
        async with Client(transport) as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            # no shared toolsets: the agent's own calculator, then the agent itself
            assert names == ["calculator", "assistant"]
            answer = await client.call_tool("assistant", {"task": "What is 2 + 2?"})
            assert not answer.is_error, text_of(answer)
            assert text_of(answer).strip() == "4"  # through the calculator, a final answer
