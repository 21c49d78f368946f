"""Blocking model work on its own thread, owning the model's admission from start to end.

``async with held_work(admission, work) as job: async for item in job: ...`` waits in
the model's line, then runs ``work(cancel, send)`` on a fresh thread. ``work`` produces
items with ``send`` and checks ``cancel`` between steps (a llama.cpp generation: before
every token). However the consumer leaves (an answer, an error, a timeout, a cancelled
task, Ctrl-C), ``cancel`` is set and the thread finishes its current step, cleans up and
releases the model itself: the context is never freed or reused while that step still
runs, and no thread outlives its run holding the model. The consumer waits (shielded)
for that release before it goes on, so a timeout answer is sent after the model is free.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

import anyio

from .admission import Admission

T = TypeVar("T")
R = TypeVar("R")
Work = Callable[[threading.Event, Callable[[T], None]], R]
# How long a leaving consumer waits for the thread's current step (one token, or one
# prompt batch) before it goes on without it; the thread still releases the model.
STOP_WAIT_S = 30.0
_JOIN_S = 1.0


class _End:
    pass


_END = _End()


class Job(Generic[T, R]):
    """One piece of work running on its thread; iterate it for the items it sends."""

    def __init__(self, work: Work[T, R], release: Callable[[], None], name: str) -> None:
        self.cancel = threading.Event()
        self._work = work
        self._release = release
        self._loop = asyncio.get_running_loop()
        self._items: asyncio.Queue[T | _End] = asyncio.Queue()
        self._done = asyncio.Event()
        self._result: R | None = None
        self._finished = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name)

    @property
    def result(self) -> R:
        """What ``work`` returned (after iteration ended without an error)."""
        if not self._finished:
            raise RuntimeError("the work has not finished")
        return self._result  # type: ignore[return-value]

    def start(self) -> None:
        """Start the thread; from here on it owns (and releases) the admission."""
        try:
            self._thread.start()
        except BaseException:
            self._release()
            raise

    async def __aiter__(self) -> AsyncIterator[T]:
        while True:
            item = await self._items.get()
            if isinstance(item, _End):
                break
            yield item
        if self._error is not None:
            raise self._error

    async def stop(self) -> None:
        """Ask the thread to stop and wait (shielded, bounded) until it released the model."""
        self.cancel.set()
        with anyio.CancelScope(shield=True), anyio.move_on_after(STOP_WAIT_S):
            await self._done.wait()
        if self._done.is_set():
            self._thread.join(_JOIN_S)  # it is past its last step: this returns at once

    def _run(self) -> None:
        try:
            self._result = self._work(self.cancel, self._send)
            self._finished = True
        except BaseException as exc:  # handed to the consumer
            self._error = exc
        finally:
            try:
                self._release()
            finally:
                self._call(self._finish)

    def _send(self, item: T) -> None:
        self._call(self._items.put_nowait, item)

    def _finish(self) -> None:
        self._items.put_nowait(_END)
        self._done.set()

    def _call(self, function: Callable[..., object], *args: object) -> None:
        try:
            self._loop.call_soon_threadsafe(function, *args)
        except RuntimeError:  # the consumer's event loop is closed: nobody listens
            self.cancel.set()


@asynccontextmanager
async def held_work(
    admission: Admission, work: Work[T, R], name: str = "interlace-model"
) -> AsyncIterator[Job[T, R]]:
    """Wait for ``admission`` (raises ``OverloadedError`` when its line is full), then
    run ``work`` on its own thread; leaving the block stops it and waits for the release."""
    job: Job[T, R] = Job(work, admission.release, name)
    await admission.acquire()
    job.start()
    try:
        yield job
    finally:
        await job.stop()
