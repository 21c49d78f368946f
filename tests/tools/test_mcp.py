"""The MCP toolset against a server written with the SDK (stdio and Streamable HTTP)."""

from __future__ import annotations

import sys

import anyio
import pytest

from interlace.protocols import AudioPart, ImagePart, ResourcePart, TextPart, ToolCall
from interlace.protocols.errors import ConfigError
from interlace.tools.mcp import MCPConnectionError, MCPOptions, MCPToolset
from interlace.tools.registry import build_toolset

from .mcp_fixtures import PNG_PREFIX, SERVER, TOKEN_HEADER, free_port, http_server, stdio_toolset

pytestmark = pytest.mark.slow


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(id=f"id-{name}", name=name, arguments=dict(arguments))


async def test_stdio_specs_and_content_mapping() -> None:
    toolset = stdio_toolset()
    try:
        specs = {spec.name: spec for spec in await toolset.list_tools()}
        assert specs["add"].description == "Add two integers."
        assert specs["add"].parameters["required"] == ["a", "b"]
        assert "title" not in specs["add"].parameters["properties"]["a"]

        added = await toolset.call(call("add", a=2, b=40))
        assert not added.is_error
        assert added.structured == {"total": 42, "terms": [2, 40]}
        assert '"total": 42' in added.text

        image = await toolset.call(call("pixel"))
        assert isinstance(image.content, tuple)
        (part,) = image.content
        assert isinstance(part, ImagePart)
        assert part.url.startswith(PNG_PREFIX)

        resource = await toolset.call(call("readme"))
        assert resource.content == (
            ResourcePart(uri="file:///readme.txt", mime_type="text/plain", text="hi"),
        )
        assert resource.text == "[resource <file:///readme.txt> (text/plain)]\nhi"

        failed = await toolset.call(call("fail", reason="bad input"))
        assert failed.is_error
        assert "bad input" in failed.text
    finally:
        await toolset.aclose()


async def test_tool_list_refreshes_on_listen_event() -> None:
    """2026-07-28 connections: the change arrives through ``subscriptions/listen``."""
    await check_list_changed("auto")


async def test_tool_list_refreshes_on_legacy_notification() -> None:
    """Handshake-era connections: a ``notifications/tools/list_changed`` message."""
    await check_list_changed("legacy")


async def check_list_changed(protocol: str) -> None:
    toolset = stdio_toolset(protocol=protocol)
    requests = 0
    original = toolset._connection.request

    async def counting(operation):  # type: ignore[no-untyped-def]
        nonlocal requests
        requests += 1
        return await original(operation)

    toolset._connection.request = counting  # type: ignore[method-assign]
    try:
        first = [spec.name for spec in await toolset.list_tools()]
        assert [spec.name for spec in await toolset.list_tools()] == first
        assert requests == 1, "an unchanged tool list must come from the cache"
        assert "late" not in first
        assert not (await toolset.call(call("grow"))).is_error
        with anyio.fail_after(10):
            while "late" not in [spec.name for spec in await toolset.list_tools()]:  # noqa: ASYNC110
                await anyio.sleep(0.05)
        late = await toolset.call(call("late"))
        assert late.text == "late tool"
    finally:
        await toolset.aclose()


async def test_crash_gives_a_clear_error_then_reconnects() -> None:
    toolset = stdio_toolset()
    try:
        before = await toolset.call(call("pid"))
        crashed = await toolset.call(call("crash"))
        assert crashed.is_error
        assert "lost the connection" in crashed.text
        assert "reconnected" in crashed.text
        after = await toolset.call(call("pid"))
        assert not after.is_error
        assert after.text != before.text, "a new server process must have been started"
        assert "add" in [spec.name for spec in await toolset.list_tools()]
    finally:
        await toolset.aclose()


async def test_slow_call_times_out_and_the_connection_survives() -> None:
    """Only the call that must time out gets the short limit: the calls that must succeed
    get a generous one, so a loaded machine cannot make them time out too."""
    generous = MCPOptions(command=sys.executable, args=[str(SERVER), "stdio"], stderr="discard")
    toolset = MCPToolset(generous)
    try:
        assert (await toolset.call(call("echo", text="ready"))).text == "ready"
        toolset.options = generous.model_copy(update={"call_timeout_s": 0.5})
        slow = await toolset.call(call("snooze", seconds=30))
        assert slow.is_error
        assert "timed out after 0.5s" in slow.text
        toolset.options = generous
        assert (await toolset.call(call("echo", text="still here"))).text == "still here"
    finally:
        await toolset.aclose()


