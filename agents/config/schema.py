"""The shape of an interlace YAML file: pydantic models with ``extra="forbid"``.

The schema checks structure only. Names that resolve through registries (backends,
planners, toolset kinds) and cross references (agents, roles, graph nodes) are resolved
afterwards in :mod:`interlace.agents.config.resolve`, so that plugins can add names.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from interlace.protocols.errors import ConfigError

if TYPE_CHECKING:
    from .resolved import ResolvedConfig
    from .source import Source


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


ModelSpec = str | dict[str, Any]
"""A model reference (``llamacpp:default``) or a block with ``backend`` plus options."""


class AgentSpec(_Strict):
    """One agent: its model (role name or reference), instructions, tools and planner;
    ``template`` starts from a registered agent template (its own keys win);
    ``tool_selection`` offers each model call only the tools that fit the conversation."""

    template: str | None = None
    description: str = ""
    instructions: str = ""
    model: ModelSpec | None = None
    toolsets: list[str] = Field(default_factory=list)
    tools: list[str] = Field(default_factory=list)
    planner: str | None = None
    limits: dict[str, Any] = Field(default_factory=dict)
    sampling: dict[str, Any] = Field(default_factory=dict)
    history: dict[str, Any] = Field(default_factory=dict)
    tool_selection: dict[str, Any] | None = None
    decision_format: str = "auto"


class ToolsetSpec(BaseModel):
    """A toolset: ``kind`` (python, builtin, mcp, retrieval, a2a, ...) plus that kind's
    options; ``tool_selection`` ranks its tools on their own (any kind)."""

    model_config = ConfigDict(extra="allow")

    kind: str
    tool_selection: dict[str, Any] | None = None

    @property
    def options(self) -> dict[str, Any]:
        """Everything but ``kind`` and ``tool_selection``: validated later with the
        kind's options model."""
        return dict(self.model_extra or {})


class _Graph(_Strict):
    description: str = ""
    max_hops: int = Field(25, gt=0)
    timeout_s: float | None = Field(None, gt=0)


class SequenceGraph(_Graph):
    """Run agents (or subgraphs) one after another, each seeing the previous output."""

    type: Literal["sequence"]
    agents: list[str] = Field(min_length=1)


class SupervisorGraph(_Graph):
    """A supervisor agent (planner ``router``) hands each turn to one of its workers."""

    type: Literal["supervisor", "router"]
    supervisor: str
    workers: list[str] = Field(min_length=1)


class ParallelGraph(_Graph):
    """Fan out to agents at once; an optional ``join`` agent combines their answers."""

    type: Literal["parallel"]
    agents: list[str] = Field(min_length=2)
    join: str | None = None


class HandoffGraph(_Graph):
    """Agents pass control to each other; ``start`` (default: the first) answers first."""

    type: Literal["handoff"]
    agents: list[str] = Field(min_length=2)
    start: str | None = None


GraphSpec = Annotated[
    SequenceGraph | SupervisorGraph | ParallelGraph | HandoffGraph,
    Field(discriminator="type"),
]
GRAPH_TYPES = ("sequence", "supervisor", "router", "parallel", "handoff")


class PluginsSpec(_Strict):
    """Which third-party plugins may load: ``allow: [name, ...]`` (``[]`` allows none).

    Unset allows every installed plugin (or what ``INTERLACE_PLUGINS`` allows).
    """

    allow: list[str] | None = None


class TracingSpec(_Strict):
    """OpenTelemetry spans of runs, model and tool calls (off unless enabled).

    ``exporter: jsonl`` appends spans to ``path``; ``console`` prints them to stderr;
    ``otlp`` sends them to ``endpoint`` (a collector the user runs).
    """

    enabled: bool = False
    exporter: Literal["jsonl", "console", "otlp"] = "jsonl"
    path: str = ".interlace/traces.jsonl"
    endpoint: str | None = None
    service_name: str = "interlace"


