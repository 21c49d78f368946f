"""The terminal side of ``run`` and ``chat``: cancellable line input and Ctrl-C handling.

Ctrl-C while an answer is being written cancels that answer (the model stops before its
next token and the chat goes on); Ctrl-C at the prompt quits. Input lines are read by a
daemon thread, so waiting for one never pins a worker thread or blocks the exit.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import anyio


class LineReader:
    """Lines typed on standard input (``EOFError`` at its end); create it inside the loop."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._thread: threading.Thread | None = None

    async def ask(self, prompt: str) -> str:
        """Show ``prompt`` on stderr and wait for the next line (without its newline)."""
        sys.stderr.write(prompt)
        sys.stderr.flush()
        if self._thread is None:
            self._thread = threading.Thread(target=self._read, name="interlace-stdin", daemon=True)
            self._thread.start()
        line = await self._lines.get()
        if line is None:
            self._lines.put_nowait(None)  # every later read sees the end too
            raise EOFError
        return line.rstrip("\n")

    def _read(self) -> None:
        while True:
            line = sys.stdin.readline()
            try:
                self._loop.call_soon_threadsafe(self._lines.put_nowait, line or None)
            except RuntimeError:  # the loop is gone
                return
            if not line:
                return


class CtrlC:
    """Routes Ctrl-C (SIGINT): it cancels the :meth:`answering` block in progress, or, when
    none is, cancels ``main`` and sets :attr:`quit`."""

    def __init__(self, main: anyio.CancelScope) -> None:
        self.main = main
        self.quit = False
        self._answer: anyio.CancelScope | None = None

    async def watch(self) -> None:
        """Handle SIGINT until cancelled (run it in a task)."""
        with anyio.open_signal_receiver(signal.SIGINT) as signals:
            async for _ in signals:
                if self._answer is not None:
                    self._answer.cancel()
                else:
                    self.quit = True
                    self.main.cancel()

    @contextmanager
    def answering(self) -> Iterator[anyio.CancelScope]:
        """A block that Ctrl-C cancels (check ``cancelled_caught`` afterwards)."""
        with anyio.CancelScope() as scope:
            self._answer = scope
            try:
                yield scope
            finally:
                self._answer = None
