"""Admission to a shared model: one holder at a time and a bounded FIFO queue of waiters.

A model held in process (a llama.cpp context) serves one generation at a time. Callers
wait in line without occupying a worker thread (threads are a shared, limited pool: a
queue of threads blocked on a lock starves the holder of the thread it needs to finish).
A caller arriving when ``max_queue`` others already wait gets :class:`OverloadedError`
with an estimate of when to retry, so a server answers 429 instead of piling up work.

The holder may release from any thread (a generation thread releases when its last token
is done); a waiter cancelled while waiting leaves the line, and one cancelled just after
being granted passes the model on, so no cancellation can leak the model.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from interlace.protocols.errors import OverloadedError

DEFAULT_MAX_QUEUE = 32
_FIRST_GUESS_S = 1.0  # the hold time assumed before any generation has finished
_SMOOTHING = 0.2


@dataclass(eq=False)
class _Waiter:
    wake: Callable[[], object]
    granted: bool = False


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Admission:
    """The line in front of one shared model; ``name`` appears in overload messages."""

    def __init__(self, name: str, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        self.name = name
        self.max_queue = max_queue
        self._mutex = threading.Lock()
        self._busy = False
        self._since = 0.0
        self._waiters: deque[_Waiter] = deque()
        self._hold_s = _FIRST_GUESS_S

    @property
    def busy(self) -> bool:
        """Whether someone holds the model now."""
        return self._busy

    @property
    def waiting(self) -> int:
        """How many callers wait in line."""
        return len(self._waiters)

    def retry_after(self) -> float:
        """Seconds until a caller arriving now would likely get in (whole seconds, >= 1)."""
        return float(max(1, math.ceil(self._hold_s * (len(self._waiters) + 1))))

    async def acquire(self) -> None:
        """Wait for the model (FIFO); raise :class:`OverloadedError` when the line is full."""
        with self._mutex:
            if not self._busy:
                self._take()
                return
            if len(self._waiters) >= self.max_queue:
                raise OverloadedError(
                    f"{self.name} is busy: {len(self._waiters)} requests already wait for it "
                    f"(max_queue={self.max_queue}); retry in {self.retry_after():g} s or raise "
                    "the model's max_queue option",
                    retry_after=self.retry_after(),
                )
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            waiter = _Waiter(lambda: loop.call_soon_threadsafe(_resolve, future))
            self._waiters.append(waiter)
        try:
            await future
        except BaseException:
            self._leave(waiter)
            raise

    def acquire_blocking(self, timeout: float = -1) -> bool:
        """Wait for the model from synchronous code, at most ``timeout`` s (-1: forever);
        whether it was acquired. Not bounded by ``max_queue``."""
        event = threading.Event()
        with self._mutex:
            if not self._busy:
                self._take()
                return True
            waiter = _Waiter(event.set)
            self._waiters.append(waiter)
        if event.wait(None if timeout < 0 else timeout):
            return True
        with self._mutex:
            if waiter.granted:
                return True
            self._waiters.remove(waiter)
            return False

    def release(self) -> None:
        """Hand the model to the next waiter (callable from any thread)."""
        with self._mutex:
            held = time.monotonic() - self._since
            self._hold_s += _SMOOTHING * (held - self._hold_s)
            while self._waiters:
                waiter = self._waiters.popleft()
                waiter.granted = True
                self._since = time.monotonic()
                try:
                    waiter.wake()
                except RuntimeError:  # its event loop is closed: nobody waits any more
                    continue
                return
            self._busy = False

    def _take(self) -> None:
        self._busy = True
        self._since = time.monotonic()

    def _leave(self, waiter: _Waiter) -> None:
        """A waiter gave up: leave the line, or pass the model on if it was just granted."""
        with self._mutex:
            if not waiter.granted:
                self._waiters.remove(waiter)
                return
        self.release()
