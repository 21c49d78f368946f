"""``interlace tools``: every toolset of a config with its tools (connecting where needed),
and the upstream check of ``interlace validate --connect``.

:func:`list_toolsets` is the listing both use (and what further options, such as a tool
query, extend): one :class:`ToolsetReport` per named toolset and per agent's own
``tools:`` list, each listed with a time limit, all at once, so that one dead upstream
neither hides nor delays the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from .common import Exit, errors_to_exit, load, print_json, run_async, stdout

if TYPE_CHECKING:
    from interlace.agents.config import ResolvedConfig
    from interlace.protocols import ToolSpec
    from interlace.tools.base import Toolset

AGENT_TOOLS = "tools"
"""The kind shown for an agent's own ``tools:`` list."""


@dataclass
class ToolsetReport:
    """One toolset: its name, kind, who uses it, and its tools or why it has none."""

    name: str
    kind: str
    used_by: list[str]
    ok: bool = False
    error: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)


async def list_toolsets(
    resolved: ResolvedConfig, toolsets: Mapping[str, Toolset], timeout_s: float
) -> list[ToolsetReport]:
    """Report every toolset of ``toolsets`` (named as in ``resolved``; an agent's own tools
    as ``agent:NAME``), each listed within ``timeout_s``."""
    import anyio

    reports = [_report(resolved, name) for name in toolsets]

    async def fill(report: ToolsetReport) -> None:
        try:
            with anyio.fail_after(timeout_s):
                specs = await toolsets[report.name].list_tools()
        except TimeoutError:
            where = getattr(toolsets[report.name], "where", "")
            report.error = f"no answer within {timeout_s:g} s" + (f" from {where}" if where else "")
        except Exception as error:
            reason = getattr(error, "reason", None) or str(error)
            report.error = " ".join(reason.split()) or type(error).__name__
        else:
            report.ok, report.tools = True, [_tool(spec) for spec in specs]

    async with anyio.create_task_group() as group:
        for report in reports:
            group.start_soon(fill, report)
    return reports


def _report(resolved: ResolvedConfig, name: str) -> ToolsetReport:
    if name.startswith("agent:"):
        return ToolsetReport(name, AGENT_TOOLS, [name.removeprefix("agent:")])
    users = [agent for agent, spec in resolved.agents.items() if name in spec.toolsets]
    return ToolsetReport(name, resolved.toolsets[name].kind, users)


def _tool(spec: ToolSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description, "parameters": spec.parameters}


def config_toolsets(resolved: ResolvedConfig, *, upstream_only: bool) -> dict[str, Toolset]:
    """The config's named toolsets, built, plus each agent's own ``tools:`` list as
    ``agent:NAME``; with ``upstream_only``, only toolsets of upstream kinds (MCP, A2A)."""
    from interlace.agents.config.build import build_toolsets
    from interlace.tools.kinds import tools_toolset
    from interlace.tools.upstream import UpstreamToolset

    built = build_toolsets(resolved)
    if upstream_only:
        return {name: item for name, item in built.items() if isinstance(item, UpstreamToolset)}
    for name, agent in resolved.agents.items():
        if agent.tools:
            built[f"agent:{name}"] = tools_toolset(list(agent.tools))
    return built


async def probe(
    resolved: ResolvedConfig, timeout_s: float, *, upstream_only: bool = False
) -> list[ToolsetReport]:
    """Build the toolsets, list them (see :func:`list_toolsets`) and close them."""
    toolsets = config_toolsets(resolved, upstream_only=upstream_only)
    try:
        return await list_toolsets(resolved, toolsets, timeout_s)
    finally:
        for toolset in toolsets.values():
            await toolset.aclose()


def tools_command(
    config_path: str, *, overrides: Sequence[str], as_json: bool, timeout: float
) -> None:
    """List every toolset's tools; exit 5 when one cannot be listed."""
    with errors_to_exit(as_json):
        resolved = load(config_path, overrides).resolved
        reports = run_async(probe, resolved, timeout)
    ok = all(report.ok for report in reports)
    code = Exit.OK if ok else Exit.CHECK
    if as_json:
        rows = [asdict(report) for report in reports]
        print_json({"ok": ok, "exit_code": int(code), "toolsets": rows})
    else:
        print_tools(reports)
    raise typer.Exit(int(code))


def print_tools(reports: Sequence[ToolsetReport]) -> None:
    """Each toolset as a heading (kind, users, status) and its tools below it."""
    from rich.markup import escape

    console = stdout()
    for report in reports:
        users = f" used by {', '.join(report.used_by)}" if report.used_by else ""
        status = f"{len(report.tools)} tools" if report.ok else "[red]unavailable[/]"
        console.print(f"[bold]{escape(report.name)}[/] ({report.kind}){users}: {status}")
        if report.error is not None:
            console.print(f"  [red]{escape(report.error)}[/]")
        for tool in report.tools:
            about = tool["description"].strip().splitlines()[0] if tool["description"] else ""
            console.print(f"  {escape(tool['name'])}" + (f": {escape(about)}" if about else ""))


def print_connections(reports: Sequence[ToolsetReport]) -> None:
    """One line per upstream toolset for ``validate --connect``."""
    from rich.markup import escape

    console = stdout()
    for report in reports:
        mark = "[green]✓[/]" if report.ok else "[red]✗[/]"
        what = f"{len(report.tools)} tools" if report.ok else escape(report.error or "")
        console.print(f"  {mark} toolset {escape(report.name)} ({report.kind}): {what}")
