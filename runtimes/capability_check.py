"""Load-time checks that a backend can do what an agent needs."""

from __future__ import annotations

from interlace.protocols.errors import CapabilityError

from .base import Backend


def require_tool_path(backend: Backend, agent_name: str) -> None:
    """Fail now, not mid-run, when an agent with tools runs on a backend that cannot call them.

    Raises :class:`CapabilityError` saying what to change.
    """
    if backend.capabilities.tool_path:
        return
    raise CapabilityError(
        f"agent {agent_name!r} has tools, but its model {backend.name!r} has no way to call "
        "them (no native tool calls, no constrained decoding, no JSON Schema output). "
        "To fix: give the agent a model with tool calling (for example llamacpp:default, "
        "or an openai: server started with tool calling enabled); for an openai: or "
        "litellm: model set tool_strategy: parse (or json_schema where the server supports "
        "it) in its model block; or remove the agent's toolsets"
    )
