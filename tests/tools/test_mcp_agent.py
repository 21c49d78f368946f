"""An agent calls the real ``mcp-server-time`` through the MCP toolset.

The model is a ScriptedBackend (the graph logic is what is under test here); the tool
call goes through the agents run API, the MCP toolset, the SDK client and the real
third-party server over stdio.
"""

from __future__ import annotations

import datetime as dt

import pytest

from interlace.agents import Agent
from interlace.agents.runner import run
from interlace.runtimes.scripted import ScriptedBackend, call

from .test_mcp_time import time_server

pytestmark = pytest.mark.slow


async def test_agent_calls_mcp_server_time() -> None:
    toolset = time_server()
    backend = ScriptedBackend(
        [call("get_current_time", timezone="Asia/Tokyo"), "It is morning in Tokyo."]
    )
    agent = Agent(
        name="clock",
        instructions="Answer questions about time with the tools.",
        model=backend,
        toolsets=[toolset],
    )
    try:
        result = await run(agent, "What time is it in Tokyo?")
    finally:
        await toolset.aclose()

    assert result.stop_reason == "final", result.detail
    assert result.output == "It is morning in Tokyo."
    backend.assert_all_consumed()
    first, second = backend.requests
    assert {"get_current_time", "convert_time"} <= {spec.name for spec in first.tools}
    (tool_message,) = [message for message in second.messages if message.role == "tool"]
    assert '"timezone": "Asia/Tokyo"' in tool_message.text
    assert "+09:00" in tool_message.text
    stamp = tool_message.text.split('"datetime": "')[1].split('"')[0]
    assert abs(dt.datetime.fromisoformat(stamp) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
