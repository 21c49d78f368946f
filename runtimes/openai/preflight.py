"""Probe an OpenAI-compatible server: which models it serves, what it is, its context."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .kinds import ServerKind, kind_from_owner

# Keys under which servers report a model's context length in ``/v1/models``.
_CONTEXT_KEYS = ("max_model_len", "context_length", "context_window", "max_context_length")


@dataclass(frozen=True)
class ServerInfo:
    """What ``GET /v1/models`` told about a server."""

    url: str
    models: tuple[str, ...]
    kind: ServerKind | None = None
    model: str | None = None
    context_window: int | None = None

    def serves(self, model: str) -> bool:
        """Whether ``model`` is listed (Ollama's ``NAME:latest`` matches ``NAME``)."""
        return any(served == model or served.startswith(model + ":") for served in self.models)


def _context_window(entry: Mapping[str, Any]) -> int | None:
    meta = entry.get("meta")
    sources = [entry, meta] if isinstance(meta, Mapping) else [entry]
    for source in sources:
        for key in (*_CONTEXT_KEYS, "n_ctx", "n_ctx_train"):
            value = source.get(key)
            if isinstance(value, int) and value > 0:
                return value
    return None


def read_models(url: str, data: Any, wanted: str | None) -> ServerInfo:
    """Interpret a ``/v1/models`` document; ``wanted`` picks the entry to describe."""
    raw = data.get("data") if isinstance(data, Mapping) else None
    entries = [entry for entry in raw or () if isinstance(entry, Mapping) and "id" in entry]
    models = tuple(str(entry["id"]) for entry in entries)
    chosen = wanted if wanted is not None else (models[0] if len(models) == 1 else None)
    entry = next(
        (e for e in entries if chosen is not None and str(e["id"]).startswith(chosen)), None
    )
    kinds = {kind_from_owner(e.get("owned_by")) for e in entries} - {None}
    return ServerInfo(
        url=url,
        models=models,
        kind=kinds.pop() if len(kinds) == 1 else None,
        model=chosen,
        context_window=_context_window(entry) if entry is not None else None,
    )
