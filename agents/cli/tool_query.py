"""``interlace tools CONFIG --query TEXT``: the tools each agent's model call would be
offered for a message, as its tool selections choose them (with their scores); without
``--query`` the command lists every toolset (:mod:`.tool_listing`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from .common import Exit, errors_to_exit, load, print_json, run_async, stdout

if TYPE_CHECKING:
    from interlace.agents.agent import Agent


@dataclass
class AgentOffer:
    """What one agent's model call is offered: ``total`` tools, of which ``offered`` (each
    with ``name``, ``score`` and ``reason``); ``selection`` describes the agent's own."""

    agent: str
    total: int
    selection: dict[str, Any] | None
    offered: list[dict[str, Any]] = field(default_factory=list)


async def offer(agent: Agent, query: str) -> AgentOffer:
    """The tools ``agent`` would be offered for the user message ``query``."""
    from interlace.agents.context import AgentContext
    from interlace.agents.tool_selection import ToolSelector
    from interlace.protocols import Message, ModelRequest

    ctx = AgentContext(agent)
    specs = await ctx.tool_specs()
    request = ModelRequest(messages=(Message.user(query),), tools=specs)
    chosen = (await ToolSelector(ctx).select(request)).details
    offered = [detail.model_dump() for detail in chosen]
    policy = agent.tool_selection.model_dump() if agent.tool_selection else None
    return AgentOffer(agent.name, len(specs), policy, offered)


async def offers(config_path: str, overrides: Sequence[str], query: str) -> list[Any]:
    """Build the config's system and report each agent's offer."""
    from interlace.agents.system import build_system

    system = build_system(load(config_path, overrides))
    async with system:
        return [await offer(agent, query) for agent in system.agents.values()]


def query_command(config_path: str, *, overrides: Sequence[str], query: str, as_json: bool) -> None:
    """Show the tools each agent's selection would offer for the message ``query``."""
    with errors_to_exit(as_json):
        reports: list[AgentOffer] = run_async(offers, config_path, overrides, query)
    if as_json:
        print_json({"query": query, "agents": [asdict(report) for report in reports]})
    else:
        print_offers(reports, query)
    raise typer.Exit(int(Exit.OK))


def _rank(tool: dict[str, Any]) -> float:
    return -tool["score"] if tool["score"] is not None else 2.0


def print_offers(reports: Sequence[AgentOffer], query: str) -> None:
    """Each agent as a heading and the tools it is offered below it."""
    from rich.markup import escape

    console = stdout()
    for report in reports:
        what = f"{len(report.offered)} of {report.total} tools"
        console.print(f"[bold]{escape(report.agent)}[/]: {what}")
        for tool in sorted(report.offered, key=_rank):
            score = "" if tool["score"] is None else f" {tool['score']:.3f}"
            reason = "" if tool["reason"] == "top_k" else f" ({tool['reason']})"
            console.print(f"  {escape(tool['name'])}{score}{reason}")
