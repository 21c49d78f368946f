"""Run batch items: one item with timeout and retries, many on an asyncio pool.

Retries follow errors and timeouts only (a run that stops early for another reason, say
``max_steps``, would stop the same way again). An item that continues a ``thread_id``
resumes the thread from its last checkpoint on a retry, so the tool calls that already
ran are not repeated; an item without one starts afresh.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any

import anyio

from interlace.protocols.errors import UsageError

from .items import BatchItem, BatchOptions, BatchResult

if TYPE_CHECKING:
    from interlace.agents.events import RunResult
    from interlace.agents.system import System

EventSink = Callable[[dict[str, Any]], None]
"""Receives each run event as a JSON-ready dict tagged with the item ``id`` and ``attempt``."""

RETRYABLE = frozenset({"error", "timeout"})


async def run_item(
    system: System, item: BatchItem, options: BatchOptions, on_event: EventSink | None = None
) -> BatchResult:
    """Run one item to a result; never raises for a failing run (the result says it)."""
    started = time.perf_counter()
    error = ""
    resume = False
    attempts = options.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            with anyio.fail_after(options.timeout_s):
                result = await _attempt(system, item, attempt, on_event, resume)
        except TimeoutError:
            error = f"timed out after {options.timeout_s:g} s"
            resume = item.thread_id is not None
        except UsageError as problem:  # a bad item (an unknown agent, ...): retrying won't help
            return failed(item, f"{type(problem).__name__}: {problem}", attempt, started)
        except Exception as problem:
            error = f"{type(problem).__name__}: {problem}"
            resume = False
        else:
            if result.stop_reason not in RETRYABLE:
                return finished(item, result, attempt, started)
            error = f"{result.stop_reason}: {result.detail}"
            resume = item.thread_id is not None
        if attempt < attempts:
            await anyio.sleep(options.delay(attempt))
    return failed(item, error, attempts, started)


async def _attempt(
    system: System, item: BatchItem, attempt: int, on_event: EventSink | None, resume: bool
) -> RunResult:
    if resume and item.thread_id is not None:
        return await system.resume(item.thread_id, None, agent=item.agent)
    task: Any = item.input
    if on_event is None:
        ran: RunResult = await system.run(task, agent=item.agent, thread_id=item.thread_id)
        return ran
    outcome: RunResult | None = None
    async for event in system.stream(task, agent=item.agent, thread_id=item.thread_id):
        if event.type == "done":
            outcome = event.result
        else:
            on_event({"id": item.id, "attempt": attempt, **event.model_dump(mode="json")})
    if outcome is None:
        raise RuntimeError("the run ended without a result")  # pragma: no cover
    return outcome


def finished(item: BatchItem, result: RunResult, attempts: int, started: float) -> BatchResult:
    """The result line of a run that ended (with a final answer or stopped early)."""
    return BatchResult(
        id=item.id,
        status="done" if result.stop_reason == "final" else "stopped",
        output=result.output,
        stop_reason=result.stop_reason,
        detail=result.detail,
        agent=result.agent,
        thread_id=result.thread_id,
        attempts=attempts,
        elapsed_s=round(time.perf_counter() - started, 4),
        usage_by_agent=dict(result.usage_by_agent),
        metadata=item.metadata,
    )


def failed(item: BatchItem, error: str, attempts: int, started: float) -> BatchResult:
    """The result line of an item whose every attempt failed."""
    return BatchResult(
        id=item.id,
        status="failed",
        error=error,
        agent=item.agent,
        thread_id=item.thread_id,
        attempts=attempts,
        elapsed_s=round(time.perf_counter() - started, 4),
        metadata=item.metadata,
    )


async def run_local(
    system: System,
    items: Sequence[BatchItem],
    options: BatchOptions,
    on_event: EventSink | None = None,
) -> AsyncIterator[BatchResult]:
    """Run ``items`` on ``options.concurrency`` asyncio tasks; yield results as they end."""
    queue: asyncio.Queue[BatchResult] = asyncio.Queue()
    pending = iter(items)

    async def worker() -> None:
        for item in pending:  # one shared iterator: each item is taken once
            await queue.put(await run_item(system, item, options, on_event))

    workers = [asyncio.create_task(worker()) for _ in range(min(options.concurrency, len(items)))]
    try:
        for _ in range(len(items)):
            yield await queue.get()
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
