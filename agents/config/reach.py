"""What a config reaches outside the process, checked before anything connects.

Registrations declare it (docs/plugins.md): ``endpoints(options) -> [url]`` for the
servers a backend, toolset kind or store talks to, and ``checks(options) -> [(problem,
hint)]`` for what a toolset kind needs locally (a command on PATH, a folder). Under
``offline: strict`` every endpoint must be loopback or in ``offline.allow``. So
``interlace validate`` refuses what a run would, and a run refuses it before it starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import ConfigIssue
from .resolved import ResolvedConfig
from .source import Path, Source


def endpoints(resolved: ResolvedConfig) -> Iterator[tuple[Path, str]]:
    """``(key path, URL)`` for every server the config names: models (each member of a
    pool), toolsets, stores, the checkpointer and the tracing collector."""
    from interlace.agents.checkpointers import CHECKPOINTERS
    from interlace.runtimes.registry import BACKENDS, backend_options, leaf_references
    from interlace.tools.registry import STORES, TOOLSET_KINDS

    for use, _ in resolved.model_uses().values():
        for ref in leaf_references(use.ref):
            yield from _declared(BACKENDS, ref.scheme, backend_options(ref), use.path)
    for name, toolset in resolved.toolsets.items():
        yield from _declared(TOOLSET_KINDS, toolset.kind, toolset.options, ("toolsets", name))
    for name, store in resolved.stores.items():
        yield from _declared(STORES, store.type, store.settings, ("retrieval", name))
    if resolved.checkpoints is not None:
        checkpoints = resolved.checkpoints
        yield from _declared(CHECKPOINTERS, checkpoints.kind, checkpoints.options, ("checkpoints",))
    tracing = resolved.config.tracing
    if tracing.enabled and tracing.exporter == "otlp" and tracing.endpoint:
        yield ("tracing", "endpoint"), tracing.endpoint


def _declared(registry: Any, name: str, options: Any, path: Path) -> Iterator[tuple[Path, str]]:
    found = registry.metadata(name, "endpoints")
    for url in found(options) if found is not None else ():
        yield path, str(url)


def offline_issues(resolved: ResolvedConfig, source: Source) -> Iterator[ConfigIssue]:
    """Under ``offline: strict``, each endpoint that is neither loopback nor allowed."""
    from interlace.runtimes.offline import endpoint_refusal

    offline = resolved.config.offline
    if not offline.strict:
        return
    for path, url in endpoints(resolved):
        refusal = endpoint_refusal(url, offline.allow)
        if refusal is None:
            continue
        if source.is_secret(path):  # never show a value that came from the environment
            refusal = "offline: strict refuses the server this secret value names"
        yield ConfigIssue(source.locate(path), path, refusal)


def toolset_issues(resolved: ResolvedConfig, source: Source) -> Iterator[ConfigIssue]:
    """What each toolset kind's ``checks`` find missing on this machine."""
    from interlace.tools.registry import TOOLSET_KINDS

    for name, toolset in resolved.toolsets.items():
        check = TOOLSET_KINDS.metadata(toolset.kind, "checks")
        path: Path = ("toolsets", name)
        for problem, hint in check(toolset.options) if check is not None else ():
            yield ConfigIssue(source.locate(path), path, problem, hint)
