"""Backends by reference scheme: built-ins and plugins register here alike."""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Mapping
from typing import Any

from interlace.protocols.errors import ModelReferenceError

from .base import Backend
from .refs import ModelRef, parse_model_ref

BackendFactory = Callable[[ModelRef], Backend]

# Built-in schemes load lazily ("module:function") so heavy runtimes import only when used.
_BUILTIN: dict[str, str] = {
    "scripted": "interlace.runtimes.scripted_ref:scripted_from_ref",
    "llamacpp": "interlace.runtimes.llamacpp:from_ref",
    "openai": "interlace.runtimes.openai:openai_from_ref",
    "litellm": "interlace.runtimes.litellm_backend:litellm_from_ref",
}
_factories: dict[str, BackendFactory | str] = dict(_BUILTIN)


def register_backend(scheme: str, factory: BackendFactory | str, *, replace: bool = False) -> None:
    """Register a backend factory for ``scheme`` (a callable or a ``module:function`` path)."""
    scheme = scheme.lower()
    if scheme in _factories and not replace and _factories[scheme] != factory:
        raise ModelReferenceError(f"backend scheme {scheme!r} is already registered")
    _factories[scheme] = factory


def backend_schemes() -> list[str]:
    """The registered reference schemes."""
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
    factory = _factories.get(ref.scheme)
    if factory is None:
        close = difflib.get_close_matches(ref.scheme, _factories, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ModelReferenceError(
            f"unknown backend {ref.scheme!r} in model reference {str(ref)!r}{hint} "
            f"(known: {', '.join(backend_schemes())})"
        )
    return _load(factory)(ref)
