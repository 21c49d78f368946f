"""Backends by reference scheme: built-ins and plugins register here alike."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from interlace.plugins import ensure_loaded
from interlace.protocols.errors import ModelReferenceError, did_you_mean

from .base import Backend
from .refs import ModelRef, parse_model_ref

BackendFactory = Callable[[ModelRef], Backend]

# Filled through the plugin hooks (built-ins included, see interlace.plugins.builtins);
# built-ins are "module:function" strings so heavy runtimes import only when used.
_factories: dict[str, BackendFactory | str] = {}


def register_backend(scheme: str, factory: BackendFactory | str, *, replace: bool = False) -> None:
    """Register a backend factory for ``scheme`` (a callable or a ``module:function`` path)."""
    scheme = scheme.lower()
    if scheme in _factories and not replace and _factories[scheme] != factory:
        raise ModelReferenceError(f"backend scheme {scheme!r} is already registered")
    _factories[scheme] = factory


def unregister_backend(scheme: str) -> None:
    """Forget ``scheme`` (used when a plugin is no longer allowed)."""
    _factories.pop(scheme.lower(), None)


def backend_schemes() -> list[str]:
    """The registered reference schemes."""
    ensure_loaded()
    return sorted(_factories)


def _load(factory: BackendFactory | str) -> BackendFactory:
    if not isinstance(factory, str):
        return factory
    module_name, _, attribute = factory.partition(":")
    loaded: BackendFactory = getattr(importlib.import_module(module_name), attribute)
    return loaded


def resolve_backend(reference: str | Mapping[str, Any] | ModelRef) -> Backend:
    """Build the backend a reference names, e.g. ``resolve_backend("llamacpp:default")``."""
    ref = parse_model_ref(reference)
    ensure_loaded()
    factory = _factories.get(ref.scheme)
    if factory is None:
        raise ModelReferenceError(
            f"unknown backend {ref.scheme!r} in model reference {str(ref)!r}"
            f"{did_you_mean(ref.scheme, _factories)} "
            f"(known: {', '.join(backend_schemes())})"
        )
    return _load(factory)(ref)
