"""Upstream toolsets that fail alone: a config with a dead MCP server and a dead A2A agent
still serves every other agent and tool; the commands name the dead ones."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from interlace.agents.config import load_config
from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.settings import ServeSettings
from interlace.agents.system import build_system
from interlace.protocols import ToolCall
from interlace.tools import FunctionToolset
from interlace.tools.upstream import Backoff, ToolsetUnavailable, UpstreamToolset
from tests.cli.helpers import interlace
from tests.processes import free_port

from .conftest import add

CONFIG = """
models:
  default: "scripted:hello from config"
toolsets:
  math: {{kind: builtin, tools: [calculator]}}
  deadmcp: {{kind: mcp, url: "{mcp}", connect_timeout_s: 5}}
  deada2a: {{kind: a2a, url: "{a2a}", timeout_s: 5}}
agents:
  greeter:
    instructions: Greet.
    tools: [calculator]
  user:
    instructions: Use the remote ones.
    toolsets: [deadmcp, deada2a]
"""


@pytest.fixture
def dead_config(tmp_path: Path) -> tuple[Path, str, str]:
    mcp, a2a = f"http://127.0.0.1:{free_port()}/mcp", f"http://127.0.0.1:{free_port()}"
    path = tmp_path / "app.yaml"
    path.write_text(CONFIG.format(mcp=mcp, a2a=a2a), encoding="utf-8")
    return path, mcp, a2a


@pytest.fixture
async def dead_server(dead_config: tuple[Path, str, str]) -> AsyncIterator[str]:
    system = build_system(load_config(dead_config[0]))
    settings = ServeSettings(port=free_port(), timeout_s=20)
    async with system:
        app = build_app(system.host(), settings)  # its checkpoints are open now
        async with running_server(app, port=settings.port) as url:
            yield url


async def test_other_agents_and_tools_are_served_normally(
    dead_server: str, dead_config: tuple[Path, str, str]
) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        transport = streamable_http_client(f"{dead_server}/mcp", http_client=http)
        async with Client(transport) as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            # math's calculator, greeter's own one, the agents; the dead toolsets left out
            assert names == ["calculator", "greeter_calculator", "greeter", "user"]
            sum_ = await client.call_tool("calculator", {"expression": "2 + 3"})
            assert not sum_.is_error
            greeted = await client.call_tool("greeter", {"task": "hi"})
            assert (greeted.is_error, greeted.content[0].text) == (False, "hello from config")  # type: ignore[union-attr]
            failed = await client.call_tool("user", {"task": "hi"})
    assert failed.is_error
    message = failed.content[0].text  # type: ignore[union-attr]
    assert (
        "toolset 'deadmcp' is unavailable" in message
        or "toolset 'deada2a' is unavailable" in message
    )
    assert "\n" not in message
    async with httpx.AsyncClient(timeout=30) as http:
        body = {"model": "greeter", "messages": [{"role": "user", "content": "hi"}]}
        ok = await http.post(f"{dead_server}/v1/chat/completions", json=body)
        assert ok.status_code == 200
        assert ok.json()["choices"][0]["message"]["content"] == "hello from config"
        dead = await http.post(f"{dead_server}/v1/chat/completions", json={**body, "model": "user"})
    assert dead.status_code == 503  # an upstream of this agent is down: try again later
    assert int(dead.headers["retry-after"]) >= 1
    assert dead.json()["error"]["code"] == "upstream_unavailable"
    assert "is unavailable" in dead.json()["error"]["message"]


def test_tools_and_validate_connect_name_the_dead_upstreams(
    dead_config: tuple[Path, str, str],
) -> None:
    path, mcp, a2a = dead_config
    listed = interlace("tools", str(path), "--json", "--timeout", "8")
    assert listed.returncode == 5, listed.stderr
    reports = {row["name"]: row for row in json.loads(listed.stdout)["toolsets"]}
    assert [(r["ok"], r["kind"]) for r in reports.values()] == [
        (True, "builtin"),
        (False, "mcp"),
        (False, "a2a"),
        (True, "tools"),
    ]
    assert [t["name"] for t in reports["agent:greeter"]["tools"]] == ["calculator"]
    assert mcp in reports["deadmcp"]["error"]
    assert a2a in reports["deada2a"]["error"]
    checked = interlace("validate", str(path), "--connect", "--timeout", "8")
    assert checked.returncode == 5, checked.stderr
    lines = {line.split(":")[0].strip(): line for line in checked.stdout.splitlines()}
    assert mcp in lines["✗ toolset deadmcp (mcp)"]  # "cannot connect to MCP server at URL: ..."
    assert f"cannot reach the A2A agent at {a2a}" in lines["✗ toolset deada2a (a2a)"]
    assert "✓ toolset" not in checked.stdout  # only upstreams are contacted
    ran = interlace("run", str(path), "hi", "--agent", "user")
    assert ran.returncode == 1
    assert "Traceback" not in ran.stderr
    (line,) = ran.stderr.strip().splitlines()
    assert "is unavailable" in line


class Dead(FunctionToolset):
    """A toolset whose listing fails until ``alive`` is set; counts the attempts."""

    def __init__(self) -> None:
        super().__init__([add])
        self.alive = False
        self.attempts = 0

    async def list_tools(self) -> Any:
        self.attempts += 1
        if not self.alive:
            raise ConnectionError("connection refused by http://127.0.0.1:9")
        return await super().list_tools()


async def test_an_unavailable_upstream_is_retried_with_backoff() -> None:
    now = [100.0]
    inner = Dead()
    guarded = UpstreamToolset("remote", inner, backoff=Backoff(1, 4), clock=lambda: now[0])
    with pytest.raises(ToolsetUnavailable) as failed:
        await guarded.list_tools()
    assert str(failed.value) == (
        "toolset 'remote' is unavailable: ConnectionError: connection refused by "
        "http://127.0.0.1:9 (next try in 1 s)"
    )
    with pytest.raises(ToolsetUnavailable):  # within the backoff: not contacted again
        await guarded.list_tools()
    assert (inner.attempts, guarded.status.state, guarded.status.retry_after) == (
        1,
        "unavailable",
        1,
    )
    result = await guarded.call(ToolCall(id="1", name="add", arguments={"a": 1, "b": 2}))
    assert result.is_error
    assert "toolset 'remote' is unavailable" in result.text
    now[0] += 1.5
    with pytest.raises(ToolsetUnavailable):  # tried again, failed again: 2 s now
        await guarded.list_tools()
    assert (inner.attempts, guarded.status.retry_after, guarded.status.failures) == (2, 2, 2)
    inner.alive = True
    now[0] += 2
    assert [spec.name for spec in await guarded.list_tools()] == ["add"]
    assert (guarded.status.state, guarded.status.failures) == ("available", 0)
    ok = await guarded.call(ToolCall(id="2", name="add", arguments={"a": 1, "b": 2}))
    assert ok.text == "3"
