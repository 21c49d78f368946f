"""Backends by reference scheme: one registry that built-ins and plugins fill alike.

A registration is ``BACKENDS.register(scheme, factory, **metadata)`` (or the plugin hook
``register_backends``); ``factory(ModelRef)`` builds the backend. The metadata tells
generic code what it needs without naming a scheme: ``options`` (a pydantic model of the
reference's options, checked when a config loads), ``target`` (the option the target
fills), ``remote`` (sends prompts off the machine), ``files`` (local files it needs),
``members`` (``members(ModelRef) -> list[ModelRef]``: the references a composite backend
such as a pool is made of), ``block_key`` (a key that marks a config block as this
backend's without ``backend:``, e.g. ``pool``), ``probe`` (``async probe(backend)``: a
cheap health check, used by pools) and ``pool_defaults`` (options a pool gives this
backend's members unless they set them).
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
    lazy=("options", "files", "members", "probe", "endpoints"),
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


def reference_members(reference: str | Mapping[str, Any] | ModelRef) -> list[ModelRef]:
    """The references a composite backend (a pool) is made of; ``[]`` for a plain one."""
    ref = parse_model_ref(reference)
    members = BACKENDS.metadata(ref.scheme, "members")
    return list(members(ref)) if members is not None else []


def leaf_references(reference: str | Mapping[str, Any] | ModelRef) -> list[ModelRef]:
    """The reference itself, or the members of a composite one, all the way down."""
    ref = parse_model_ref(reference)
    members = reference_members(ref)
    return [leaf for member in members for leaf in leaf_references(member)] if members else [ref]


def is_remote(reference: str | Mapping[str, Any] | ModelRef) -> bool:
    """Whether the reference's backend (or a member's) sends prompts off the machine."""
    return any(BACKENDS.metadata(ref.scheme, "remote", False) for ref in leaf_references(reference))


def backend_files(reference: str | Mapping[str, Any] | ModelRef) -> list[Path]:
    """Local files the reference needs (its backend's ``files`` function; none without)."""
    found: list[Path] = []
    for ref in leaf_references(reference):
        files = BACKENDS.metadata(ref.scheme, "files")
        found += list(files(ref)) if files is not None else []
    return found


def resolve_backend(reference: str | Mapping[str, Any] | ModelRef) -> Backend:
    """Build the backend a reference names, e.g. ``resolve_backend("llamacpp:default")``."""
    ref = parse_model_ref(reference)
    return BACKENDS.get(ref.scheme)(ref)
