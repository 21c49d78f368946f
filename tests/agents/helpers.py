"""Shared tools and agents for the agents tests (graph logic runs on ScriptedBackend)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from interlace.agents import Agent, Limits
from interlace.runtimes import ScriptedBackend
from interlace.runtimes.scripted import ScriptItem
from interlace.tools import FunctionToolset, tool


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: the first number
        b: the second number
    """
    return a + b


@tool
def fail(reason: str) -> str:
    """A tool that always fails."""
    raise RuntimeError(f"failed: {reason}")


@tool(requires_approval=True)
def delete_file(path: str) -> str:
    """Delete a file (needs approval)."""
    return f"deleted {path}"


def toolset() -> FunctionToolset:
    """add, fail and delete_file."""
    return FunctionToolset([add, fail, delete_file])


def scripted_agent(
    name: str,
    script: Sequence[ScriptItem],
    *,
    tools: bool = True,
    planner: str = "react",
    description: str = "",
    **limits: Any,
) -> tuple[Agent, ScriptedBackend]:
    """An agent on its own scripted backend."""
    backend = ScriptedBackend(script, name=f"scripted-{name}")
    agent = Agent(
        name=name,
        description=description,
        instructions=f"You are {name}.",
        model=backend,
        toolsets=[toolset()] if tools else [],
        planner=planner,
        limits=Limits(**limits),
    )
    return agent, backend
