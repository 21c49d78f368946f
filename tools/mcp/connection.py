"""One live connection to an MCP server, owned by a background task.

The SDK's ``Client`` is an async context manager whose task group must be entered and
left by the same task, while a toolset is called from many tasks over its life. So a
background task (on the caller's asyncio loop) enters the client and keeps it open until
:meth:`MCPConnection.aclose`; calls run in the caller's task and are cancelled, with a
clear error, when that background task dies (server crash, lost HTTP connection). The
next call starts a fresh connection.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.lowlevel

from interlace.protocols.errors import OfflineViolation, ToolError, UsageError, find_cause

from .options import MCPOptions

if TYPE_CHECKING:
    from mcp import Client

T = TypeVar("T")
CONNECTION_CLOSED = -32000  # mcp_types.jsonrpc.CONNECTION_CLOSED
_CLOSE_TIMEOUT_S = 10.0


class MCPConnectionError(ToolError):
    """An MCP server cannot be started or reached, or its connection was lost."""


class MCPConnection:
    """A lazily (re)started connection to one MCP server."""

    def __init__(
        self,
        options: MCPOptions,
        on_tools_changed: Callable[[], None],
        sampling: Callable[[Any, Any], Awaitable[Any]] | None = None,
    ) -> None:
        self.options = options
        self._sampling = sampling
        self.generation = 0
        self._on_tools_changed = on_tools_changed
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._client: Client | None = None
        self._broken = False
        self._failure: BaseException | None = None
        self._scopes: set[anyio.CancelScope] = set()
        self._http_status: str | None = None

    # --- public ---------------------------------------------------------------------------

    async def request(self, operation: Callable[[Client], Awaitable[T]]) -> T:
        """Run ``operation`` on the live client; :class:`MCPConnectionError` if it dies."""
        client = await self._connected()
        scope = anyio.CancelScope()
        self._scopes.add(scope)
        try:
            with scope:
                return await operation(client)
        except Exception as error:
            if _is_connection_closed(error):
                self._broken = True
                raise self._lost(error) from error
            raise
        finally:
            self._scopes.discard(scope)
        self._broken = True
        raise self._lost(self._failure)

    async def aclose(self) -> None:
        """Stop the server (stdio) or end the session (HTTP)."""
        if self._loop is not None and self._loop is _running_loop():
            with anyio.CancelScope(shield=True):
                await self._shutdown()

    # --- connection life ------------------------------------------------------------------

    async def _connected(self) -> Client:
        self._adopt_loop()
        async with self._lock:
            task = self._task
            live = task is not None and not task.done() and not self._broken
            if self._client is not None and live:
                return self._client
            await self._shutdown()
            return await self._start()

    def _adopt_loop(self) -> None:
        loop = _running_loop()
        if self._loop is not loop:
            # A connection made on another (finished) event loop cannot be used here.
            self._loop, self._task, self._client = loop, None, None
            self._lock, self._stop = asyncio.Lock(), asyncio.Event()
            self._scopes.clear()

    async def _start(self) -> Client:
        assert self._loop is not None
        ready: asyncio.Future[Client] = self._loop.create_future()
        self._stop = asyncio.Event()
        self._broken, self._failure, self._http_status = False, None, None
        _import_transport(self.options)  # seconds on a busy machine: not the server's time
        self._task = self._loop.create_task(self._own(ready, self._stop))
        try:
            with anyio.fail_after(self.options.connect_timeout_s):
                client = await ready
        except TimeoutError:
            await self._shutdown()
            raise MCPConnectionError(
                f"MCP server {self.options.label!r} did not answer within "
                f"{self.options.connect_timeout_s:g}s; check that it starts and speaks MCP"
            ) from None
        self.generation += 1
        return client

    async def _shutdown(self) -> None:
        task, client, self._task, self._client = self._task, self._client, None, None
        if task is None:
            return
        self._stop.set()
        if not task.done() and client is not None:
            with anyio.move_on_after(_CLOSE_TIMEOUT_S):
                await asyncio.wait({task})
        if not task.done():
            task.cancel()
            await asyncio.wait({task})

    async def _own(self, ready: asyncio.Future[Client], stop: asyncio.Event) -> None:
        """The background task: open the client, serve until stopped or dead, close."""
        failure: BaseException | None = None
        try:
            async with AsyncExitStack() as stack:
                client = await self._open(stack)
                async with anyio.create_task_group() as group:
                    if _listens_for_tool_changes(client):
                        group.start_soon(self._listen, client)
                    self._client = client
                    if not ready.done():
                        ready.set_result(client)
                    await stop.wait()
                    group.cancel_scope.cancel()
        except Exception as error:
            failure = error
        finally:
            self._failure = failure
            if self._task is asyncio.current_task():
                self._client, self._broken = None, True
            for scope in list(self._scopes):
                scope.cancel()
            if not ready.done():
                ready.set_exception(self._cannot_start(failure))

    async def _open(self, stack: AsyncExitStack) -> Client:
        from mcp import Client

        options = self.options
        if options.command is not None:
            from mcp.client.stdio import StdioServerParameters, stdio_client

            errlog: Any = sys.stderr
            if options.stderr == "discard":
                errlog = stack.enter_context(open(os.devnull, "w"))  # noqa: SIM115, ASYNC230
            parameters = StdioServerParameters(
                command=options.command, args=options.args, env=options.env or None, cwd=options.cwd
            )
            transport: Any = stdio_client(parameters, errlog=errlog)
        else:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            async def note_status(response: httpx2.Response) -> None:
                if response.status_code >= 400:
                    self._http_status = f"HTTP {response.status_code} {response.reason_phrase}"

            timeout = httpx2.Timeout(30.0, read=300.0)
            http = httpx2.AsyncClient(
                headers=options.headers, timeout=timeout, event_hooks={"response": [note_status]}
            )
            await stack.enter_async_context(http)
            assert options.url is not None
            transport = streamable_http_client(options.url, http_client=http)
        sampling: dict[str, Any] = {}
        if self._sampling is not None:
            import mcp_types

            tools = mcp_types.SamplingToolsCapability()
            sampling = {
                "sampling_callback": self._sampling,
                "sampling_capabilities": mcp_types.SamplingCapability(tools=tools),
            }
        client = Client(
            transport,
            message_handler=self._on_message,
            cache=None,
            mode=options.protocol,
            **sampling,
        )
        return await stack.enter_async_context(client)

    async def _on_message(self, message: Any) -> None:
        import mcp_types

        if isinstance(message, mcp_types.ToolListChangedNotification):
            self._on_tools_changed()
        await anyio.lowlevel.checkpoint()

    async def _listen(self, client: Client) -> None:
        """On 2026-07-28 connections, change notifications come through a subscription."""
        try:
            async with client.listen(tools_list_changed=True) as subscription:
                async for _event in subscription:
                    self._on_tools_changed()
        except Exception:
            return

    # --- messages -------------------------------------------------------------------------

    def _lost(self, cause: BaseException | None) -> MCPConnectionError:
        reason = f": {_describe(cause)}" if cause is not None else ""
        return MCPConnectionError(
            f"lost the connection to MCP server {self.options.label!r}{reason}"
            f"{self._status_hint()}; "
            "it will be reconnected on the next call"
        )

    def _cannot_start(self, cause: BaseException | None) -> MCPConnectionError:
        where = (
            f"start MCP server {self.options.label!r}"
            if self.options.command is not None
            else f"connect to MCP server at {self.options.url}"
        )
        reason = _describe(cause) if cause is not None else "it closed the connection"
        return MCPConnectionError(f"cannot {where}: {reason}{self._status_hint()}")

    def _status_hint(self) -> str:
        status, self._http_status = self._http_status, None
        if status is None:
            return ""
        hint = " (check the 'headers' option)" if status.split()[1] in ("401", "403") else ""
        return f" [{status}{hint}]"


def _import_transport(options: MCPOptions) -> None:
    """Import the SDK parts a connection uses, before its time limit starts."""
    import mcp

    if options.command is not None:
        import mcp.client.stdio
    else:
        import httpx2  # noqa: F401
        import mcp.client.streamable_http  # noqa: F401


def _running_loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise UsageError(
            "MCP toolsets run on asyncio; call them from an asyncio event loop"
        ) from None


def _listens_for_tool_changes(client: Client) -> bool:
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS

    tools = client.server_capabilities.tools
    listed = tools is not None and bool(tools.list_changed)
    return listed and client.protocol_version in MODERN_PROTOCOL_VERSIONS


def _is_connection_closed(error: BaseException) -> bool:
    code = getattr(getattr(error, "error", None), "code", None)
    return code == CONNECTION_CLOSED or isinstance(
        error, anyio.ClosedResourceError | anyio.BrokenResourceError | anyio.EndOfStream
    )


def _describe(error: BaseException) -> str:
    """The innermost useful message of ``error`` (exception groups unwrapped; an offline
    refusal wins over whatever wrapped it, such as 'All connection attempts failed')."""
    error = find_cause(error, OfflineViolation) or error
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"
