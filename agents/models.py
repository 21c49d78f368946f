"""Backend instances shared per reference, so agents naming one model share one backend."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interlace.runtimes.base import Backend
from interlace.runtimes.registry import resolve_backend

_backends: dict[str, Backend] = {}


def get_backend(model: str | Backend) -> Backend:
    """The backend for a reference (built once and shared) or the instance given."""
    if not isinstance(model, str):
        return model
    backend = _backends.get(model)
    if backend is None:
        backend = _backends[model] = resolve_backend(model)
    return backend


def backend_for(reference: str | Mapping[str, Any] | Backend) -> Backend:
    """The backend for a config reference: strings are shared per process (see
    :func:`get_backend`), blocks with options are built anew."""
    if isinstance(reference, Mapping):
        return resolve_backend(reference)
    return get_backend(reference)


def is_shared(backend: Backend) -> bool:
    """Whether ``backend`` is one of the per-process shared instances (which outlive a
    system; a block's backend belongs to the system that built it)."""
    return any(backend is shared for shared in _backends.values())


async def close_backends() -> None:
    """Close and forget every shared backend."""
    backends = list(_backends.values())
    _backends.clear()
    for backend in backends:
        await backend.aclose()
