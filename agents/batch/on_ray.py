"""Run batch items on Ray: one actor per worker holds a built system.

Each worker loads the config and builds its :class:`~interlace.agents.system.System` once
(so a model loads once per worker, not once per item), then runs items with the same
timeout and retry rules as the local pool. The driver keeps at most ``concurrency``
items in flight in total, spread over the workers. Ray comes from the ``scale`` extra and
is imported only here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from interlace.protocols.errors import RunFailure, UsageError

from .items import BatchItem, BatchOptions, BatchResult
from .local import EventSink, run_item

if TYPE_CHECKING:
    from interlace.agents.system import System

RAY_MISSING = "running a batch on Ray needs the scale extra: pip install 'interlace[scale]'"


@dataclass(frozen=True)
class SystemSource:
    """How a worker builds the system: the config file (absolute) and ``--set`` overrides."""

    path: str
    overrides: tuple[str, ...] = ()

    def build(self) -> System:
        """Load the config and build the system."""
        from interlace.agents.config import load_config
        from interlace.agents.system import build_system

        return build_system(load_config(self.path, list(self.overrides)))


@dataclass(frozen=True)
class RaySettings:
    """Where and how wide: ``address`` is ``auto`` (the running cluster), ``local`` (start
    one for this batch) or a cluster address; ``workers`` actors (default: one per CPU
    of the cluster), each reserving ``worker_cpus`` CPUs and ``worker_gpus`` GPUs."""

    address: str = "auto"
    workers: int | None = None
    worker_cpus: float = 1.0
    worker_gpus: float = 0.0


def import_ray() -> Any:
    """``ray``, or a one-line error naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise UsageError(RAY_MISSING) from None
    return ray


def connect(address: str) -> Any:
    """Join (or, for ``local``, start) the Ray cluster; returns the ``ray`` module."""
    ray = import_ray()
    if ray.is_initialized():
        return ray
    try:
        ray.init(
            address=None if address == "local" else address,
            logging_level=logging.WARNING,
            log_to_driver=False,
            include_dashboard=False,
            configure_logging=True,
        )
    except ConnectionError as error:
        hint = "start one with `ray start --head`, or use --ray local"
        raise UsageError(f"cannot join the Ray cluster at {address!r} ({error}); {hint}") from None
    return ray


class BatchWorker:
    """The actor: a built system that runs items (``run``) or streams their events."""

    def __init__(self, source: SystemSource, options: BatchOptions) -> None:
        self.system = source.build()
        self.options = options
        self.name = f"ray:{socket.gethostname()}:{os.getpid()}"

    async def ready(self) -> str:
        """The worker's name, once its system is built."""
        return self.name

    async def run(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Run one item; its result as JSON-ready data."""
        result = await run_item(self.system, BatchItem.model_validate(raw), self.options)
        return self._tagged(result)

    async def stream(self, raw: dict[str, Any]) -> Any:
        """Run one item, yielding its events and finally ``{"result": ...}``."""
        events: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        item = BatchItem.model_validate(raw)
        task = asyncio.create_task(run_item(self.system, item, self.options, events.put_nowait))
        task.add_done_callback(lambda _: events.put_nowait(None))
        while (event := await events.get()) is not None:
            yield event
        yield {"result": self._tagged(await task)}

    def _tagged(self, result: BatchResult) -> dict[str, Any]:
        return result.model_copy(update={"worker": self.name}).model_dump(mode="json")

    async def close(self) -> None:
        """Close the system's toolsets, stores and backends."""
        await self.system.aclose()


async def run_on_ray(
    source: SystemSource,
    items: Sequence[BatchItem],
    options: BatchOptions,
    settings: RaySettings,
    on_event: EventSink | None = None,
) -> AsyncIterator[BatchResult]:
    """Run ``items`` on Ray workers; yield results as they end. A Ray connection made here
    is closed at the end; one the caller made (``ray.init``) stays open."""
    owned = not import_ray().is_initialized()
    ray = connect(settings.address)
    count = settings.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    count = max(1, min(count, len(items), options.concurrency))
    per_worker = math.ceil(options.concurrency / count)
    actor = ray.remote(BatchWorker).options(
        max_concurrency=per_worker,
        num_cpus=settings.worker_cpus,
        num_gpus=settings.worker_gpus,
        max_restarts=1,
        max_task_retries=1,
    )
    workers = [actor.remote(source, options) for _ in range(count)]
    await _started(ray, workers, owned)
    queue: asyncio.Queue[BatchResult] = asyncio.Queue()
    pending = iter(items)

    async def slot(worker: Any) -> None:
        for item in pending:  # one shared iterator: each item is taken once
            await queue.put(await _remote(ray, worker, item, on_event))

    slots = [asyncio.create_task(slot(w)) for w in workers for _ in range(per_worker)]
    try:
        for _ in range(len(items)):
            yield await queue.get()
    finally:
        for task in slots:
            task.cancel()
        await asyncio.gather(*slots, return_exceptions=True)
        await _stop(ray, workers, owned)


async def _remote(
    ray: Any, worker: Any, item: BatchItem, on_event: EventSink | None
) -> BatchResult:
    raw = item.model_dump(mode="json")
    try:
        if on_event is None:
            return BatchResult.model_validate(await worker.run.remote(raw))
        async for ref in worker.stream.options(num_returns="streaming").remote(raw):
            data = await ref
            if "result" in data:
                return BatchResult.model_validate(data["result"])
            on_event(data)
    except ray.exceptions.RayError as error:
        return BatchResult(
            id=item.id, status="failed", error=f"the Ray worker failed: {_first_line(error)}"
        )
    raise RuntimeError("the worker's stream ended without a result")  # pragma: no cover


async def _started(ray: Any, workers: list[Any], owned: bool) -> None:
    """Wait until every worker built its system; a worker that cannot ends the batch."""
    try:
        await asyncio.gather(*(worker.ready.remote() for worker in workers))
    except ray.exceptions.RayError as error:
        await _stop(ray, workers, owned)
        raise RunFailure(
            f"the Ray workers could not build the system: {_first_line(error)}"
        ) from None


def _first_line(error: BaseException) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


async def _stop(ray: Any, workers: list[Any], owned: bool) -> None:
    """Close each worker's system, end the actors, and leave the cluster if we joined it."""
    # a worker that cannot close cleanly is killed below
    with contextlib.suppress(TimeoutError, ray.exceptions.RayError):
        await asyncio.wait_for(asyncio.gather(*(w.close.remote() for w in workers)), 30)
    for worker in workers:
        ray.kill(worker)
    if owned:
        ray.shutdown()
