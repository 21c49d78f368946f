"""Run an agent or a graph: ``run`` to a result, ``stream`` events, ``resume`` after a pause.

``target`` is any :class:`~interlace.agents.units.Unit` (an
:class:`~interlace.agents.Agent` or a :class:`~interlace.agents.graph.Graph`); ``input``
a string (one user message) or a list of messages. Guards, interrupts and backend
failures end a run with a ``stop_reason``; misuse raises a ``UsageError``. The functions
are exported as ``interlace.agents.run`` and friends.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, aclosing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import anyio

from interlace.protocols import Message, SamplingSettings
from interlace.protocols.errors import RunFailure, UsageError

from . import tracing
from .context import SAMPLING_KEY, STREAMING_KEY
from .events import (
    ApprovalRequest,
    Decision,
    DoneEvent,
    InterruptEvent,
    NodeEnterEvent,
    NodeExitEvent,
    RunError,
    RunEvent,
    RunResult,
    StopReason,
    TextDeltaEvent,
    ToolCallEvent,
    ToolResultEvent,
    ToolSelectionEvent,
)
from .state import State, last_answer, total_usage
from .units import Unit, compile_unit

if TYPE_CHECKING:
    from .agent import Agent

Checkpointer = Any  # a LangGraph saver, a path to an SQLite file, or a CheckpointStore
Input = str | Message | list[Message]
DecisionInput = Decision | Mapping[str, Decision] | None
UNIT_KEY = "interlace_unit"
"""Checkpoint metadata key naming the agent or graph that ran a thread (thread lists read it)."""
# Limits.max_steps and Graph.max_hops bound runs; LangGraph's own step limit stays out of the way.
_RECURSION_LIMIT = 100_000
INTERRUPT_KEY = "__interrupt__"  # LangGraph's key for the interrupts in a values chunk
_CLOSE_WAIT_S = 60.0


@dataclass
class _Run:
    """One execution: the compiled graph, its config and what came out."""

    target: Unit
    thread_id: str | None
    graph: Any = None
    config: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    stop: tuple[StopReason, str] | None = None
    error: RunError | None = None
    pending: tuple[ApprovalRequest, ...] | None = None  # read once the graph has stopped
    interrupted: bool = False  # the stream reported an interrupt (any namespace)


def _messages(input: Input) -> list[Message]:
    if isinstance(input, str):
        return [Message.user(input)]
    if isinstance(input, Message):
        return [input]
    if isinstance(input, list) and all(isinstance(item, Message) for item in input):
        return list(input)
    raise UsageError(
        f"run input must be a string or a list of interlace Message objects, "
        f"got {type(input).__name__}"
    )


async def run(
    target: Unit,
    input: Input,
    *,
    thread_id: str | None = None,
    checkpointer: Checkpointer = None,
    sampling: SamplingSettings | None = None,
) -> RunResult:
    """Run ``target`` on ``input`` to the end (or to an interrupt) and return the result.

    ``sampling`` overrides the agents' sampling settings (the fields it sets) for every
    model call of this run, e.g. a server request's ``max_tokens``.
    """
    messages = _messages(input)
    return await _final(_drive(target, messages, thread_id, checkpointer, False, sampling=sampling))


def stream(
    target: Unit,
    input: Input,
    *,
    thread_id: str | None = None,
    checkpointer: Checkpointer = None,
    sampling: SamplingSettings | None = None,
) -> AsyncIterator[RunEvent]:
    """Run ``target`` and yield its events: text deltas, tool calls and results, node
    enter/exit, interrupts, and finally a :class:`DoneEvent` carrying the result."""
    return _drive(target, _messages(input), thread_id, checkpointer, True, sampling=sampling)


async def resume(
    target: Unit,
    thread_id: str,
    decision: DecisionInput = None,
    *,
    checkpointer: Checkpointer = None,
) -> RunResult:
    """Continue a paused or killed run of ``thread_id`` from its last checkpoint.

    ``decision`` answers pending approvals: one :class:`Decision` for all of them, or a
    mapping from tool call id (or interrupt id) to a decision. ``None`` continues a run
    that was cut off (crash, kill) without a pause.
    """
    return await _final(_drive(target, decision, thread_id, checkpointer, False, resuming=True))


def resume_stream(
    target: Unit,
    thread_id: str,
    decision: DecisionInput = None,
    *,
    checkpointer: Checkpointer = None,
) -> AsyncIterator[RunEvent]:
    """Like :func:`resume`, yielding events."""
    return _drive(target, decision, thread_id, checkpointer, True, resuming=True)


async def _final(events: AsyncGenerator[RunEvent, None]) -> RunResult:
    async with aclosing(events):
        async for event in events:
            if isinstance(event, DoneEvent):
                return event.result
    raise RuntimeError("run ended without a result")  # pragma: no cover


async def _drive(
    target: Unit,
    payload: Any,
    thread_id: str | None,
    checkpointer: Checkpointer,
    streaming: bool,
    *,
    resuming: bool = False,
    sampling: SamplingSettings | None = None,
) -> AsyncGenerator[RunEvent, None]:
    if resuming and thread_id is None:
        raise UsageError("resume() needs the thread_id of the run to continue")
    async with AsyncExitStack() as stack:
        saver = await _open_checkpointer(stack, target, thread_id, checkpointer, resuming)
        if saver is not None and thread_id is None:
            thread_id = uuid.uuid4().hex
        current = _Run(target, thread_id)
        current.graph = compile_unit(target, saver)
        configurable: dict[str, Any] = {STREAMING_KEY: streaming}
        if sampling is not None:
            configurable[SAMPLING_KEY] = sampling
        if thread_id is not None:
            configurable["thread_id"] = thread_id
        current.config = {
            "configurable": configurable,
            "recursion_limit": _RECURSION_LIMIT,
            "metadata": {UNIT_KEY: target.name},
        }
        graph_input = await _start(current, payload, resuming)
        with tracing.run_span(target.name):
            # aclosing: a consumer that stops early closes _events in its own task
            async with aclosing(_events(current, graph_input, streaming)) as events:
                async for event in events:
                    yield event
            result = await _result(current)
    yield DoneEvent(agent=target.name, result=result)  # after the checkpointer closed


def durability(saver: Any) -> str | None:
    """When LangGraph saves a step's checkpoint: before the next step starts (``sync``)
    with a saver that outlives the process (SQLite, PostgreSQL, any other), so a killed
    run loses no finished tool call and repeats none; while the next step runs
    (``async``, LangGraph's default) with an in-memory saver, whose threads die with the
    process anyway (same state at the end of every run, less waiting per step)."""
    from langgraph.checkpoint.memory import InMemorySaver

    if saver is None:
        return None
    return "async" if isinstance(saver, InMemorySaver) else "sync"


async def _open_checkpointer(
    stack: AsyncExitStack, target: Unit, thread_id: str | None, given: Any, resuming: bool
) -> Any:
    from .checkpointers import CheckpointStore
    from .checkpoints import memory_checkpointer, register_types, sqlite_checkpointer

    if isinstance(given, str | Path):
        saver = await stack.enter_async_context(sqlite_checkpointer(given))
    elif isinstance(given, CheckpointStore):
        saver = await stack.enter_async_context(given.open())
    elif given is not None:
        saver = given
    elif thread_id is not None or resuming or await target.needs_approval():
        saver = memory_checkpointer()
    else:
        return None
    return register_types(saver, target.checkpoint_types())


async def _start(current: _Run, payload: Any, resuming: bool) -> Any:
    """The graph input: new messages (after repairing a thread a crash left with
    unanswered tool calls), or a resume (marking the calls a crash cut off)."""
    from . import repair

    if current.graph.checkpointer is None or current.thread_id is None:
        return {"messages": payload}
    if not resuming:
        fixes = []
        if not current.target.members:  # an agent: its own tools answer what a crash cut off
            agent = cast("Agent", current.target)
            fixes = await repair.repaired_history(current.graph, current.config, agent)
        # a new turn: fresh run bookkeeping (steps, timeout, stop, ...), same conversation
        return {**current.target.fresh_run(), "messages": [*fixes, *payload]}
    if payload is None:
        if not (await current.graph.aget_state(current.config)).next:
            raise UsageError(
                f"thread {current.thread_id!r} has no unfinished run to continue; send it a "
                "new message instead (threads kept in memory end with their process: set "
                "checkpoints.path to continue a run in another process)"
            )
        ids = await repair.interrupted_ids(current.graph, current.config)
        current.config["configurable"][repair.INTERRUPTED_KEY] = ids
    return await _graph_input(current, payload)


async def _graph_input(current: _Run, decision: DecisionInput) -> Any:
    from langgraph.types import Command

    if decision is None:
        return None
    if isinstance(decision, Decision):
        pending = await _pending(current)
        if len(pending) <= 1:
            return Command(resume=decision)
        return Command(resume={item.interrupt_id: decision for item in pending})
    by_id = {}
    for item in await _pending(current):
        choice = decision.get(item.call.id) or decision.get(item.interrupt_id)
        if choice is not None:
            by_id[item.interrupt_id] = choice
    if not by_id:
        raise UsageError(
            "none of the decisions names a pending tool call; key them by the tool call id "
            "shown in RunResult.pending"
        )
    return Command(resume=by_id)


async def _events(
    current: _Run, graph_input: Any, streaming: bool
) -> AsyncGenerator[RunEvent, None]:
    modes = ["custom", "values"] if streaming else ["values"]
    items = current.graph.astream(
        graph_input,
        current.config,
        stream_mode=modes,
        subgraphs=streaming,
        durability=durability(current.graph.checkpointer),
    )
    try:
        with anyio.fail_after(current.target.timeout_s):
            async with aclosing(_pumped(items, _sorter(current, streaming))) as events:
                async for event in events:
                    yield event
    except TimeoutError:
        current.stop = ("timeout", f"the run took longer than timeout_s={current.target.timeout_s}")
    except RunFailure as exc:
        current.stop = ("error", f"{type(exc).__name__}: {exc}")
        current.error = RunError.of(exc)
    if current.stop is None:
        # the graph's state is read back only when the stream showed an interrupt (or no
        # state at all); a run that went through has its state from the stream already
        current.pending = (
            await _pending(current) if current.interrupted or not current.state else ()
        )
        if current.pending:
            yield InterruptEvent(agent=current.pending[0].agent, pending=current.pending)


def _sorter(current: _Run, streaming: bool) -> Callable[[Any], RunEvent | None]:
    """Sorts the graph's stream items: state values are kept as the run's state (the
    top-level ones), events are passed on, anything else is dropped."""

    def sort(item: Any) -> RunEvent | None:
        mode, chunk = item[-2], item[-1]
        if mode == "values":
            if INTERRUPT_KEY in chunk:
                current.interrupted = True
            if not (streaming and item[0]):  # top-level values only
                current.state = chunk
            return None
        return chunk if isinstance(chunk, _EVENT_TYPES) else None

    return sort


async def _pumped(
    items: AsyncGenerator[Any, None], sort: Callable[[Any], RunEvent | None]
) -> AsyncGenerator[RunEvent, None]:
    """The events of the graph's stream (``sort`` picks them and keeps the rest), which a
    task of its own iterates; only events cross over to the consumer.

    LangGraph cleans up (cancels the nodes still running and waits for them) when its
    stream is cancelled once, the asyncio way; a cancelled anyio scope cancels again at
    every step of that clean-up and cuts it short, leaving a node (a model generating)
    to run on in the background. So the stream runs in a plain task, and a consumer that
    leaves (an answer, a timeout, Ctrl-C) cancels that task once and waits, shielded,
    until the graph has stopped.
    """
    queue: asyncio.Queue[Any] = asyncio.Queue()
    end = object()

    async def pump() -> None:
        try:
            async for item in items:
                if (event := sort(item)) is not None:
                    queue.put_nowait(event)
        finally:
            queue.put_nowait(end)

    task = asyncio.create_task(pump())
    try:
        while (item := await queue.get()) is not end:
            yield item
        await task  # its exception, if it failed
    finally:
        task.cancel()
        with anyio.CancelScope(shield=True), anyio.move_on_after(_CLOSE_WAIT_S):
            await asyncio.wait([task])
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: already raised above, or moot after an early exit


async def _pending(current: _Run) -> tuple[ApprovalRequest, ...]:
    if current.graph.checkpointer is None or current.thread_id is None:
        return ()
    snapshot = await current.graph.aget_state(current.config)
    if not snapshot.values and not snapshot.tasks:
        return ()
    if not current.state:
        current.state = dict(snapshot.values)
    pending = []
    for interrupt in snapshot.interrupts:
        value = interrupt.value
        if isinstance(value, ApprovalRequest):
            pending.append(value.model_copy(update={"interrupt_id": interrupt.id}))
    return tuple(pending)


async def _result(current: _Run) -> RunResult:
    state: State = current.state  # type: ignore[assignment]
    messages = list(state.get("messages", []))
    usage_by_agent = dict(state.get("usage", {}))
    pending = current.pending or ()
    reason: StopReason = "final"
    detail = ""
    if current.stop is not None:
        reason, detail = current.stop
    elif pending:
        reason, detail = "interrupted", f"{len(pending)} tool call(s) wait for approval"
    elif state.get("stop") is not None:
        stop = state["stop"]
        assert stop is not None
        reason, detail = stop.reason, stop.detail
    elif state.get("cut_off"):
        reason = "length"
        detail = "the answer was cut off at the model call's max_tokens; raise sampling.max_tokens"
    return RunResult(
        output=last_answer(messages),
        messages=tuple(messages),
        usage=total_usage(usage_by_agent),
        usage_by_agent=usage_by_agent,
        stop_reason=reason,
        detail=detail,
        agent=current.target.name,
        thread_id=current.thread_id,
        pending=pending,
        error=current.error,
    )


_EVENT_TYPES = (
    TextDeltaEvent,
    ToolCallEvent,
    ToolResultEvent,
    ToolSelectionEvent,
    NodeEnterEvent,
    NodeExitEvent,
    InterruptEvent,
)


__all__ = [
    "ApprovalRequest",
    "Decision",
    "DoneEvent",
    "RunError",
    "RunEvent",
    "RunResult",
    "StopReason",
    "resume",
    "resume_stream",
    "run",
    "stream",
]
