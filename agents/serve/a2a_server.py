"""An A2A server over an :class:`AgentHost`, on the official ``a2a-sdk`` (A2A 1.0 JSON-RPC,
with 0.3 compatibility on the same endpoint).

One agent card lists every agent as a skill; a message picks its agent with
``metadata.agent`` (or ``metadata.skill``), else the first agent answers. Task states
follow the run: ``working`` while it runs, ``input-required`` when a tool call waits
for human approval (reply ``approve`` or ``reject: reason`` on the same task),
``completed`` (a stop short of a final answer, such as an answer cut at ``max_tokens``,
is named in the message's ``metadata.stop_reason``), ``failed`` with the reason (a
failure, a timeout, a full model queue) or ``canceled``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from a2a.helpers import new_task, new_text_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types.a2a_pb2 import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentSkill,
    HTTPAuthSecurityScheme,
    Part,
    SecurityRequirement,
    SecurityScheme,
    StringList,
    TaskState,
)
from starlette.routing import Route

from interlace import __version__
from interlace.protocols import Content, Message
from interlace.protocols.a2a_wire import message_from_a2a, parts_to_a2a

from .host import AgentHost
from .protocols import ServerParts
from .running import public_error, raise_for_result, stream_agent
from .settings import ServeSettings

if TYPE_CHECKING:
    from interlace.agents.events import RunEvent, RunResult

logger = logging.getLogger("interlace.serve")
A2A_PATH = "/a2a"
ANSWER = "answer"
PROTOCOL_VERSIONS = ("1.0", "0.3")
"""A2A versions the one JSON-RPC endpoint speaks (0.3 through the SDK's compatibility)."""
CARD_CACHE = "public, max-age=300"
"""The card changes only when the server restarts with another config."""
STREAM_EVERY_S = 0.05
"""At most this often a streamed answer's artifact is updated (tokens are coalesced)."""


def agent_card(host: AgentHost, base_url: str, *, secured: bool = False) -> AgentCard:
    """The agent card: one skill per agent, JSON-RPC at ``BASE/a2a`` for A2A 1.0 and 0.3
    clients alike (the card carries both shapes), streaming on."""
    cards = host.agent_cards()
    url = base_url.rstrip("/") + A2A_PATH
    skills = [
        AgentSkill(id=name, name=name, description=about or f"the agent {name}", tags=["agent"])
        for name, about in cards
    ]
    card = AgentCard(
        name="interlace",
        description="Agents served by interlace: " + ", ".join(name for name, _ in cards),
        version=__version__,
        supported_interfaces=[
            AgentInterface(url=url, protocol_binding="JSONRPC", protocol_version=version)
            for version in PROTOCOL_VERSIONS
        ],
        capabilities=AgentCapabilities(streaming=True, push_notifications=False),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=skills,
    )
    if secured:
        card.security_schemes["bearer"].CopyFrom(
            SecurityScheme(http_auth_security_scheme=HTTPAuthSecurityScheme(scheme="bearer"))
        )
        card.security_requirements.append(SecurityRequirement(schemes={"bearer": StringList()}))
    return card


class _Answer:
    """The answer as one artifact whose one text part grows: each update carries the text
    so far (``append: false`` replaces the artifact, so every client holds the whole text
    in one part at any time), at most every ``STREAM_EVERY_S``; the last one, with the
    whole answer, says ``lastChunk: true``."""

    def __init__(self, updater: TaskUpdater) -> None:
        self.updater = updater
        self.text = ""
        self.sent = ""
        self.last = 0.0

    async def grow(self, delta: str) -> None:
        self.text += delta
        if time.monotonic() - self.last >= STREAM_EVERY_S:
            await self._send(self.text, last=False)

    async def close(self, output: str) -> None:
        """Send the whole answer (``output`` wins over the streamed text) as the last chunk."""
        whole = output or self.text
        if whole or self.sent:
            await self._send(whole, last=True)

    async def _send(self, text: str, *, last: bool) -> None:
        self.sent, self.last = text, time.monotonic()
        await self.updater.add_artifact(
            _parts(text), artifact_id=ANSWER, name=ANSWER, append=False, last_chunk=last
        )


@dataclass(frozen=True)
class _Paused:
    """A run waiting for approval: which agent and thread to resume."""

    agent: str
    thread_id: str


class HostExecutor(AgentExecutor):
    """Runs the host's agents for A2A tasks; the A2A context id is the run's thread id."""

    def __init__(self, host: AgentHost, timeout_s: float) -> None:
        self.host = host
        self.timeout_s = timeout_s
        self.paused: dict[str, _Paused] = {}

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Run (or resume) the agent of this task, publishing its state changes."""
        task_id, context_id = str(context.task_id), str(context.context_id)
        updater = TaskUpdater(event_queue, task_id, context_id)
        if context.current_task is None:
            history = [context.message] if context.message is not None else []
            task = new_task(task_id, context_id, TaskState.TASK_STATE_SUBMITTED, history=history)
            await event_queue.enqueue_event(task)
        try:
            await updater.start_work()
            paused = self.paused.pop(task_id, None)
            if paused is not None:
                result = await self._resume(paused, context.get_user_input())
                await self._finish(updater, task_id, paused.agent, result)
            else:
                await self._run(updater, task_id, context)
        except Exception as exc:
            await updater.failed(updater.new_agent_message(_parts(public_error(exc))))

    async def _run(self, updater: TaskUpdater, task_id: str, context: RequestContext) -> None:
        from interlace.agents.events import DoneEvent, TextDeltaEvent, ToolCallEvent

        agent = self._agent_for(context)
        asked = _message(context)
        answer = _Answer(updater)
        final: list[RunResult] = []

        async def on_event(event: RunEvent) -> None:
            if isinstance(event, TextDeltaEvent) and event.text:
                await answer.grow(event.text)
            elif isinstance(event, ToolCallEvent):
                note = f"{event.agent} calls tool {event.call.name}"
                await updater.start_work(updater.new_agent_message(_parts(note)))
            elif isinstance(event, DoneEvent):
                final.append(event.result)

        thread_id = str(context.context_id)
        await stream_agent(self.host, agent, [asked], self.timeout_s, on_event, thread_id)
        result = final[-1]
        await answer.close(result.output if result.stop_reason != "error" else "")
        await self._finish(updater, task_id, agent, result)

    async def _resume(self, paused: _Paused, reply: str) -> RunResult:
        import anyio

        from interlace.agents.events import Decision

        answer = reply.strip()
        word, _, reason = answer.partition(":")
        if word.strip().lower() in ("approve", "approved", "yes", "y", "ok"):
            decision = Decision.approve()
        else:
            decision = Decision.reject(reason.strip() or answer or "rejected by the user")
        with anyio.fail_after(self.timeout_s):
            return await self.host.resume(paused.agent, paused.thread_id, decision)

    async def _finish(
        self, updater: TaskUpdater, task_id: str, agent: str, result: RunResult
    ) -> None:
        if result.interrupted and result.thread_id is not None:
            self.paused[task_id] = _Paused(agent, result.thread_id)
            calls = "; ".join(f"{item.call.name}({item.call.arguments})" for item in result.pending)
            note = f"approval needed for: {calls}. Reply 'approve' or 'reject: <reason>'."
            await updater.requires_input(updater.new_agent_message(_parts(note)))
        else:
            raise_for_result(result)  # a failure or a timeout fails the task, with the reason
            metadata = (
                None if result.stop_reason == "final" else {"stop_reason": result.stop_reason}
            )
            message = updater.new_agent_message(_parts(result.output), metadata)
            await updater.complete(message)

    def _agent_for(self, context: RequestContext) -> str:
        names = [name for name, _ in self.host.agent_cards()]
        metadata: dict[str, Any] = dict(context.metadata or {})
        if context.message is not None and context.message.HasField("metadata"):
            metadata.update(dict(context.message.metadata))
        wanted = metadata.get("agent") or metadata.get("skill")
        if wanted is None:
            return names[0]
        if wanted not in names:
            from interlace.protocols.errors import UsageError

            raise UsageError(f"no agent named {wanted!r}; this server offers: {', '.join(names)}")
        return str(wanted)

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Mark the task canceled (the SDK has already cancelled the running ``execute``)."""
        self.paused.pop(str(context.task_id), None)
        updater = TaskUpdater(event_queue, str(context.task_id), str(context.context_id))
        await updater.cancel(new_text_message("canceled by the client"))


def _parts(content: Content) -> list[Part]:
    """A2A parts for protocol content (text, images), through the A2A codec."""
    from google.protobuf.json_format import ParseDict

    return [ParseDict(part, Part()) for part in parts_to_a2a(content)]


def _message(context: RequestContext) -> Message:
    """The user message of a request (text and images), through the A2A codec."""
    from google.protobuf.json_format import MessageToDict

    if context.message is None:
        return Message.user(context.get_user_input())
    return Message(role="user", content=message_from_a2a(MessageToDict(context.message)).content)


def a2a_parts(host: AgentHost, settings: ServeSettings, base_url: str) -> ServerParts:
    """The JSON-RPC route (``/a2a``) and the agent card route."""
    card = agent_card(host, base_url, secured=settings.token is not None)
    handler = DefaultRequestHandler(
        agent_executor=HostExecutor(host, settings.timeout_s),
        task_store=InMemoryTaskStore(),
        agent_card=card,
    )
    routes = create_jsonrpc_routes(handler, A2A_PATH, enable_v0_3_compat=True)
    # the same endpoint at the card URL with a trailing slash (several clients add it)
    slashed = [Route(f"{r.path}/", r.endpoint, methods=["POST"]) for r in routes]
    cards = create_agent_card_routes(card, cache_control=CARD_CACHE)
    return ServerParts([*routes, *slashed, *[_last_modified(route) for route in cards]])


_VALIDATORS = ("etag", "cache-control", "last-modified")


def _last_modified(route: Route) -> Route:
    """The card route with ``Last-Modified`` (the server's start) next to the SDK's
    ``ETag`` and ``Cache-Control``, answering ``If-Modified-Since`` with 304."""
    from email.utils import formatdate, parsedate_to_datetime

    from starlette.requests import Request
    from starlette.responses import Response

    started = int(time.time())
    stamp = formatdate(started, usegmt=True)
    endpoint = route.endpoint

    async def card(request: Request) -> Response:
        response: Response = await endpoint(request)
        response.headers["Last-Modified"] = stamp
        since = request.headers.get("if-modified-since")
        if response.status_code == 200 and since and "if-none-match" not in request.headers:
            try:
                if parsedate_to_datetime(since).timestamp() >= started:
                    kept = {k: v for k, v in response.headers.items() if k in _VALIDATORS}
                    return Response(status_code=304, headers=kept)
            except (TypeError, ValueError):
                pass  # an unreadable date: answer in full
        return response

    return Route(route.path, card, methods=["GET"])
