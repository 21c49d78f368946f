"""An agent is data: a name, instructions, a model, toolsets, a planner and limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interlace.protocols import SamplingSettings
from interlace.protocols.errors import UsageError
from interlace.runtimes.base import Backend
from interlace.tools.base import Toolset
from interlace.tools.selection import ToolSelection

AGENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


class Limits(BaseModel):
    """Guards that end a run with a clear ``stop_reason`` instead of running away.

    ``max_steps``: model calls per agent run. ``max_tokens``: input plus output tokens the
    agent may spend in one run (``None``: no budget). ``timeout_s``: wall-clock seconds for
    the run (``None``: none). ``max_repeated_calls``: how many times the same tool call
    (same name and arguments) may run; one more ends the run with ``stop_reason="loop"``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_steps: int = Field(default=20, gt=0)
    max_tokens: int | None = Field(default=None, gt=0)
    timeout_s: float | None = Field(default=None, gt=0)
    max_repeated_calls: int = Field(default=3, gt=0)


class HistoryPolicy(BaseModel):
    """What of a long conversation each model call sees (see :mod:`interlace.agents.history`).

    ``strategy``: ``trim`` drops the oldest whole turns until the prompt fits,
    ``summarize`` puts a model-written summary of them in their place, ``keep`` sends
    everything. ``max_tokens``: the prompt budget (default: the model's context window
    less room for the answer). ``summary_tokens``: the length of a summary.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: Literal["trim", "summarize", "keep"] = "trim"
    max_tokens: int | None = Field(default=None, gt=0)
    summary_tokens: int = Field(default=160, gt=0)


class Agent(BaseModel):
    """An agent as plain data; run it with :func:`interlace.agents.run`.

    ``model`` is a backend reference (``"llamacpp:default"``) or a backend instance;
    ``planner`` names the strategy that drives it (``react``, ``plan_execute``, ``router``,
    or one a plugin registered). ``sampling`` applies to every model call of the agent;
    ``history`` decides what of a long conversation each call sees. ``tool_selection``
    offers each model call only the tools that fit the conversation (see
    :class:`~interlace.tools.selection.ToolSelection`; a toolset may have its own).
    ``decision_format`` decides how each call asks the model for its next decision
    (``auto``: ``fewshot`` for a base model, else ``native``; see
    :mod:`interlace.agents.decisions`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str
    description: str = ""
    instructions: str = ""
    model: str | Backend
    toolsets: list[Toolset] = Field(default_factory=list)
    planner: str = "react"
    limits: Limits = Limits()
    sampling: SamplingSettings = SamplingSettings()
    history: HistoryPolicy = HistoryPolicy()
    tool_selection: ToolSelection | None = None
    decision_format: str = "auto"

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not AGENT_NAME.match(value):
            raise UsageError(
                f"agent name {value!r} is not valid: use a letter followed by letters, digits, "
                "'_' or '-' (at most 64 characters), e.g. 'researcher'"
            )
        return value

    @field_validator("planner")
    @classmethod
    def _check_planner(cls, value: str) -> str:
        from .planners import check_planner_name

        check_planner_name(value)
        return value

    @field_validator("decision_format")
    @classmethod
    def _check_decision_format(cls, value: str) -> str:
        from .decisions import check_format_name

        check_format_name(value)
        return value

    @field_validator("model")
    @classmethod
    def _check_model(cls, value: Any) -> Any:
        if isinstance(value, str) and ":" not in value:
            raise UsageError(
                f"model {value!r} is not a backend reference; write SCHEME:TARGET, "
                "e.g. 'llamacpp:default' or 'openai:http://127.0.0.1:8000/v1?model=NAME'"
            )
        return value

    @property
    def model_name(self) -> str:
        """The model reference or the backend's name, for events and traces."""
        return self.model if isinstance(self.model, str) else self.model.name

    # --- the Unit protocol (see interlace.agents.units) ---------------------------------

    @property
    def timeout_s(self) -> float | None:
        """The run's wall-clock limit: ``limits.timeout_s``."""
        return self.limits.timeout_s

    @property
    def members(self) -> Sequence[Any]:
        """An agent is made of no other units."""
        return ()

    def compile(self, checkpointer: Any = None) -> Any:
        """The agent's planner graph, compiled."""
        from .units import compile_agent

        return compile_agent(self, checkpointer)

    async def needs_approval(self) -> bool:
        """Whether any of the agent's tools needs human approval."""
        from .context import AgentContext

        return await AgentContext(self).needs_approval()

    def checkpoint_types(self) -> frozenset[type[Any]]:
        """The types the agent's planner keeps in its state."""
        from .planners import PLANNERS

        return frozenset(getattr(PLANNERS.get(self.planner), "checkpoint_types", ()))

    def fresh_run(self) -> dict[str, Any]:
        """A new turn's input: fresh run bookkeeping (steps, timeout, ...), the planner's
        own per-run fields included."""
        from .planners import PLANNERS
        from .state import fresh_run

        return fresh_run(getattr(PLANNERS.get(self.planner), "run_fields", None))
