"""Any MCP server as a toolset: stdio (command) or Streamable HTTP (url)."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from interlace.protocols import ToolCall, ToolResult, ToolSpec
from interlace.protocols.mcp_sampling import request_from_mcp, result_to_mcp

from ..base import Toolset
from ..sampling import Sampler, current_sampler
from .connection import MCPConnection, MCPConnectionError
from .content import tool_result, tool_spec
from .options import MCPOptions

if TYPE_CHECKING:
    from mcp import Client

MAX_PAGES = 100
REQUEST_TIMEOUT = -32001  # mcp_types.jsonrpc.REQUEST_TIMEOUT


class MCPToolset(Toolset):
    """The tools of one MCP server.

    The tool list is cached and refreshed when the server announces a change
    (``notifications/tools/list_changed``, or a ``subscriptions/listen`` event on
    2026-07-28 connections) and after a reconnect. A crashed or unreachable server turns
    the call into an error result; the next call reconnects.
    """

    def __init__(self, options: MCPOptions | None = None, **settings: Any) -> None:
        self.options = options if options is not None else MCPOptions(**settings)
        self._connection = MCPConnection(self.options, self._tools_changed, self._sample)
        self._callers: list[Sampler] = []
        self._specs: list[ToolSpec] | None = None
        self._idempotent: set[str] = set()
        self._listed_generation = -1
        self._stale = True

    @classmethod
    def stdio(
        cls,
        command: str,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        **settings: Any,
    ) -> MCPToolset:
        """A toolset for a server started as ``command args`` (stdin/stdout)."""
        return cls(MCPOptions(command=command, args=list(args), env=dict(env or {}), **settings))

    @classmethod
    def http(
        cls, url: str, headers: Mapping[str, str] | None = None, **settings: Any
    ) -> MCPToolset:
        """A toolset for a Streamable HTTP server at ``url``."""
        return cls(MCPOptions(url=url, headers=dict(headers or {}), **settings))

    def _tools_changed(self) -> None:
        self._stale = True

    async def list_tools(self) -> Sequence[ToolSpec]:
        fresh = self._listed_generation == self._connection.generation
        if self._specs is None or self._stale or not fresh:
            self._stale = False
            try:
                tools = await self._connection.request(_list_all)
            except MCPConnectionError:
                self._stale = True
                raise
            except Exception as error:
                self._stale = True
                raise MCPConnectionError(
                    f"listing the tools of MCP server {self.options.label!r} failed: {error}"
                ) from error
            self._specs = [tool_spec(tool) for tool in tools]
            self._idempotent = {tool.name for tool in tools if _safe_to_repeat(tool)}
            self._listed_generation = self._connection.generation
        return list(self._specs)

    async def call(self, call: ToolCall) -> ToolResult:
        timeout = self.options.call_timeout_s

        async def send(client: Client) -> Any:
            return await client.call_tool(call.name, call.arguments, read_timeout_seconds=timeout)

        sampler = current_sampler()
        if sampler is not None:
            self._callers.append(sampler)
        try:
            result = await self._connection.request(send)
        except MCPConnectionError as error:
            return _error(call, str(error))
        except Exception as error:
            code = getattr(getattr(error, "error", None), "code", None)
            if isinstance(error, TimeoutError) or code == REQUEST_TIMEOUT:
                return _error(call, f"MCP tool {call.name!r} timed out after {timeout:g}s")
            message = getattr(getattr(error, "error", None), "message", None) or str(error)
            return _error(
                call,
                f"MCP server {self.options.label!r} refused the call to {call.name!r}: {message}",
            )
        finally:
            if sampler is not None:
                self._callers.remove(sampler)
        return tool_result(call, result)

    async def _sample(self, context: Any, params: Any) -> Any:
        """Answer the server's ``sampling/createMessage`` with the calling agent's model."""
        import mcp_types

        sampler = current_sampler() or (self._callers[-1] if self._callers else None)
        if sampler is None:
            return mcp_types.ErrorData(
                code=mcp_types.INVALID_REQUEST,
                message="no model to sample with: this MCP client answers sampling requests "
                "only during a tool call made by an agent",
            )
        wire = params.model_dump(by_alias=True, mode="json", exclude_none=True)
        try:
            response = await sampler(request_from_mcp(wire))
        except Exception as error:
            return mcp_types.ErrorData(
                code=mcp_types.INTERNAL_ERROR, message=f"sampling failed: {error}"
            )
        answer = result_to_mcp(response)
        kind = (
            mcp_types.CreateMessageResultWithTools
            if response.tool_calls
            else mcp_types.CreateMessageResult
        )
        return kind.model_validate(answer)

    def requires_approval(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.options.requires_approval)

    def is_idempotent(self, name: str) -> bool:
        """What the server declares (``readOnlyHint`` or ``idempotentHint``)."""
        return name in self._idempotent

    async def aclose(self) -> None:
        await self._connection.aclose()


def _safe_to_repeat(tool: Any) -> bool:
    hints = tool.annotations
    return hints is not None and bool(hints.read_only_hint or hints.idempotent_hint)


async def _list_all(client: Client) -> list[Any]:
    tools: list[Any] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if cursor is None:
            break
    return tools


def _error(call: ToolCall, message: str) -> ToolResult:
    return ToolResult(tool_call_id=call.id, name=call.name, content=message, is_error=True)
