"""What a run produces: the event stream and the final result, each naming its agent."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from interlace.protocols import Message, ToolCall, ToolResult, Usage

StopReason = Literal[
    "final", "length", "max_steps", "max_tokens", "timeout", "loop", "interrupted", "error"
]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agent: str


class TextDeltaEvent(_Event):
    """A piece of model answer text."""

    type: Literal["text"] = "text"
    text: str


class ToolCallEvent(_Event):
    """A tool call is about to run."""

    type: Literal["tool_call"] = "tool_call"
    call: ToolCall


class ToolResultEvent(_Event):
    """A tool call finished (``result.is_error`` for failures the model sees)."""

    type: Literal["tool_result"] = "tool_result"
    result: ToolResult


class OfferedTool(BaseModel):
    """A tool offered to a model call: its similarity to the conversation (``None`` when
    it was not ranked) and why it was offered (``top_k``: ranked among the best;
    ``always``: named in the selection's ``always``; ``unranked``: no selection covers it,
    as for a graph's handoff tools)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    score: float | None = None
    reason: Literal["top_k", "always", "unranked"] = "top_k"


class ToolSelectionEvent(_Event):
    """A tool selection chose the tools offered to the next model call (``total``: how
    many the agent has; ``query``: the conversation text they were ranked against)."""

    type: Literal["tool_selection"] = "tool_selection"
    offered: tuple[OfferedTool, ...]
    total: int
    query: str = ""


class NodeEnterEvent(_Event):
    """An agent or graph node started."""

    type: Literal["node_enter"] = "node_enter"
    node: str


class NodeExitEvent(_Event):
    """An agent or graph node finished."""

    type: Literal["node_exit"] = "node_exit"
    node: str


class ApprovalRequest(BaseModel):
    """A tool call waiting for a human decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agent: str
    call: ToolCall
    interrupt_id: str = ""


class InterruptEvent(_Event):
    """The run paused: tool calls wait for approval; continue with ``resume``."""

    type: Literal["interrupt"] = "interrupt"
    pending: tuple[ApprovalRequest, ...]


class Decision(BaseModel):
    """A human decision on a tool call: approve, reject (the model is told) or edit.

    ``Decision.approve()``, ``Decision.reject("why")``, ``Decision.edit({"x": 1})``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Literal["approve", "reject", "edit"]
    reason: str = ""
    arguments: dict[str, Any] | None = None

    @classmethod
    def approve(cls) -> Decision:
        """Run the call as the model asked."""
        return cls(action="approve")

    @classmethod
    def reject(cls, reason: str = "") -> Decision:
        """Do not run the call; the model gets an error result carrying ``reason``."""
        return cls(action="reject", reason=reason)

    @classmethod
    def edit(cls, arguments: dict[str, Any]) -> Decision:
        """Run the call with these arguments instead."""
        return cls(action="edit", arguments=dict(arguments))


class RunError(BaseModel):
    """The failure that ended a run with ``stop_reason="error"``.

    ``type`` is the exception's class name (``ContextOverflowError``, ``BackendError``,
    ...); a context overflow also carries both token counts, a failure worth retrying
    later (a full model queue, an unavailable upstream) the seconds to wait.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    message: str
    prompt_tokens: int | None = None
    context_window: int | None = None
    retry_after: float | None = None

    @classmethod
    def of(cls, exc: BaseException) -> RunError:
        """The error record of ``exc``."""
        return cls(
            type=type(exc).__name__,
            message=str(exc),
            prompt_tokens=getattr(exc, "prompt_tokens", None),
            context_window=getattr(exc, "context_window", None),
            retry_after=getattr(exc, "retry_after", None),
        )


class RunResult(BaseModel):
    """The outcome of a run.

    ``output`` is the final answer text; ``messages`` the conversation (without system
    prompts); ``usage`` the tokens of the whole run and ``usage_by_agent`` per agent.
    ``stop_reason`` says why the run ended (``"length"``: the answer was cut off at the
    model call's ``max_tokens``); ``detail`` explains non-final stops; ``error`` describes
    the failure of an ``"error"`` stop; ``pending`` lists the approvals an
    ``"interrupted"`` run waits for.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    output: str
    messages: tuple[Message, ...] = ()
    usage: Usage = Usage()
    usage_by_agent: dict[str, Usage] = Field(default_factory=dict)
    stop_reason: StopReason = "final"
    detail: str = ""
    agent: str = ""
    thread_id: str | None = None
    pending: tuple[ApprovalRequest, ...] = ()
    error: RunError | None = None

    @property
    def interrupted(self) -> bool:
        """Whether the run waits for approvals."""
        return self.stop_reason == "interrupted"


class DoneEvent(_Event):
    """The run ended; carries the result."""

    type: Literal["done"] = "done"
    result: RunResult


RunEvent = Annotated[
    TextDeltaEvent
    | ToolCallEvent
    | ToolResultEvent
    | ToolSelectionEvent
    | NodeEnterEvent
    | NodeExitEvent
    | InterruptEvent
    | DoneEvent,
    Field(discriminator="type"),
]
