"""``interlace ingest``: add files to a retrieval store with a progress bar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

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


class IngestOptions(NamedTuple):
    """The flags of ``interlace ingest``."""

    store: str | None = None
    follow_links: bool = False
    as_json: bool = False


def ingest_command(
    config_path: str, paths: Sequence[str], options: IngestOptions, *, overrides: Sequence[str]
) -> None:
    """Open the store and ingest ``paths``, showing progress on stderr."""
    as_json = options.as_json
    with errors_to_exit(as_json):
        config = load(config_path, overrides, require_agents=False)
        name = pick_store(config, options.store)
        chosen = config.resolved.stores[name]
        report = _ingest(chosen.type, chosen.settings, paths, options)
    data = _report_dict(report)
    if as_json:
        print_json({"ok": True, "exit_code": 0, "store": name, **data})
        return
    console = stderr()
    for warning in report.warnings():
        console.print(f"[yellow]warning:[/] {warning}")
    stdout().print(f"[green]✓[/] {name}: {report.summary()}")


def _ingest(store_type: str, settings: Any, paths: Sequence[str], options: IngestOptions) -> Any:
    """Answer from the store's record when nothing changed, else open the store."""
    from interlace.tools.registry import open_store
    from interlace.tools.retrieval import StoreSettings, ingest_paths

    if isinstance(settings, StoreSettings):  # the built-in Chroma store keeps a record
        unchanged = _unchanged(settings, paths, options.follow_links)
        if unchanged is not None:
            return unchanged
    if not options.as_json:
        stderr().print("[dim]loading the embedder and the store...[/]")
    store = open_store(store_type, settings)
    return ingest_paths(
        store, list(paths), progress=not options.as_json, follow_links=options.follow_links
    )


def _unchanged(settings: Any, paths: Sequence[str], follow_links: bool) -> Any:
    from interlace.runtimes.embeddings import get_embedder
    from interlace.tools.retrieval.ingest import ingest_unchanged

    embedder = get_embedder(settings.embedder, device=settings.device)
    return ingest_unchanged(settings, list(paths), embedder, follow_links=follow_links)


def _report_dict(report: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data: dict[str, Any] = asdict(report)
    return data
