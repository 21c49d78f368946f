"""Remote A2A agents as a toolset: each skill on the agent card becomes a tool."""

from .toolset import A2AConnectionError, A2AOptions, A2AToolset

__all__ = ["A2AConnectionError", "A2AOptions", "A2AToolset"]
