"""The resolved config: one pass after validation turns names into what they mean.

Model references are parsed once (with the key path they are written at), toolsets are a
kind plus validated options with paths and store names resolved, stores a type plus
validated settings, agents carry their model, planner, limits and sampling. Checking,
building, ``validate``, ``doctor`` and ``models`` all read this object; none of them
re-derives a rule ("a string without ':' names a role") on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .source import Path

if TYPE_CHECKING:
    from pydantic import BaseModel

    from interlace.agents.agent import HistoryPolicy, Limits
    from interlace.agents.checkpointers import CheckpointStore
    from interlace.protocols import SamplingSettings
    from interlace.runtimes.refs import ModelRef
    from interlace.tools.selection import ToolSelection

    from .schema import Config, GraphSpec

NOT_CHAT_ROLES = frozenset({"embedder"})
"""Roles that name something other than a chat backend (the embedder is a store setting)."""


def frozen(items: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only view of ``items`` (the resolved config never changes)."""
    return MappingProxyType(dict(items))


@dataclass(frozen=True)
class ModelUse:
    """A model reference, parsed once: as written (``raw``), parsed (``ref``), the key path
    it is written at, and how to show it (its ``${VAR}`` template when it is a secret)."""

    raw: str | Mapping[str, Any]
    ref: ModelRef
    path: Path
    shown: str


@dataclass(frozen=True)
class ResolvedAgent:
    """An agent with every name resolved: its model, final planner, limits, sampling,
    history policy, tool selection and decision format."""

    name: str
    description: str
    instructions: str
    model: ModelUse
    planner: str
    toolsets: tuple[str, ...]
    tools: tuple[str, ...]
    limits: Limits
    sampling: SamplingSettings
    history: HistoryPolicy
    tool_selection: ToolSelection | None = None
    decision_format: str = "auto"


@dataclass(frozen=True)
class ResolvedToolset:
    """A toolset: its kind and its options, validated with paths and stores resolved, and
    its own tool selection (if any)."""

    name: str
    kind: str
    options: BaseModel
    selection: ToolSelection | None = None


@dataclass(frozen=True)
class ResolvedStore:
    """A retrieval store: its type and its settings, validated with paths resolved."""

    name: str
    type: str
    settings: BaseModel
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResolvedConfig:
    """Everything a config describes, resolved (see the module docstring)."""

    config: Config
    models: Mapping[str, ModelUse] = field(default_factory=dict)
    agents: Mapping[str, ResolvedAgent] = field(default_factory=dict)
    toolsets: Mapping[str, ResolvedToolset] = field(default_factory=dict)
    stores: Mapping[str, ResolvedStore] = field(default_factory=dict)
    graphs: Mapping[str, tuple[Path, GraphSpec]] = field(default_factory=dict)
    entry: str | None = None
    checkpoints: CheckpointStore | None = None

    def model_uses(self) -> dict[str, tuple[ModelUse, list[str]]]:
        """Distinct model references (by how they are shown) and who uses them."""
        found: dict[str, tuple[ModelUse, list[str]]] = {}
        for role, use in self.models.items():
            found.setdefault(use.shown, (use, []))[1].append(f"role {role}")
        for name, agent in self.agents.items():
            found.setdefault(agent.model.shown, (agent.model, []))[1].append(f"agent {name}")
        return found
