"""An MCP server over an :class:`AgentHost`, on the official ``mcp`` SDK (low-level server).

What an MCP host gets, feature by feature:

- **tools**: every toolset tool and every agent (:mod:`.tools`); an agent's run reports its
  steps as progress and log notifications and asks approvals by elicitation
  (:mod:`.agent_calls`);
- **resources**: the retrieval stores' documents, one template per store, with
  subscriptions and list-changed notices when an ingest changes them (:mod:`.resources`);
- **prompts**: each agent's instructions (:mod:`.prompts`);
- **completion** of prompt arguments and resource-template variables;
- **logging** at the level the client sets; **sampling**, **elicitation** and **roots**
  for whatever runs for a request (:mod:`.peer`), on handshake sessions and, through
  ``input_required`` rounds (:mod:`.rounds`), on 2026-07-28 connections.

Toolsets that also provide resources or prompts (:mod:`interlace.tools.providers`) are
served next to those. Transports: Streamable HTTP (``/mcp`` on the one app) and stdio.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import mcp_types as types
from mcp.server import NotificationOptions, Server, ServerRequestContext
from mcp.server.caching import CacheHint
from mcp.server.models import InitializationOptions
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity
from mcp.server.subscriptions import (
    InMemorySubscriptionBus,
    ListenHandler,
    PromptsListChanged,
    ResourcesListChanged,
    ResourceUpdated,
    ToolsListChanged,
)
from mcp.shared.exceptions import MCPError

from interlace import __version__
from interlace.protocols.catalog import PromptResult, ResourceContents
from interlace.protocols.errors import UsageError
from interlace.protocols.peer import InputRequired, LogLevel, PeerCapabilityError, serving
from interlace.tools.providers import PromptProvider, ResourceProvider

from ..host import AgentHost
from ..protocols import ServerParts
from ..settings import ServeSettings, is_loopback
from .content import error_result, prompt_result, resource_contents
from .peer import McpPeer, capability_error, is_modern
from .prompts import AgentPrompts, PromptHub
from .resources import WATCH_INTERVAL_S, ResourceHub, StoreResources, StoreWatch
from .rounds import Round, input_required
from .tools import ToolBridge, served_toolsets

logger = logging.getLogger("interlace.serve")
T = TypeVar("T")
NAME = "interlace"
FRESH = CacheHint(ttl_ms=0, scope="private")
"""Lists and documents change with ingests and upstreams: clients may not reuse them."""


class _Server(Server[Any]):
    """The SDK's server, announcing list changes on handshake sessions too."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        changes = notification_options or NotificationOptions(
            prompts_changed=True, resources_changed=True, tools_changed=True
        )
        return super().create_initialization_options(changes, experimental_capabilities, extensions)


