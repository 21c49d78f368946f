"""The two steps every planner is built from: a guarded model call and one tool call.

Every model request passes :func:`prepare_request` on its way to the backend: the one
place where per-call request transforms (``AgentContext.transforms``: a history policy,
a tool selection, ...) rewrite it.
"""

from __future__ import annotations

from collections.abc import Awaitable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

    from .decisions import TextFilter

from interlace.protocols import (
    Done,
    Message,
    ModelRequest,
    ModelResponse,
    ResponseFormat,
    TextDelta,
    ToolCall,
    ToolResult,
)
from interlace.tools.context import Approval, RunContext, running

from . import guards, tracing
from .context import AgentContext, RequestTransform, emit, is_streaming, sampling_for
from .events import ApprovalRequest, Decision, TextDeltaEvent, ToolCallEvent, ToolResultEvent
from .history import complete_within_history
from .repair import interrupted_result, is_interrupted
from .state import State, Stop


class ToolTask(TypedDict):
    """The input of one tool-call task (sent with LangGraph's ``Send``)."""

    call: ToolCall


@dataclass
class ModelOutcome:
    """A guarded model call: the response (``None`` when a guard stopped first) and the
    state update to return (usage, step count, call counts, stop)."""

    response: ModelResponse | None
    update: dict[str, Any] = field(default_factory=dict)

    @property
    def stopped(self) -> bool:
        """Whether a guard ended the agent."""
        return self.update.get("stop") is not None