class OfflineSpec(_Strict):
    """``offline: off | strict``, or ``{mode: strict, allow: [HOST, HOST:PORT, ...]}``.

    Strict allows loopback only; ``allow`` names the model servers and upstreams (MCP,
    A2A, a Chroma server, a tracing collector) that stay reachable.
    """

    mode: Literal["off", "strict"] = "off"
    allow: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: object) -> object:
        # `offline: strict` (YAML 1.1 reads bare off/on/no/yes as booleans: see `mode`).
        return {"mode": value} if isinstance(value, str | bool) else value

    @field_validator("mode", mode="before")
    @classmethod
    def _yaml_boolean(cls, value: object) -> object:
        return ("strict" if value else "off") if isinstance(value, bool) else value

    @field_validator("allow")
    @classmethod
    def _hosts(cls, entries: list[str]) -> list[str]:
        from interlace.runtimes.offline import parse_allowed

        for entry in entries:
            parse_allowed(entry)
        return entries

    @model_validator(mode="after")
    def _allow_needs_strict(self) -> OfflineSpec:
        if self.allow and self.mode != "strict":
            raise ValueError("offline.allow only applies with mode: strict")
        return self

    @property
    def strict(self) -> bool:
        """Whether only loopback and ``allow`` are reachable."""
        return self.mode == "strict"


class CheckpointSpec(BaseModel):
    """Where conversation threads are kept: ``type`` (``memory``, ``sqlite``,
    ``postgres`` or a plugin's kind; ``sqlite`` when only ``path`` is given) plus that
    kind's options. A string is short for a block: ``postgres://user@host/db``, ``memory``
    or an SQLite file path."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None

    @property
    def options(self) -> dict[str, Any]:
        """Everything but ``type``: validated later with the kind's options model."""
        return dict(self.model_extra or {})


class Config(_Strict):
    """One YAML file that describes a whole system."""

    version: Literal[1] = 1
    models: dict[str, ModelSpec] = Field(default_factory=dict)
    agents: dict[str, AgentSpec] = Field(default_factory=dict)
    toolsets: dict[str, ToolsetSpec] = Field(default_factory=dict)
    retrieval: dict[str, dict[str, Any]] = Field(default_factory=dict)
    graph: GraphSpec | None = None
    graphs: dict[str, GraphSpec] = Field(default_factory=dict)
    entry: str | None = None
    offline: OfflineSpec = Field(default_factory=OfflineSpec)
    tracing: TracingSpec = Field(default_factory=TracingSpec)
    checkpoints: CheckpointSpec | str | None = None
    plugins: PluginsSpec = Field(default_factory=PluginsSpec)

    _source: Source | None = PrivateAttr(default=None)
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _resolved: ResolvedConfig | None = PrivateAttr(default=None)
    _origin: tuple[str, tuple[str, ...]] | None = PrivateAttr(default=None)

    def attach_source(self, source: Source, base_dir: Path) -> None:
        """Remember where this config came from (positions, secrets, its folder)."""
        self._source = source
        self._base_dir = base_dir

    def attach_origin(self, path: str, overrides: tuple[str, ...]) -> None:
        """Remember the file and ``--set`` overrides it was loaded from (so that another
        process, such as a Ray worker, can load the same config)."""
        self._origin = (path, overrides)

    @property
    def origin(self) -> tuple[str, tuple[str, ...]] | None:
        """``(absolute path, overrides)`` of a config loaded from a file, else ``None``."""
        return self._origin

    def attach_resolved(self, resolved: ResolvedConfig) -> None:
        """Keep the resolved config the loader produced (see :attr:`resolved`)."""
        self._resolved = resolved

    @property
    def resolved(self) -> ResolvedConfig:
        """The config with every name resolved, as the loader resolved it (a config made
        without :func:`load_config` gets one from ``resolve.ensure_resolved``)."""
        if self._resolved is None:
            raise ConfigError(
                "this config has not been resolved; load it with load_config(), or call "
                "interlace.agents.config.resolve.ensure_resolved(config)"
            )
        return self._resolved

    @property
    def source(self) -> Source | None:
        """Positions and secret paths of the file this config was loaded from."""
        return self._source

    @property
    def base_dir(self) -> Path:
        """The config file's folder: relative paths in the config resolve against it."""
        return self._base_dir
