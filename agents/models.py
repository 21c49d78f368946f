"""Backend instances shared per reference, so agents naming one model share one backend."""

from __future__ import annotations

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


async def close_backends() -> None:
    """Close and forget every shared backend."""
    backends = list(_backends.values())
    _backends.clear()
    for backend in backends:
        await backend.aclose()
