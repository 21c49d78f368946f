"""The ``a2a`` toolset kind's factory (registered in :mod:`interlace.plugins.builtins`)."""

from __future__ import annotations

from .toolset import A2AOptions, A2AToolset


def build_a2a_toolset(options: A2AOptions) -> A2AToolset:
    """The toolset for one remote A2A agent."""
    return A2AToolset(options)
