"""The MCP server driven by the official ``mcp`` SDK client over Streamable HTTP and stdio."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.node_tools import node_tool

CONFIG = Path(__file__).parent / "data" / "echo.yaml"


@asynccontextmanager
async def mcp_client(base_url: str) -> AsyncIterator[Any]:
    """The official MCP client over Streamable HTTP to ``BASE/mcp``."""
    async with httpx2.AsyncClient(timeout=30) as http:
        transport = streamable_http_client(f"{base_url}/mcp", http_client=http)
        async with Client(transport) as client:
            yield client


@pytest.fixture
async def http_client(base_url: str) -> AsyncIterator[Any]:
    async with mcp_client(base_url) as client:
        yield client


def text_of(result: Any) -> str:
    return "".join(block.text for block in result.content if block.type == "text")


async def test_lists_toolset_tools_agent_tools_and_agents(http_client: Any) -> None:
    tools = {tool.name: tool for tool in (await http_client.list_tools()).tools}
    # the host's toolset, then each agent's own (adder's add clashes: prefixed), then agents
    own = {"adder_add", "delete_file"}
    assert set(tools) == {"add", *own, "echo", "adder", "broken", "slow", "careful"}
    assert tools["add"].input_schema["properties"]["a"]["type"] == "integer"
    assert tools["adder"].input_schema["required"] == ["task"]
    assert tools["adder"].description == "Adds numbers with a tool."


async def test_calls_a_toolset_tool(http_client: Any) -> None:
    result = await http_client.call_tool("add", {"a": 20, "b": 22})
    assert (result.is_error, text_of(result)) == (False, "42")


async def test_invalid_arguments_are_an_error_result(http_client: Any) -> None:
    result = await http_client.call_tool("add", {"a": "many"})
    assert result.is_error
    assert text_of(result) == (
        "invalid arguments for tool 'add': a: Input should be a valid integer; "
        "b: Field required. Call it again with arguments that match its parameter schema."
    )


async def test_calls_an_agent(http_client: Any) -> None:
    result = await http_client.call_tool("adder", {"task": "What is 2 + 3?"})
    assert (result.is_error, text_of(result)) == (False, "The sum is 5.")


async def test_agent_failures_are_error_results(http_client: Any) -> None:
    broken = await http_client.call_tool("broken", {"task": "hi"})
    assert broken.is_error
    assert "secret internal detail" not in text_of(broken)
    careful = await http_client.call_tool("careful", {"task": "delete a.txt"})
    assert careful.is_error
    assert "approval" in text_of(careful)
    missing = await http_client.call_tool("echo", {})
    assert missing.is_error
    assert "'task'" in text_of(missing)


async def test_unknown_tool_is_a_protocol_error(http_client: Any) -> None:
    from mcp.shared.exceptions import MCPError

    with pytest.raises(MCPError, match="unknown tool 'nope'"):
        await http_client.call_tool("nope", {})


@pytest.mark.parametrize("launcher", ["module", "cli"])
async def test_stdio_server_from_a_config(launcher: str) -> None:
    if launcher == "cli":
        script = str(Path(sys.executable).with_name("interlace"))
        parameters = StdioServerParameters(command=script, args=["serve", str(CONFIG), "--stdio"])
    else:
        parameters = StdioServerParameters(
            command=sys.executable, args=["-m", "interlace.agents.serve", str(CONFIG), "--stdio"]
        )
    async with Client(stdio_client(parameters)) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert "greeter" in names
        assert "calculator" in names
        result = await client.call_tool("greeter", {"task": "hi"})
        assert text_of(result) == "hello from config"
        calc = await client.call_tool("calculator", {"expression": "6 * 7"})
        assert "42" in text_of(calc)


@pytest.mark.slow
async def test_stdio_server_passes_the_mcp_inspector_cli() -> None:
    """The official MCP Inspector (CLI mode, under node 22) lists and calls our tools."""
    inspector, env = node_tool("mcp-inspector")
    server = [inspector, "--cli", sys.executable, "-m", "interlace.agents.serve", str(CONFIG)]
    server.append("--stdio")
    listed = await _inspector([*server, "--method", "tools/list"], env)
    names = [tool["name"] for tool in json.loads(listed)["tools"]]
    assert "greeter" in names
    assert "calculator" in names
    called = await _inspector(
        [*server, "--method", "tools/call", "--tool-name", "greeter", "--tool-arg", "task=hello"],
        env,
    )
    assert json.loads(called)["content"][0]["text"] == "hello from config"


async def _inspector(command: list[str], env: dict[str, str]) -> str:
    with anyio.fail_after(240):
        done = await anyio.run_process(command, check=False, env=env)
    output = done.stdout.decode()
    assert done.returncode == 0, f"{command}\n{output}\n{done.stderr.decode()[-2000:]}"
    return output[output.index("{") :]
