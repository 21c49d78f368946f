"""Backends by reference scheme: one registry that built-ins and plugins fill alike.

A registration is ``BACKENDS.register(scheme, factory, **metadata)`` (or the plugin hook
``register_backends``); ``factory(ModelRef)`` builds the backend. The metadata tells
generic code what it needs without naming a scheme: ``options`` (a pydantic model of the
reference's options, checked when a config loads), ``target`` (the option the target
fills), ``remote`` (sends prompts off the machine) and ``files`` (local files it needs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from interlace.plugins.registry import Registry
from interlace.protocols.errors import ModelReferenceError

from .base import Backend
from .refs import ModelRef, parse_model_ref

BackendFactory = Callable[[ModelRef], Backend]

BACKENDS: Registry[BackendFactory] = Registry(
    "backend",
    "register_backends",
    error=ModelReferenceError,
    lazy=("options", "files"),
    hint="plugins add backends through the register_backends hook",
)
register_backend = BACKENDS.register


def backend_schemes() -> list[str]:
    """The registered reference schemes."""
    return BACKENDS.names()


def backend_options(reference: str | Mapping[str, Any] | ModelRef) -> Any:
    """The reference's options validated by its backend's ``options`` model (the target
    filling the ``target`` option); the options as given when the backend declares none.

    Raises :class:`ModelReferenceError` naming every bad option and the known ones.
    """
    ref = parse_model_ref(reference)
    options = dict(ref.options)
    target = BACKENDS.metadata(ref.scheme, "target")
    if target and ref.target and target not in options:
        options[target] = ref.target
    return BACKENDS.validate(ref.scheme, options)


def is_remote(reference: str | Mapping[str, Any] | ModelRef) -> bool:
    """Whether the reference's backend sends prompts off the machine (``remote=True``)."""
    return bool(BACKENDS.metadata(parse_model_ref(reference).scheme, "remote", False))


def backend_files(reference: str | Mapping[str, Any] | ModelRef) -> list[Path]:
    """Local files the reference needs (its backend's ``files`` function; none without)."""
    ref = parse_model_ref(reference)
    files = BACKENDS.metadata(ref.scheme, "files")
    return list(files(ref)) if files is not None else []


def resolve_backend(reference: str | Mapping[str, Any] | ModelRef) -> Backend:
    """Build the backend a reference names, e.g. ``resolve_backend("llamacpp:default")``."""
    ref = parse_model_ref(reference)
    return BACKENDS.get(ref.scheme)(ref)
