"""Agents, planners, graphs on LangGraph, config, plugins, servers and the CLI.

Exports load lazily: ``import interlace.agents`` imports neither LangGraph nor pydantic
models until a name is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from interlace.plugins.registry import lazy_exports

if TYPE_CHECKING:
    from .agent import Agent, HistoryPolicy, Limits
    from .checkpoints import sqlite_checkpointer
    from .events import (
        ApprovalRequest,
        Decision,
        DoneEvent,
        InterruptEvent,
        NodeEnterEvent,
        NodeExitEvent,
        RunEvent,
        RunResult,
        TextDeltaEvent,
        ToolCallEvent,
        ToolResultEvent,
        ToolSelectionEvent,
    )
    from .graph import END, START, Graph, GraphBuilder, handoff, parallel, sequence, supervisor
    from .models import get_backend
    from .runner import resume, resume_stream, run, stream
    from .tracing import configure_tracing
    from .units import Unit

_EXPORTS: dict[str, str] = {
    "Agent": "agent",
    "HistoryPolicy": "agent",
    "Limits": "agent",
    "ApprovalRequest": "events",
    "Decision": "events",
    "DoneEvent": "events",
    "InterruptEvent": "events",
    "NodeEnterEvent": "events",
    "NodeExitEvent": "events",
    "RunEvent": "events",
    "RunResult": "events",
    "TextDeltaEvent": "events",
    "ToolCallEvent": "events",
    "ToolResultEvent": "events",
    "ToolSelectionEvent": "events",
    "END": "graph",
    "START": "graph",
    "Graph": "graph",
    "GraphBuilder": "graph",
    "handoff": "graph",
    "parallel": "graph",
    "sequence": "graph",
    "supervisor": "graph",
    "get_backend": "models",
    "run": "runner",
    "resume": "runner",
    "resume_stream": "runner",
    "stream": "runner",
    "Unit": "units",
    "configure_tracing": "tracing",
    "sqlite_checkpointer": "checkpoints",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "END",
    "START",
    "Agent",
    "ApprovalRequest",
    "Decision",
    "DoneEvent",
    "Graph",
    "GraphBuilder",
    "HistoryPolicy",
    "InterruptEvent",
    "Limits",
    "NodeEnterEvent",
    "NodeExitEvent",
    "RunEvent",
    "RunResult",
    "TextDeltaEvent",
    "ToolCallEvent",
    "ToolResultEvent",
    "ToolSelectionEvent",
    "Unit",
    "configure_tracing",
    "get_backend",
    "handoff",
    "parallel",
    "resume",
    "resume_stream",
    "run",
    "sequence",
    "sqlite_checkpointer",
    "stream",
    "supervisor",
]
