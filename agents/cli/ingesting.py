"""``interlace ingest``: add files to a retrieval store with a progress bar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .common import errors_to_exit, load, print_json, stderr, stdout

if TYPE_CHECKING:
    from interlace.agents.config import Config


def pick_store(config: Config, store: str | None) -> str:
    """The store to ingest into: the one named, or the only one."""
    from interlace.agents.config.errors import suggest
    from interlace.protocols.errors import ConfigError, UsageError

    names = list(config.retrieval)
    if store is not None:
        if store not in names:
            raise UsageError(f"no store named {store!r}; {suggest(store, names)}")
        return store
    if len(names) == 1:
        return names[0]
    if not names:
        raise ConfigError("the config defines no retrieval stores; add a 'retrieval:' section")
    raise UsageError(f"the config has several stores; pick one with --store ({', '.join(names)})")


def ingest_command(
    config_path: str,
    paths: Sequence[str],
    *,
    store: str | None,
    overrides: Sequence[str],
    as_json: bool,
) -> None:
    """Open the store and ingest ``paths``, showing progress on stderr."""
    with errors_to_exit(as_json):
        config = load(config_path, overrides, require_agents=False)
        name = pick_store(config, store)
        chosen = config.resolved.stores[name]
        report = _ingest(chosen.type, chosen.settings, paths, show_progress=not as_json)
    data = _report_dict(report)
    if as_json:
        print_json({"ok": True, "exit_code": 0, "store": name, **data})
        return
    console = stderr()
    for warning in report.warnings():
        console.print(f"[yellow]warning:[/] {warning}")
    stdout().print(f"[green]✓[/] {name}: {report.summary()}")


def _ingest(store_type: str, settings: Any, paths: Sequence[str], *, show_progress: bool) -> Any:
    """Answer from the store's record when nothing changed, else open the store."""
    from interlace.tools.registry import open_store
    from interlace.tools.retrieval import StoreSettings, ingest_paths

    if isinstance(settings, StoreSettings):  # the built-in Chroma store keeps a record
        unchanged = _unchanged(settings, paths)
        if unchanged is not None:
            return unchanged
    if show_progress:
        stderr().print("[dim]loading the embedder and the store...[/]")
    return ingest_paths(open_store(store_type, settings), list(paths), progress=show_progress)


def _unchanged(settings: Any, paths: Sequence[str]) -> Any:
    from interlace.runtimes.embeddings import get_embedder
    from interlace.tools.retrieval.ingest import ingest_unchanged

    embedder = get_embedder(settings.embedder, device=settings.device)
    return ingest_unchanged(settings, list(paths), embedder)


def _report_dict(report: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data: dict[str, Any] = asdict(report)
    return data
