"""The real third-party server ``mcp-server-time`` (PyPI) through the MCP toolset, over stdio."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import pytest

from interlace.protocols import ToolCall
from interlace.tools.mcp import MCPToolset

pytestmark = pytest.mark.slow


def time_server() -> MCPToolset:
    """``mcp-server-time`` as installed in the venv (its console script)."""
    script = Path(sys.executable).with_name("mcp-server-time")
    command = str(script) if script.exists() else shutil.which("mcp-server-time")
    assert command, "mcp-server-time is a dev dependency; install the dev extras"
    return MCPToolset.stdio(command, ["--local-timezone", "UTC"], stderr="discard")


async def test_time_server_tools_and_calls() -> None:
    toolset = time_server()
    try:
        specs = {spec.name: spec for spec in await toolset.list_tools()}
        assert {"get_current_time", "convert_time"} <= set(specs)
        assert specs["get_current_time"].parameters["required"] == ["timezone"]

        now = await toolset.call(
            ToolCall(id="t1", name="get_current_time", arguments={"timezone": "Asia/Tokyo"})
        )
        assert not now.is_error, now.text
        assert now.structured is not None
        assert now.structured["timezone"] == "Asia/Tokyo"
        stamp = dt.datetime.fromisoformat(now.structured["datetime"])
        assert stamp.utcoffset() == dt.timedelta(hours=9)
        assert abs(stamp - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)

        converted = await toolset.call(
            ToolCall(
                id="t2",
                name="convert_time",
                arguments={
                    "source_timezone": "UTC",
                    "time": "12:00",
                    "target_timezone": "Asia/Kolkata",
                },
            )
        )
        assert not converted.is_error, converted.text
        assert converted.structured is not None
        assert "17:30" in converted.structured["target"]["datetime"]

        bad = await toolset.call(
            ToolCall(id="t3", name="get_current_time", arguments={"timezone": "Mars/Olympus"})
        )
        assert bad.is_error
        assert "Mars/Olympus" in bad.text
    finally:
        await toolset.aclose()
