"""An MCP server over an :class:`AgentHost`, on the official ``mcp`` SDK (low-level server).

Every tool of the host's toolsets is served as is (its JSON Schema unchanged), and every
agent becomes a tool that takes a ``task`` and returns the agent's answer. Transports:
Streamable HTTP (mounted at ``/mcp`` by :func:`~interlace.agents.serve.app.build_app`)
and stdio (:func:`serve_mcp_stdio`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError

from interlace import __version__
from interlace.protocols import Message, ToolCall, ToolResult, ToolSpec
from interlace.protocols.errors import RunTimeout
from interlace.protocols.mcp_wire import error_to_mcp, result_to_mcp, tool_to_mcp
from interlace.tools.base import Toolset

from .host import AgentHost
from .protocols import ServerParts
from .running import public_error, run_agent
from .settings import ServeSettings, is_loopback

STOP_REASON_META = "interlace/stop_reason"
TASK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"task": {"type": "string", "description": "What the agent should do."}},
    "required": ["task"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class _Entry:
    """One served tool: a toolset's tool (``toolset``) or an agent (``agent``)."""

    tool: types.Tool
    original: str
    toolset: Toolset | None = None
    agent: str | None = None


def call_result(result: ToolResult) -> types.CallToolResult:
    """An MCP ``CallToolResult`` for a protocol tool result."""
    return types.CallToolResult.model_validate(result_to_mcp(result))


def error_result(message: str) -> types.CallToolResult:
    """A failed call the client (and its model) can read."""
    return types.CallToolResult.model_validate(error_to_mcp(message))


class McpBridge:
    """Lists and calls the host's tools and agents for the MCP server."""

    def __init__(self, host: AgentHost, timeout_s: float) -> None:
        self.host = host
        self.timeout_s = timeout_s

    async def entries(self) -> dict[str, _Entry]:
        """Every served tool by its MCP name; on a name clash the later one is prefixed
        with its toolset name (agents with ``agent_``)."""
        found: dict[str, _Entry] = {}
        for toolset_name, toolset in self.host.toolsets.items():
            for spec in await toolset.list_tools():
                name = spec.name if spec.name not in found else f"{toolset_name}_{spec.name}"
                tool = types.Tool.model_validate({**tool_to_mcp(spec), "name": name})
                found[name] = _Entry(tool, spec.name, toolset=toolset)
        for agent, description in self.host.agent_cards():
            name = agent if agent not in found else f"agent_{agent}"
            about = description or f"Ask the agent {agent!r} to do a task."
            spec = ToolSpec(name=name, description=about, parameters=TASK_SCHEMA)
            tool = types.Tool.model_validate(tool_to_mcp(spec))
            found[name] = _Entry(tool, agent, agent=agent)
        return found

    async def list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        """``tools/list``."""
        return types.ListToolsResult(
            tools=[entry.tool for entry in (await self.entries()).values()]
        )

    async def call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        """``tools/call``: failures of the tool or agent (a timeout, a full model queue, a
        conversation over the context window, ...) come back as ``isError`` results."""
        entries = await self.entries()
        entry = entries.get(params.name)
        if entry is None:
            known = ", ".join(entries)
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {params.name!r}; known: {known}")
        arguments = dict(params.arguments or {})
        try:
            if entry.agent is not None:
                return await self._ask(entry.agent, arguments)
            assert entry.toolset is not None
            call = ToolCall(
                id=f"mcp_{uuid.uuid4().hex[:12]}", name=entry.original, arguments=arguments
            )
            with anyio.fail_after(self.timeout_s):
                return call_result(await entry.toolset.call(call))
        except TimeoutError as exc:
            if isinstance(exc, RunTimeout):  # an agent's run: its message says which limit
                return error_result(public_error(exc))
            return error_result(f"tool {params.name!r} did not finish within {self.timeout_s:g} s")
        except Exception as exc:
            return error_result(public_error(exc))

    async def _ask(self, agent: str, arguments: dict[str, Any]) -> types.CallToolResult:
        task = arguments.get("task")
        if not isinstance(task, str) or not task.strip():
            return error_result(f"agent {agent!r} needs a non-empty string argument 'task'")
        result = await run_agent(self.host, agent, [Message.user(task)], self.timeout_s)
        if result.interrupted:
            calls = ", ".join(item.call.name for item in result.pending)
            return error_result(
                f"agent {agent!r} stopped to wait for human approval of {calls}; approve "
                "tool calls over A2A (input-required) or run it where approval is possible"
            )
        wire = result_to_mcp(ToolResult(tool_call_id="", name=agent, content=result.output))
        if result.stop_reason != "final":  # a stop short of a final answer is named in _meta
            wire["_meta"] = {STOP_REASON_META: result.stop_reason}
        return types.CallToolResult.model_validate(wire)


def create_mcp_server(host: AgentHost, timeout_s: float = 300.0) -> Server[Any]:
    """The MCP server object serving ``host``'s toolsets and agents."""
    bridge = McpBridge(host, timeout_s)
    agents = ", ".join(name for name, _ in host.agent_cards())
    return Server(
        "interlace",
        version=__version__,
        instructions=f"Tools and agents served by interlace. Agents: {agents or 'none'}.",
        on_list_tools=bridge.list_tools,
        on_call_tool=bridge.call_tool,
    )


def mcp_parts(host: AgentHost, settings: ServeSettings, base_url: str) -> ServerParts:
    """The Streamable HTTP routes (``/mcp``) and the lifespan that runs their sessions."""
    from mcp.server.transport_security import TransportSecuritySettings

    server = create_mcp_server(host, settings.timeout_s)
    security = None
    if not is_loopback(settings.bind):
        # a bearer token guards non-loopback binds; host names are the operator's choice
        security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    app = server.streamable_http_app(
        streamable_http_path="/mcp",
        host=settings.bind,
        transport_security=security,
        max_request_body_size=settings.max_body_bytes,
    )
    return ServerParts(list(app.routes), server.session_manager.run)


async def serve_mcp_stdio(host: AgentHost, *, timeout_s: float = 300.0) -> None:
    """Serve MCP over this process's standard input and output until input ends."""
    from mcp.server.stdio import stdio_server

    server = create_mcp_server(host, timeout_s)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
