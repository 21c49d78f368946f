"""``interlace plugins``: what each plugin registered, and whether it works."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer


def plugins_command(*, as_json: bool) -> None:
    """Print the plugin table (or JSON); exit 0 even when a plugin is broken."""
    from interlace.agents.registries import every_registry
    from interlace.plugins import ensure_loaded

    for registry in every_registry():
        registry.ensure_filled()  # a registration a registry refuses fails its plugin
    infos = list(ensure_loaded().plugins.values())
    if as_json:
        typer.echo(json.dumps([asdict(info) for info in infos], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("plugin", "version", "status", "registered")
    for info in infos:
        status = info.status if info.error is None else f"{info.status}: {info.error}"
        table.add_row(info.name, info.version or "-", status, ", ".join(info.registered) or "-")
    Console().print(table)