class McpFeatures:
    """Everything the server answers besides the transport (see the module docstring)."""

    def __init__(self, host: AgentHost, timeout_s: float) -> None:
        self.host = host
        self.levels: dict[str, LogLevel] = {}
        self.tools = ToolBridge(host, timeout_s, self.levels)
        self.stores = StoreResources(host.stores)
        self.resources = ResourceHub(self._resource_providers)
        self.prompts = PromptHub(self._prompt_providers)
        self.agent_prompts = AgentPrompts(host)
        self.bus = InMemorySubscriptionBus()
        self.sessions: dict[str, Any] = {}
        self.subscribers: dict[str, set[str]] = {}
        self._lists: tuple[list[str], list[str]] | None = None

    def _resource_providers(self) -> list[ResourceProvider]:
        extra = [t for t in served_toolsets(self.host).values() if isinstance(t, ResourceProvider)]
        return [self.stores, *extra]

    def _prompt_providers(self) -> list[PromptProvider]:
        extra = [t for t in served_toolsets(self.host).values() if isinstance(t, PromptProvider)]
        return [self.agent_prompts, *extra]

    def peer(self, ctx: ServerRequestContext[Any], round: Round) -> McpPeer:
        """The client of ``ctx`` as a peer, with this round's answers."""
        return McpPeer(ctx, round.answers, self.levels.get(self.seen(ctx)))

    def seen(self, ctx: ServerRequestContext[Any]) -> str:
        """Remember the session of ``ctx`` (for notices on handshake sessions); its key."""
        key = _session(ctx)
        if not is_modern(ctx):
            self.sessions[key] = ctx.session
        return key

    async def list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        """``tools/list``."""
        self.seen(ctx)
        return await self.tools.list_tools(ctx, params)

    async def lists_changed(self) -> None:
        """Announce tool and prompt lists that changed since last time (a tool call may
        change them: an upstream came back, a toolset grew)."""
        tools = sorted(await self.tools.entries())
        prompts = sorted(spec.name for spec in await self.prompts.list_prompts())
        before, self._lists = self._lists, (tools, prompts)
        if before is None:
            return
        if before[0] != tools:
            await self.bus.publish(ToolsListChanged())
            await self._tell_sessions("send_tool_list_changed")
        if before[1] != prompts:
            await self.bus.publish(PromptsListChanged())
            await self._tell_sessions("send_prompt_list_changed")

    async def _tell_sessions(self, method: str, *arguments: Any) -> None:
        for key, session in list(self.sessions.items()):
            try:
                await getattr(session, method)(*arguments)
            except Exception as error:  # a session that went away
                logger.debug("MCP notice not delivered: %s", error)
                self.sessions.pop(key, None)

    # --- tools -------------------------------------------------------------------------

    async def call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        """``tools/call``, in rounds on 2026-07-28 connections."""
        entry = await self.tools.find(params.name)
        if self._lists is None:
            await self.lists_changed()

        async def call(peer: McpPeer, round: Round) -> types.CallToolResult:
            try:
                return await self.tools.call(entry, dict(params.arguments or {}), peer, round)
            except PeerCapabilityError as error:
                if peer.modern:
                    raise
                return error_result(str(error))  # a handshake session: the model reads it

        result = await self.in_rounds(ctx, params, call)
        await self.lists_changed()
        return result

    async def in_rounds(
        self,
        ctx: ServerRequestContext[Any],
        params: Any,
        work: Callable[[McpPeer, Round], Awaitable[T]],
    ) -> T | types.InputRequiredResult:
        """Run ``work`` for one request with its client as the peer: questions the client
        must answer first end it with an ``input_required`` result (see :mod:`.rounds`),
        a question it cannot answer is the protocol's missing-capability error."""
        round = Round.of(params.request_state, params.input_responses)
        peer = self.peer(ctx, round)
        try:
            with serving(peer):
                return await work(peer, round)
        except InputRequired as asked:
            round.answers = peer.answers
            return input_required(asked.questions, round)
        except PeerCapabilityError as error:
            raise capability_error(error) from None

    # --- prompts -----------------------------------------------------------------------

    async def list_prompts(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        """``prompts/list``."""
        self.seen(ctx)
        specs = await self.prompts.list_prompts()
        return types.ListPromptsResult(prompts=[_prompt(spec) for spec in specs])

    async def get_prompt(
        self, ctx: ServerRequestContext[Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult | types.InputRequiredResult:
        """``prompts/get`` (a provider may ask the client first)."""

        async def get(peer: McpPeer, round: Round) -> PromptResult | None:
            return await self.prompts.get(params.name, dict(params.arguments or {}))

        try:
            found = await self.in_rounds(ctx, params, get)
        except UsageError as error:
            raise MCPError(types.INVALID_PARAMS, str(error)) from None
        if isinstance(found, types.InputRequiredResult):
            return found
        if found is None:
            known = ", ".join(spec.name for spec in await self.prompts.list_prompts())
            raise MCPError(types.INVALID_PARAMS, f"unknown prompt {params.name!r}; known: {known}")
        return prompt_result(found)

    # --- resources ---------------------------------------------------------------------

    async def list_resources(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        """``resources/list``: every store document and provided resource."""
        self.seen(ctx)
        found = await self.resources.list_resources()
        return types.ListResourcesResult(resources=[_resource(item) for item in found])

    async def list_templates(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        """``resources/templates/list``: one template per store, and provided ones."""
        found = await self.resources.list_templates()
        return types.ListResourceTemplatesResult(resource_templates=[_template(t) for t in found])

    async def read_resource(
        self, ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult | types.InputRequiredResult:
        """``resources/read``; an unknown URI is INVALID_PARAMS with the URI in ``data``."""

        async def read(peer: McpPeer, round: Round) -> Sequence[ResourceContents] | None:
            return await self.resources.read(params.uri)

        found = await self.in_rounds(ctx, params, read)
        if isinstance(found, types.InputRequiredResult):
            return found
        if not found:
            message = f"resource not found: {params.uri}"
            raise MCPError(types.INVALID_PARAMS, message, {"uri": params.uri})
        return types.ReadResourceResult(contents=[resource_contents(item) for item in found])

    async def subscribe(
        self, ctx: ServerRequestContext[Any], params: types.SubscribeRequestParams
    ) -> types.EmptyResult:
        """``resources/subscribe`` (handshake sessions): notify this session of updates."""
        self.subscribers.setdefault(self.seen(ctx), set()).add(params.uri)
        return types.EmptyResult()

    async def unsubscribe(
        self, ctx: ServerRequestContext[Any], params: types.UnsubscribeRequestParams
    ) -> types.EmptyResult:
        """``resources/unsubscribe``."""
        self.subscribers.get(_session(ctx), set()).discard(params.uri)
        return types.EmptyResult()

    async def watch(self) -> None:
        """Tell subscribers (both eras) when an ingest changes the stores; runs until
        cancelled."""
        if not self.stores.stores:
            return
        watch = StoreWatch(self.stores)
        while True:
            try:
                listing, updated = await watch.changes()
                await self._announce(listing, updated)
            except Exception as error:  # a store that cannot be read now is read next time
                logger.warning("MCP resource watch: %s", error)
            await anyio.sleep(WATCH_INTERVAL_S)

    async def _announce(self, listing: bool, updated: list[str]) -> None:
        if listing:
            await self.bus.publish(ResourcesListChanged())
            await self._tell_sessions("send_resource_list_changed")
        for uri in updated:
            await self.bus.publish(ResourceUpdated(uri=uri))
            for key, uris in list(self.subscribers.items()):
                session = self.sessions.get(key)
                if uri in uris and session is not None:
                    try:
                        await session.send_resource_updated(uri)
                    except Exception as error:  # a session that went away
                        logger.debug("MCP resource notice not delivered: %s", error)

    # --- completion and logging --------------------------------------------------------

    async def complete(
        self, ctx: ServerRequestContext[Any], params: types.CompleteRequestParams
    ) -> types.CompleteResult:
        """``completion/complete`` for prompt arguments and resource-template variables."""
        argument, value = params.argument.name, params.argument.value
        context = dict(params.context.arguments or {}) if params.context else {}
        if isinstance(params.ref, types.PromptReference):
            values = await self.prompts.complete(params.ref.name, argument, value, context)
        else:
            values = await self.resources.complete(params.ref.uri, argument, value, context)
        shown = values[:100]
        completion = types.Completion(values=shown, total=len(values), has_more=len(values) > 100)
        return types.CompleteResult(completion=completion)

    async def set_level(
        self, ctx: ServerRequestContext[Any], params: types.SetLevelRequestParams
    ) -> types.EmptyResult:
        """``logging/setLevel`` (handshake sessions): the least severe level to send."""
        self.levels[_session(ctx)] = params.level
        return types.EmptyResult()


def _session(ctx: ServerRequestContext[Any]) -> str:
    """A key for the client session of ``ctx`` (stdio has one)."""
    headers = getattr(ctx.request, "headers", None)
    return str(headers.get("mcp-session-id", "")) if headers is not None else "stdio"


def _prompt(spec: Any) -> types.Prompt:
    arguments = [
        types.PromptArgument(name=a.name, description=a.description or None, required=a.required)
        for a in spec.arguments
    ]
    return types.Prompt(
        name=spec.name, title=spec.title, description=spec.description or None, arguments=arguments
    )


def _resource(item: Any) -> types.Resource:
    return types.Resource(
        uri=item.uri,
        name=item.name,
        title=item.title,
        description=item.description or None,
        mime_type=item.mime_type,
        size=item.size,
    )


def _template(item: Any) -> types.ResourceTemplate:
    return types.ResourceTemplate(
        uri_template=item.uri_template,
        name=item.name,
        title=item.title,
        description=item.description or None,
        mime_type=item.mime_type,
    )


def create_mcp_server(host: AgentHost, timeout_s: float = 300.0) -> tuple[Server[Any], McpFeatures]:
    """The MCP server object serving ``host``, and its features (whose :meth:`~McpFeatures.watch`
    the transport runs alongside)."""
    features = McpFeatures(host, timeout_s)
    agents = ", ".join(name for name, _ in host.agent_cards())
    hints = dict.fromkeys(
        [
            "tools/list",
            "prompts/list",
            "resources/list",
            "resources/templates/list",
            "resources/read",
        ],
        FRESH,
    )
    server = _Server(
        NAME,
        version=__version__,
        instructions=(
            f"Tools, agents, prompts and documents served by interlace. Agents: {agents or 'none'}."
        ),
        cache_hints=hints,  # type: ignore[arg-type]
        on_list_tools=features.list_tools,
        on_call_tool=features.call_tool,
        on_list_prompts=features.list_prompts,
        on_get_prompt=features.get_prompt,
        on_list_resources=features.list_resources,
        on_list_resource_templates=features.list_templates,
        on_read_resource=features.read_resource,
        on_subscribe_resource=features.subscribe,
        on_unsubscribe_resource=features.unsubscribe,
        on_subscriptions_listen=ListenHandler(features.bus),
        on_completion=features.complete,
    )
    server.add_request_handler("logging/setLevel", types.SetLevelRequestParams, features.set_level)
    server.middleware.append(
        RequestStateBoundary(RequestStateSecurity.ephemeral(), default_audience=NAME)
    )
    return server, features


def mcp_parts(host: AgentHost, settings: ServeSettings, base_url: str) -> ServerParts:
    """The Streamable HTTP routes (``/mcp``) and the lifespan that runs their sessions."""
    from mcp.server.transport_security import TransportSecuritySettings

    server, features = create_mcp_server(host, settings.timeout_s)
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
    routes = [_trimming(route) for route in app.routes]

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        async with server.session_manager.run(), anyio.create_task_group() as group:
            group.start_soon(features.watch)
            try:
                yield
            finally:
                group.cancel_scope.cancel()

    return ServerParts(routes, lifespan)


class _TrimmedHeaders:
    """An ASGI app seeing header values without surrounding whitespace, as RFC 9110
    (section 5.5) has field values parsed: ``Mcp-Name:  x `` names ``x``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            headers = [(name, value.strip(b" \t")) for name, value in scope.get("headers", [])]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


def _trimming(route: Any) -> Any:
    from starlette.routing import Route

    if not isinstance(route, Route):
        return route
    return Route(route.path, endpoint=_TrimmedHeaders(route.endpoint), methods=route.methods)


async def serve_mcp_stdio(host: AgentHost, *, timeout_s: float = 300.0) -> None:
    """Serve MCP over this process's standard input and output until input ends."""
    from mcp.server.stdio import stdio_server

    server, features = create_mcp_server(host, timeout_s)
    async with stdio_server() as (read_stream, write_stream), anyio.create_task_group() as group:
        group.start_soon(features.watch)
        await server.run(read_stream, write_stream, server.create_initialization_options())
        group.cancel_scope.cancel()