async def call_model(
    ctx: AgentContext,
    state: State,
    config: RunnableConfig,
    messages: list[Message],
    *,
    response_format: ResponseFormat | None = None,
    use_tools: bool = True,
) -> ModelOutcome:
    """Call the agent's model on ``messages`` (system prompt included by the caller),
    applying the step, timeout, token and loop guards."""
    agent, limits = ctx.agent, ctx.agent.limits
    now = guards.now()
    started = state.get("started") or now
    stop = guards.before_model(agent.name, limits, {**state, "started": started}, now)
    if stop is not None:
        return ModelOutcome(None, {"stop": stop})
    thread = thread_of(config)
    request = ModelRequest(
        messages=tuple(messages),
        tools=await ctx.tool_specs() if use_tools else (),
        response_format=response_format,
        settings=sampling_for(agent, config),
        cache_key=f"{agent.name}:{thread}" if thread else agent.name,
    )
    if ctx.transforms:
        request = await prepare_request(ctx, request, RunContext(agent.name, thread))
    with tracing.model_span(agent.name, agent.model_name) as span:
        response = await _decide(ctx, request, is_streaming(config))
        if span.is_recording():
            span.set_attribute("gen_ai.usage.input_tokens", response.usage.input_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", response.usage.output_tokens)
            span.set_attribute("gen_ai.response.finish_reasons", [response.finish_reason])
    stop, counts = guards.after_model(agent.name, limits, state, response)
    update: dict[str, Any] = {
        "usage": {agent.name: response.usage},
        "steps": state.get("steps", 0) + 1,
    }
    # channels that did not change are not written (each write costs the graph a step's work)
    if state.get("started") is None:
        update["started"] = started
    if response.tool_calls:
        update["counts"] = counts
    cut_off = response.finish_reason == "length" and not response.tool_calls
    if cut_off or state.get("cut_off"):
        update["cut_off"] = cut_off
    if stop is not None:
        update["stop"] = stop
    return ModelOutcome(response, update)


async def prepare_request(
    ctx: AgentContext, request: ModelRequest, run: RunContext
) -> ModelRequest:
    """Apply the agent's per-call request transforms, in order (each gets the request and
    the run context, and returns the request to send)."""
    for transform in ctx.transforms:
        request = await transform(request, run)
    return request


def request_transforms(ctx: AgentContext) -> tuple[RequestTransform, ...]:
    """The transforms an agent's model requests pass, in order: first its tool selection
    (:mod:`interlace.agents.tool_selection`), so later steps see only the offered tools."""
    from .tool_selection import ToolSelector

    return (ToolSelector(ctx),)


def thread_of(config: Any) -> str | None:
    """The run's thread id (``None`` for a run without one)."""
    thread = config.get("configurable", {}).get("thread_id")
    return str(thread) if thread is not None else None


async def _decide(ctx: AgentContext, request: ModelRequest, streaming: bool) -> ModelResponse:
    """The model's decision through the agent's decision format, within its history
    policy. Streaming, the answer text goes out as the model writes it (what the format
    shows of its output); an answer that was never written out (a result handed on) goes
    out in one piece."""
    decisions = ctx.decisions
    shown: list[str] = []

    async def send(fitted: ModelRequest) -> ModelResponse:
        def backend(sent: ModelRequest) -> Awaitable[ModelResponse]:
            return _complete(ctx, sent, decisions.visible_text() if streaming else None, shown)

        return await decisions.decide(fitted, backend)

    response = await complete_within_history(ctx, request, send)
    if streaming and not shown and response.message.text and not response.tool_calls:
        emit(TextDeltaEvent(agent=ctx.name, text=response.message.text))
    return response


async def _complete(
    ctx: AgentContext, request: ModelRequest, visible: TextFilter | None, shown: list[str]
) -> ModelResponse:
    """One backend call; streaming (``visible`` given), the visible part of each text
    delta goes to the event stream (and into ``shown``)."""
    if visible is None:
        return await ctx.backend.complete(request)
    # aclosing: a backend holding a model while it streams lets go as soon as we leave
    async with aclosing(ctx.backend.stream(request)) as events:  # type: ignore[type-var]
        async for event in events:
            if isinstance(event, TextDelta):
                text = visible(event.text)
                if text:
                    shown.append(text)
                    emit(TextDeltaEvent(agent=ctx.name, text=text))
            elif isinstance(event, Done):
                return event.response
    from interlace.protocols.errors import BackendError

    raise BackendError(f"{ctx.backend.name}: stream ended without a final response")


def tool_node(ctx: AgentContext) -> Any:
    """A node running one tool call, asking for approval first where the tool needs it."""

    async def tool(task: ToolTask, config: RunnableConfig) -> dict[str, Any]:
        call = task["call"]
        approval: Approval = "not_needed"
        streaming = is_streaming(config)  # events are built only when someone listens
        toolset = await ctx.owner(call.name)
        if is_interrupted(call, config) and not (toolset and toolset.is_idempotent(call.name)):
            result = interrupted_result(call)  # a crash cut it off: not repeated
            if streaming:
                emit(ToolResultEvent(agent=ctx.name, result=result))
            return {"messages": [result.to_message()], "tool_errors": 1}
        if toolset is not None and toolset.requires_approval(call.name):
            decided = _ask_approval(ctx.name, call)
            if isinstance(decided, ToolResult):
                if streaming:
                    emit(ToolResultEvent(agent=ctx.name, result=decided))
                return {"messages": [decided.to_message()], "tool_errors": 1}
            approval = "approved" if decided is call else "edited"
            call = decided
        if streaming:
            emit(ToolCallEvent(agent=ctx.name, call=call))
        context = RunContext(ctx.name, thread_of(config), call.id, approval)
        with tracing.tool_span(ctx.name, call.name, call.id) as span, running(context):
            result = await ctx.call_tool(call)
            if span.is_recording():
                span.set_attribute("interlace.tool.is_error", result.is_error)
        if streaming:
            emit(ToolResultEvent(agent=ctx.name, result=result))
        update: dict[str, Any] = {"messages": [result.to_message()]}
        if result.is_error:
            update["tool_errors"] = 1
        handoff = (result.structured or {}).get("handoff")
        if isinstance(handoff, str) and not result.is_error:
            update["route"] = handoff
        return update

    return tool


def _ask_approval(agent: str, call: ToolCall) -> ToolCall | ToolResult:
    """Interrupt for a human decision; the approved call, or the rejection result."""
    from langgraph.types import interrupt

    raw = interrupt(ApprovalRequest(agent=agent, call=call))
    decision = raw if isinstance(raw, Decision) else Decision.model_validate(raw)
    if decision.action == "reject":
        reason = f": {decision.reason}" if decision.reason else ""
        return ToolResult(
            tool_call_id=call.id,
            name=call.name,
            content=f"the user rejected this call to {call.name}{reason}",
            is_error=True,
        )
    if decision.action == "edit":
        return call.model_copy(update={"arguments": dict(decision.arguments or {})})
    return call


def tool_sends(node: str, message: Message) -> list[Any]:
    """One ``Send`` per tool call of ``message`` to the tool node (run concurrently)."""
    from langgraph.types import Send

    return [Send(node, ToolTask(call=call)) for call in message.tool_calls]


__all__ = ["ModelOutcome", "Stop", "ToolTask", "call_model", "tool_node", "tool_sends"]
