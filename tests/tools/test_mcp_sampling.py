"""Sampling the other way: an MCP server asks its client's model, and the MCP client
toolset answers with the model of the agent that called the tool (both eras)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from interlace.agents import Agent, run
from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.settings import ServeSettings
from interlace.protocols import Message, ModelRequest
from interlace.protocols.errors import BackendUnavailableError
from interlace.runtimes.mcp_sampling import McpSamplingBackend
from interlace.runtimes.scripted import ScriptedBackend, call
from interlace.tools.mcp import MCPToolset
from tests.processes import free_port
from tests.serve.conformance_fixture import ConformanceToolset


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    """An interlace MCP server whose ``test_sampling`` tool asks its client's model."""
    host = LocalHost([], {"fixture": ConformanceToolset()})
    settings = ServeSettings(port=free_port(), timeout_s=20)
    async with running_server(
        build_app(host, settings, protocols=["mcp"]), port=settings.port
    ) as url:
        yield f"{url}/mcp"


@pytest.mark.parametrize("protocol", ["legacy", "auto"])
async def test_the_client_toolset_answers_sampling_with_the_agents_model(
    upstream: str, protocol: str
) -> None:
    model = ScriptedBackend(
        [call("test_sampling", prompt="Say hi to the lighthouse."), "Hi, lighthouse!", "Done."]
    )
    toolset = MCPToolset.http(upstream, protocol=protocol)
    agent = Agent(name="asker", model=model, toolsets=[toolset.filtered(["test_sampling"])])
    try:
        result = await run(agent, "go")
    finally:
        await toolset.aclose()
    assert result.output == "Done."
    tool = [m for m in result.messages if m.role == "tool"]
    assert tool[0].text == "LLM response: Hi, lighthouse!"
    sampled = model.requests[1]  # the upstream's request, answered by the agent's model
    assert sampled.messages[-1].text == "Say hi to the lighthouse."
    assert sampled.settings.max_tokens == 100


async def test_mcp_sampling_outside_an_mcp_request_says_where_it_works() -> None:
    backend = McpSamplingBackend()
    with pytest.raises(BackendUnavailableError, match="only while serving an MCP request"):
        await backend.complete(ModelRequest(messages=(Message.user("hi"),)))
