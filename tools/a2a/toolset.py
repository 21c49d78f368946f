"""A remote A2A agent as a :class:`~interlace.tools.base.Toolset`, on the official a2a-sdk.

Each skill of the agent card is a tool taking a ``task``; calling it sends one A2A
message (naming the skill in ``metadata.agent``, which interlace servers route on) and
returns the finished task's answer. Failures, input requests and unreachable servers
come back as error results the model can read.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from interlace.protocols import Message as MessageData
from interlace.protocols import ToolCall, ToolResult, ToolSpec
from interlace.protocols.a2a_wire import message_to_a2a, result_from_a2a
from interlace.protocols.errors import ToolError, surface_offline_refusal

from ..base import Toolset

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
TASK_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {"task": {"type": "string", "description": "What the remote agent should do."}},
    "required": ["task"],
    "additionalProperties": False,
}


class A2AConnectionError(ToolError):
    """A remote A2A agent cannot be reached, or its agent card cannot be read."""


class A2AOptions(BaseModel):
    """Options of the ``a2a`` toolset kind.

    ``url``: the agent's base URL (its card is at ``/.well-known/agent-card.json``).
    ``skills``: only these skills (default: all). ``prefix``: prepended to tool names.
    ``headers``: sent with every request (e.g. ``Authorization: Bearer ...``).
    ``timeout_s``: limit for one remote task.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^https?://")
    skills: list[str] | None = None
    prefix: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_s: float = Field(default=120.0, gt=0)


def tool_name(prefix: str, skill: str) -> str:
    """A tool name safe for every model API (letters, digits, ``_``, ``-``; 64 max)."""
    return (_UNSAFE.sub("_", prefix + skill).strip("_") or "remote_agent")[:64]


class A2AToolset(Toolset):
    """Tools that delegate tasks to a remote A2A agent."""

    def __init__(self, options: A2AOptions) -> None:
        self.options = options
        self._client: Any = None
        self._http: Any = None
        self._skills: dict[str, str] = {}  # tool name -> skill id
        self._specs: list[ToolSpec] = []

    async def _connect(self) -> Any:
        if self._client is None:
            import httpx
            from a2a.client import A2ACardResolver, ClientConfig, create_client

            self._http = httpx.AsyncClient(
                headers=self.options.headers, timeout=self.options.timeout_s
            )
            config = ClientConfig(streaming=False, httpx_client=self._http)
            try:
                card = await A2ACardResolver(self._http, self.options.url).get_agent_card()
                self._client = await create_client(card, config)
            except Exception as error:
                await self.aclose()
                surface_offline_refusal(error)
                raise A2AConnectionError(
                    f"cannot reach the A2A agent at {self.options.url}: {_describe(error)}"
                ) from error
            except BaseException:
                await self.aclose()
                raise
            self._load_card(card)
        return self._client

    def _load_card(self, card: Any) -> None:
        self._skills, self._specs = {}, []
        wanted = self.options.skills
        skills = [(skill.id, skill.description) for skill in card.skills]
        if not skills:
            skills = [(card.name, card.description)]
        for skill_id, description in skills:
            if wanted is not None and skill_id not in wanted:
                continue
            name = tool_name(self.options.prefix, skill_id)
            self._skills[name] = skill_id
            about = f"Delegate a task to the remote agent {skill_id!r}: {description}".strip()
            self._specs.append(ToolSpec(name=name, description=about, parameters=TASK_PARAMETERS))

    async def list_tools(self) -> Sequence[ToolSpec]:
        """One tool per remote skill (fetches the agent card once)."""
        await self._connect()
        return list(self._specs)

    async def call(self, call: ToolCall) -> ToolResult:
        """Send the task and wait for the remote task to end; never raises."""
        try:
            client = await self._connect()
        except A2AConnectionError as exc:
            return _error(call, str(exc))
        skill = self._skills.get(call.name)
        task = call.arguments.get("task")
        if skill is None:
            return _error(call, f"unknown tool {call.name!r}; known: {', '.join(self._skills)}")
        if not isinstance(task, str) or not task.strip():
            return _error(call, "the argument 'task' must be a non-empty string")
        try:
            return await self._send(client, call, skill, task)
        except Exception as exc:
            return _error(call, f"the A2A agent at {self.options.url} failed: {exc}")

    async def _send(self, client: Any, call: ToolCall, skill: str, task: str) -> ToolResult:
        from a2a.types.a2a_pb2 import Message, SendMessageRequest
        from google.protobuf.json_format import MessageToDict, ParseDict

        wire = message_to_a2a(MessageData.user(task), uuid.uuid4().hex, {"agent": skill})
        request = SendMessageRequest(message=ParseDict(wire, Message()))
        last: Any = None
        async for response in client.send_message(request):
            last = response
        return result_from_a2a(call.id, call.name, MessageToDict(last) if last else None)

    async def aclose(self) -> None:
        """Close the client and its HTTP connections."""
        client, http = self._client, self._http
        self._client = self._http = None
        if client is not None:
            await client.close()
        if http is not None:
            await http.aclose()


def _describe(error: BaseException) -> str:
    """One line for ``error``: its innermost cause's type and message."""
    while error.__cause__ is not None and not str(error):
        error = error.__cause__
    text = " ".join(str(error).split()) or "no details"
    return f"{type(error).__name__}: {text}"


def a2a_endpoints(options: A2AOptions) -> list[str]:
    """Where an ``a2a`` toolset connects (its registration's ``endpoints``)."""
    return [options.url]


def _error(call: ToolCall, message: str) -> ToolResult:
    return ToolResult(tool_call_id=call.id, name=call.name, content=message, is_error=True)
