"""Registers the ``a2a`` toolset kind (imported lazily by ``interlace.tools.registry``)."""

from __future__ import annotations

from ..registry import register_toolset_kind
from .toolset import A2AOptions, A2AToolset


def build_a2a_toolset(options: A2AOptions) -> A2AToolset:
    """The toolset for one remote A2A agent."""
    return A2AToolset(options)


register_toolset_kind("a2a", A2AOptions, build_a2a_toolset)
