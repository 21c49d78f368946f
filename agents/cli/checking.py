"""``interlace validate`` and ``interlace models``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict
from functools import partial
from typing import TYPE_CHECKING, Any

import typer

from .common import Exit, errors_to_exit, load, print_json, run_async, stdout

if TYPE_CHECKING:
    from interlace.agents.config import ResolvedConfig


def validate_command(
    config_path: str,
    *,
    overrides: Sequence[str],
    as_json: bool,
    connect: bool = False,
    timeout: float = 30.0,
) -> None:
    """Load the config, resolve every model and check tool support; print a summary.

    ``connect`` also lists the tools of every upstream toolset (MCP servers, remote A2A
    agents) within ``timeout`` seconds each, and exits 5 when one does not answer."""
    from interlace.agents.config import redacted
    from interlace.agents.config.build import build_backends, tool_path_issues
    from interlace.agents.config.errors import ConfigValidationError

    from .tool_listing import ToolsetReport, print_connections, probe

    reports: list[ToolsetReport] = []
    with errors_to_exit(as_json):
        resolved = load(config_path, overrides).resolved
        issues = list(tool_path_issues(resolved, build_backends(resolved)))
        if issues:
            raise ConfigValidationError(issues)
        if connect:
            reports = run_async(partial(probe, upstream_only=True), resolved, timeout)
    ok = all(report.ok for report in reports)
    code = Exit.OK if ok else Exit.CHECK
    summary = summarize(resolved)
    if as_json:
        config = redacted(resolved.config)
        extra = {"upstreams": [asdict(report) for report in reports]} if connect else {}
        print_json(
            {"ok": ok, "exit_code": int(code), "summary": summary, "config": config, **extra}
        )
        raise typer.Exit(int(code))
    console = stdout()
    console.print(f"[green]✓[/] {config_path} is valid")
    for key, value in summary.items():
        console.print(f"  {key}: {value}")
    if connect:
        console.print("  upstreams:" if reports else "  upstreams: none")
        print_connections(reports)
    raise typer.Exit(int(code))


def summarize(resolved: ResolvedConfig) -> dict[str, Any]:
    """Counts and names that tell what a config describes."""
    return {
        "models": sorted(resolved.config.models),
        "agents": list(resolved.agents),
        "toolsets": {name: toolset.kind for name, toolset in resolved.toolsets.items()},
        "stores": {name: store.type for name, store in resolved.stores.items()},
        "graphs": {name: spec.type for name, (_, spec) in resolved.graphs.items()},
        "entry": resolved.entry,
        "offline": resolved.config.offline.model_dump(),
    }


def models_command(
    config_path: str, *, overrides: Sequence[str], as_json: bool, timeout: float
) -> None:
    """Each distinct model: where it is used, capabilities, and a one-token reachability check."""
    with errors_to_exit(as_json):
        resolved = load(config_path, overrides).resolved
        rows = run_async(_probe_all, resolved, timeout)
    ok = all(row["reachable"] for row in rows)
    code = Exit.OK if ok else Exit.CHECK
    if as_json:
        print_json({"ok": ok, "exit_code": int(code), "models": rows})
    else:
        _print_models(rows)
    raise typer.Exit(int(code))


async def _probe_all(resolved: ResolvedConfig, wait_s: float) -> list[dict[str, Any]]:
    """One row per model, then one per member of a pool (so a row shows which lacks what)."""
    from interlace.runtimes.registry import reference_members

    rows = []
    for shown, (use, used_by) in resolved.model_uses().items():
        rows.append({"model": shown, "used_by": used_by, **await probe(use.raw, wait_s)})
        for member in reference_members(use.ref):
            row = await probe(str(member), wait_s)
            rows.append({"model": str(member), "used_by": [f"pool {shown}"], **row})
    return rows


async def probe(reference: Any, wait_s: float) -> dict[str, Any]:
    """Resolve a backend and ask it for one token; report capabilities and latency."""
    import anyio

    from interlace.agents.models import backend_for
    from interlace.protocols import Message, ModelRequest, SamplingSettings
    from interlace.protocols.errors import InterlaceError

    report: dict[str, Any] = {
        "backend": None,
        "capabilities": None,
        "reachable": False,
        "latency_s": None,
        "error": None,
    }
    started = time.perf_counter()
    try:
        backend = backend_for(reference)
        report["backend"] = backend.name
        capabilities = backend.capabilities
        report["capabilities"] = {**asdict(capabilities), "tool_path": capabilities.tool_path}
        request = ModelRequest(
            messages=(Message.user("Say OK."),), settings=SamplingSettings(max_tokens=1)
        )
        with anyio.fail_after(wait_s):
            await backend.complete(request)
        report["reachable"] = True
        report["latency_s"] = round(time.perf_counter() - started, 3)
    except TimeoutError:
        report["error"] = f"no answer within {wait_s:g} s"
    except (InterlaceError, OSError) as error:
        report["error"] = f"{type(error).__name__}: {error}"
    return report


def _print_models(rows: list[dict[str, Any]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table("model", "used by", "backend", "tools", "constrained", "context", "status")
    for row in rows:
        caps = row["capabilities"] or {}
        status = (
            f"[green]ok[/] {row['latency_s']}s"
            if row["reachable"]
            else f"[red]{escape(str(row['error']))}[/]"
        )
        table.add_row(
            escape(row["model"]),
            ", ".join(row["used_by"]),
            escape(str(row["backend"] or "-")),
            _yes(caps.get("tool_path")),
            _yes(caps.get("constrained_decoding")),
            str(caps.get("context_window") or "-"),
            status,
        )
    stdout().print(table)


def _yes(value: Any) -> str:
    return "-" if value is None else ("yes" if value else "no")
