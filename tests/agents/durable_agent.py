"""An agent whose tools append to a file; run as a script it is SIGKILLed mid-run.

``python -m tests.agents.durable_agent DB LOG MARKER`` runs the first half of the
scripted conversation against an SQLite checkpoint ``DB``; the ``slow_append`` tool
writes ``MARKER`` and hangs once the concurrent ``append`` call's result is on disk.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

import anyio

from interlace.agents import Agent
from interlace.agents.runner import run
from interlace.protocols import ToolCall
from interlace.runtimes import ScriptedBackend
from interlace.tools import FunctionToolset, tool

THREAD = "durable-thread"
FIRST_HALF = [
    [ToolCall(id="c1", name="append", arguments={"line": "one"})],
    [
        ToolCall(id="c2", name="append", arguments={"line": "two"}),
        ToolCall(id="c3", name="slow_append", arguments={"line": "three"}),
    ],
]


def build_agent(
    log: Path, db: Path, marker: Path | None, script: list[object], *, idempotent: bool = True
) -> Agent:
    """The agent; with a ``marker`` its ``slow_append`` hangs after signalling (before it
    appends, so it is safe to run again: ``idempotent``, unless the test says otherwise)."""

    @tool
    def append(line: str) -> str:
        """Append a line to the log."""
        with log.open("a") as handle:
            handle.write(line + "\n")
        return "ok"

    @tool(idempotent=idempotent)
    def slow_append(line: str) -> str:
        """Append a line to the log, slowly."""
        if marker is not None:
            _wait_for_write(db, "c2")
            marker.write_text("ready")
            time.sleep(3600)  # killed here, before appending
        return append(line)

    backend = ScriptedBackend(script)  # type: ignore[arg-type]
    return Agent(name="scribe", model=backend, toolsets=[FunctionToolset([append, slow_append])])


def _wait_for_write(db: Path, call_id: str) -> None:
    """Block until the tool message answering ``call_id`` is checkpointed."""
    needle = call_id.encode()
    for _ in range(2000):
        with sqlite3.connect(db) as connection:
            rows = connection.execute("SELECT value FROM writes WHERE channel = 'messages'")
            if any(needle in bytes(value) for (value,) in rows):
                return
        time.sleep(0.005)
    raise RuntimeError(f"the result of {call_id} never reached the checkpoint")


def main() -> None:
    db, log, marker = (Path(arg) for arg in sys.argv[1:4])
    agent = build_agent(log, db, marker, list(FIRST_HALF))
    anyio.run(lambda: run(agent, "write three lines", thread_id=THREAD, checkpointer=db))


if __name__ == "__main__":
    main()
