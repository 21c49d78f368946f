"""Model references: ``scheme:target?option=value`` strings or config blocks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from interlace.protocols.errors import ModelReferenceError


@dataclass(frozen=True)
class ModelRef:
    """A parsed model reference.

    ``llamacpp:default`` -> scheme ``llamacpp``, target ``default``;
    ``openai:http://127.0.0.1:8000/v1?model=qwen`` -> scheme ``openai``, target
    ``http://127.0.0.1:8000/v1``, options ``{"model": "qwen"}``.
    """

    scheme: str
    target: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        query = "&".join(f"{key}={value}" for key, value in self.options.items())
        return f"{self.scheme}:{self.target}" + (f"?{query}" if query else "")


def parse_model_ref(reference: str | Mapping[str, Any] | ModelRef) -> ModelRef:
    """Parse a reference string, or a config block with ``backend`` plus options."""
    if isinstance(reference, ModelRef):
        return reference
    if isinstance(reference, Mapping):
        return _from_block(reference)
    scheme, sep, rest = reference.partition(":")
    if not sep or not scheme or not rest:
        raise ModelReferenceError(
            f"model reference {reference!r} has no scheme; write it as SCHEME:TARGET, "
            "for example 'llamacpp:default' or 'openai:http://127.0.0.1:8000/v1?model=NAME'"
        )
    target, _, query = rest.partition("?")
    return ModelRef(scheme.strip().lower(), target, dict(parse_qsl(query, keep_blank_values=True)))


def _from_block(block: Mapping[str, Any]) -> ModelRef:
    options = dict(block)
    backend = options.pop("backend", None) or _claimed_by(options)
    if not isinstance(backend, str):
        raise ModelReferenceError(
            f"model block {dict(block)!r} needs a 'backend' key naming the backend "
            "(for example backend: openai), a 'pool' list of endpoints, or a reference string"
        )
    if ":" in backend:
        base = parse_model_ref(backend)
        return ModelRef(base.scheme, base.target, {**base.options, **options})
    target = options.pop("target", options.pop("path", options.pop("base_url", "")))
    return ModelRef(backend.lower(), str(target), options)


def _claimed_by(options: Mapping[str, Any]) -> str | None:
    """The backend whose ``block_key`` the block uses (``pool: [...]``), if any."""
    from .registry import BACKENDS

    for name, entry in BACKENDS.entries().items():
        key = entry.get("block_key")
        if key is not None and key in options:
            return name
    return None
