"""``scripted:`` references: a scripted backend named in config (tests and examples)."""

from __future__ import annotations

from .refs import ModelRef
from .scripted import ScriptedBackend


def scripted_from_ref(ref: ModelRef) -> ScriptedBackend:
    """``scripted:TEXT`` or ``scripted:NAME?reply=TEXT``: answers the same text forever.

    Config-built scripted backends keep examples and config tests free of any model.
    """
    reply = str(ref.options.get("reply", ref.target))
    return ScriptedBackend([reply], name=f"scripted:{ref.target}", repeat=True)