async def test_missing_command_is_a_clear_error() -> None:
    toolset = MCPToolset.stdio("/nonexistent/mcp-server")
    with pytest.raises(MCPConnectionError, match=r"cannot start MCP server.*No such file"):
        await toolset.list_tools()
    result = await toolset.call(call("anything"))
    assert result.is_error
    assert "cannot start MCP server" in result.text
    await toolset.aclose()


async def test_server_that_is_not_mcp_times_out_with_a_clear_error() -> None:
    toolset = MCPToolset.stdio(
        sys.executable, ["-c", "import time; time.sleep(30)"], connect_timeout_s=1
    )
    try:
        with pytest.raises(MCPConnectionError, match="did not answer within 1s"):
            await toolset.list_tools()
    finally:
        await toolset.aclose()


async def test_http_with_headers() -> None:
    with http_server() as url:
        refused = MCPToolset.http(url)
        with pytest.raises(MCPConnectionError, match="401"):
            await refused.list_tools()
        await refused.aclose()

        toolset = build_toolset("mcp", {"url": url, "headers": TOKEN_HEADER})
        try:
            assert "echo" in [spec.name for spec in await toolset.list_tools()]
            result = await toolset.call(call("echo", text="over http", times=2))
            assert result.text == "over http over http"
        finally:
            await toolset.aclose()


async def test_http_server_restart_reconnects() -> None:
    port = free_port()
    toolset = MCPToolset.http(f"http://127.0.0.1:{port}/mcp", headers=TOKEN_HEADER)
    try:
        with http_server(port):
            assert not (await toolset.call(call("echo", text="one"))).is_error
        down = await toolset.call(call("echo", text="two"))
        assert down.is_error
        assert "lost the connection" in down.text or "cannot connect" in down.text, down.text
        with http_server(port):
            back = await toolset.call(call("echo", text="three"))
            assert not back.is_error
            assert back.text == "three"
    finally:
        await toolset.aclose()


async def test_unreachable_http_server() -> None:
    toolset = MCPToolset.http(f"http://127.0.0.1:{free_port()}/mcp", connect_timeout_s=10)
    with pytest.raises(
        MCPConnectionError, match=r"cannot connect to MCP server at http://127\.0\.0\.1"
    ):
        await toolset.list_tools()
    await toolset.aclose()


def test_requires_approval_globs() -> None:
    toolset = MCPToolset.stdio("server", requires_approval=["delete_*", "send"])
    assert toolset.requires_approval("delete_file")
    assert toolset.requires_approval("send")
    assert not toolset.requires_approval("read_file")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "exactly one of 'command'"),
        ({"command": "x", "url": "http://h/mcp"}, "exactly one of 'command'"),
        ({"url": "ftp://h"}, "must start with http"),
        ({"url": "http://h/mcp", "args": ["a"]}, "only apply to stdio"),
        ({"command": "x", "headers": {"a": "b"}}, "only apply to HTTP"),
        ({"command": "x", "timeout": 3}, "unknown key"),
    ],
)
def test_options_are_validated(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_toolset("mcp", options)


def test_content_mapping_of_every_block_kind() -> None:
    import mcp_types as types

    from interlace.tools.mcp.content import tool_result

    result = types.CallToolResult(
        content=[
            types.TextContent(type="text", text="hello"),
            types.AudioContent(type="audio", data="AAAA", mime_type="audio/wav"),
            types.ResourceLink(type="resource_link", name="spec", uri="file:///spec.md"),
            types.EmbeddedResource(
                type="resource",
                resource=types.BlobResourceContents(
                    uri="file:///a.png", mime_type="image/png", blob="AA=="
                ),
            ),
            types.EmbeddedResource(
                type="resource",
                resource=types.BlobResourceContents(uri="file:///a.bin", blob="AAAA"),
            ),
        ],
        structured_content=[1, 2],
    )
    mapped = tool_result(call("x"), result)
    assert mapped.content == (
        TextPart(text="hello"),
        AudioPart(data="AAAA", mime_type="audio/wav"),
        TextPart(text="[resource link spec <file:///spec.md>]"),
        ResourcePart(uri="file:///a.png", mime_type="image/png", data="AA=="),
        ResourcePart(uri="file:///a.bin", data="AAAA"),
    )
    assert "[binary resource <file:///a.bin> (binary), 3 bytes, not shown]" in mapped.text
    assert mapped.structured == {"result": [1, 2]}
