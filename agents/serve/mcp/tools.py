"""``tools/list`` and ``tools/call``: every tool the host can reach, and every agent.

Served, in this order: the host's toolsets, each agent's own toolsets that are not among
them (an agent's ``tools:`` list in a config), then every agent and graph as a tool taking
a ``task``. On a name clash the later tool is prefixed with its toolset's (or agent's)
name, an agent with ``agent_``. A toolset that cannot be listed (an unreachable upstream)
is left out of the listing and logged; it never breaks the others.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as types
from mcp.server import ServerRequestContext
from mcp.shared.exceptions import MCPError

from interlace.protocols import ToolCall
from interlace.protocols.errors import RunTimeout
from interlace.protocols.peer import Elicited, InputRequired, PeerCapabilityError
from interlace.tools.base import Toolset

from ..host import AgentHost, UnitsHost
from ..running import public_error
from .agent_calls import AgentCalls, approval_question, decision_for
from .content import call_result, error_result
from .peer import McpPeer
from .rounds import Round

logger = logging.getLogger("interlace.serve")

TASK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"task": {"type": "string", "description": "What the agent should do."}},
    "required": ["task"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Entry:
    """One served tool: a toolset's tool (``toolset``) or an agent (``agent``)."""

    tool: types.Tool
    original: str
    toolset: Toolset | None = None
    agent: str | None = None


def served_toolsets(host: AgentHost) -> dict[str, Toolset]:
    """The host's toolsets by name, then each agent's own toolsets (named after the agent,
    ``AGENT_2`` for its second), each toolset once."""
    found = dict(host.toolsets)
    seen = {id(toolset) for toolset in found.values()}
    units = host.units if isinstance(host, UnitsHost) else {}
    for agent, unit in units.items():
        own = [t for t in getattr(unit, "toolsets", ()) if id(t) not in seen]
        for index, toolset in enumerate(own):
            found[agent if index == 0 else f"{agent}_{index + 1}"] = toolset
            seen.add(id(toolset))
    return found


async def _listed(name: str, toolset: Toolset, into: dict[str, list[Any]]) -> None:
    try:
        into[name] = list(await toolset.list_tools())
    except Exception as error:  # an unreachable upstream is left out, never fatal
        logger.warning("MCP tools/list leaves out toolset %r: %s", name, error)


async def _approved(peer: McpPeer, entry: Entry, call: ToolCall) -> ToolCall | types.CallToolResult:
    """A tool that needs human approval runs only once the client's user approved it
    (through elicitation; without it the call is refused)."""
    question = approval_question("This MCP client", call)
    if not peer.can_ask(question):
        return error_result(
            f"tool {entry.tool.name!r} needs human approval, and this MCP client cannot be "
            "asked (it declared no elicitation capability); use a client that supports "
            "elicitation"
        )
    key = f"approve_{entry.tool.name}"
    answer = (await peer.ask({key: question}))[key]
    assert isinstance(answer, Elicited)
    decision = decision_for(call, answer)
    if decision.action == "reject":
        return error_result(f"the user refused the call to {entry.tool.name!r}: {decision.reason}")
    return call.model_copy(update={"arguments": dict(decision.arguments or call.arguments)})


class ToolBridge:
    """Lists and calls the host's tools and agents for the MCP server."""

    def __init__(self, host: AgentHost, timeout_s: float, levels: Any) -> None:
        self.host = host
        self.timeout_s = timeout_s
        self.levels = levels
        self.agents = AgentCalls(host, timeout_s)

    async def entries(self) -> dict[str, Entry]:
        """Every served tool by its MCP name (see the module docstring)."""
        toolsets = served_toolsets(self.host)
        listed: dict[str, list[Any]] = {}
        async with anyio.create_task_group() as group:
            for name, toolset in toolsets.items():
                group.start_soon(_listed, name, toolset, listed)
        found: dict[str, Entry] = {}
        for toolset_name, toolset in toolsets.items():
            for spec in listed.get(toolset_name, ()):
                name = spec.name if spec.name not in found else f"{toolset_name}_{spec.name}"
                tool = types.Tool(
                    name=name, description=spec.description, input_schema=spec.parameters
                )
                found[name] = Entry(tool, spec.name, toolset=toolset)
        for agent, description in self.host.agent_cards():
            name = agent if agent not in found else f"agent_{agent}"
            about = description or f"Ask the agent {agent!r} to do a task."
            tool = types.Tool(name=name, description=about, input_schema=TASK_SCHEMA)
            found[name] = Entry(tool, agent, agent=agent)
        return found

    async def list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        """``tools/list``."""
        return types.ListToolsResult(
            tools=[entry.tool for entry in (await self.entries()).values()]
        )

    async def call(
        self, entry: Entry, arguments: dict[str, Any], peer: McpPeer, round: Round
    ) -> types.CallToolResult:
        """Run one call; failures of the tool or agent are ``isError`` results."""
        try:
            if entry.agent is not None:
                return await self.agents.call(entry.agent, arguments, peer, round)
            assert entry.toolset is not None
            call = ToolCall(
                id=f"mcp_{uuid.uuid4().hex[:12]}", name=entry.original, arguments=arguments
            )
            if entry.toolset.requires_approval(entry.original):
                decided = await _approved(peer, entry, call)
                if isinstance(decided, types.CallToolResult):
                    return decided
                call = decided
            with anyio.fail_after(self.timeout_s):
                return call_result(await entry.toolset.call(call))
        except TimeoutError as exc:
            if isinstance(exc, RunTimeout):  # an agent's run: its message says which limit
                return error_result(public_error(exc))
            return error_result(
                f"tool {entry.tool.name!r} did not finish within {self.timeout_s:g} s"
            )
        except (MCPError, InputRequired, PeerCapabilityError):
            raise  # answered by the server: an error, or a round asking the client
        except Exception as exc:  # a full model queue too: a result the calling model reads
            return error_result(public_error(exc))

    async def find(self, name: str) -> Entry:
        """The entry served as ``name`` (unknown: INVALID_PARAMS naming the known ones)."""
        entries = await self.entries()
        entry = entries.get(name)
        if entry is None:
            known = ", ".join(entries)
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {name!r}; known: {known}")
        return entry
