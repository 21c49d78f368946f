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


def agent_card(host: AgentHost, base_url: str, *, secured: bool = False) -> AgentCard:
    """The agent card: one skill per agent, JSON-RPC at ``BASE/a2a``, streaming on."""
    cards = host.agent_cards()
    skills = [
        AgentSkill(id=name, name=name, description=about or f"the agent {name}", tags=["agent"])
        for name, about in cards
    ]
    card = AgentCard(
        name="interlace",
        description="Agents served by interlace: " + ", ".join(name for name, _ in cards),
        version=__version__,
        supported_interfaces=[
            AgentInterface(
                url=base_url.rstrip("/") + A2A_PATH,
                protocol_binding="JSONRPC",
                protocol_version="1.0",
            )
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
        state = {"chunks": 0}
        final: list[RunResult] = []

        async def on_event(event: RunEvent) -> None:
            if isinstance(event, TextDeltaEvent) and event.text:
                await updater.add_artifact(
                    _parts(event.text),
                    artifact_id=ANSWER,
                    name=ANSWER,
                    append=state["chunks"] > 0,
                    last_chunk=False,
                )
                state["chunks"] += 1
            elif isinstance(event, ToolCallEvent):
                note = f"{event.agent} calls tool {event.call.name}"
                await updater.start_work(updater.new_agent_message(_parts(note)))
            elif isinstance(event, DoneEvent):
                final.append(event.result)

        thread_id = str(context.context_id)
        await stream_agent(self.host, agent, [asked], self.timeout_s, on_event, thread_id)
        result = final[-1]
        if state["chunks"] == 0 and result.output:
            await updater.add_artifact(_parts(result.output), artifact_id=ANSWER, name=ANSWER)
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
    return ServerParts([*routes, *create_agent_card_routes(card)])
