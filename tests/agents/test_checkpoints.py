"""SQLite checkpoints: restore without serializer warnings; a SIGKILLed run resumes with
no lost and no duplicated tool calls."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interlace.agents import Decision, resume, sqlite_checkpointer
from interlace.agents.runner import run
from interlace.protocols import Message, ToolCall
from interlace.runtimes import call

from .durable_agent import THREAD, build_agent
from .helpers import scripted_agent

ROOT = Path(__file__).resolve().parents[2]


async def test_sqlite_restore_has_no_serializer_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "runs.sqlite"
    agent, _ = scripted_agent("ops", [call("delete_file", path="a"), "done"])
    caplog.set_level(logging.WARNING)
    paused = await run(agent, "delete a", thread_id="t1", checkpointer=db)
    assert paused.stop_reason == "interrupted"
    # a fresh connection restores the pending approval from disk
    done = await resume(agent, "t1", Decision.approve(), checkpointer=db)
    assert done.output == "done"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    async with sqlite_checkpointer(db) as saver:
        from interlace.agents.units import compile_unit

        state = await compile_unit(agent, saver).aget_state({"configurable": {"thread_id": "t1"}})
    messages = state.values["messages"]
    assert all(isinstance(m, Message) for m in messages)
    assert isinstance(messages[1].tool_calls, tuple)
    assert isinstance(messages[1].tool_calls[0], ToolCall)
    assert messages == list(done.messages)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


async def test_sigkilled_run_resumes_without_lost_or_repeated_calls(tmp_path: Path) -> None:
    db, log, marker = tmp_path / "runs.sqlite", tmp_path / "log.txt", tmp_path / "marker"
    returncode = _run_until_killed(db, log, marker, tmp_path / "output.txt")
    assert returncode == -signal.SIGKILL
    assert log.read_text().splitlines() == ["one", "two"]

    # resume in this process: only the model's last answer is still to come
    agent = build_agent(log, db, None, ["all written"])
    result = await resume(agent, THREAD, checkpointer=db)
    assert result.stop_reason == "final", result.detail
    assert result.output == "all written"
    assert log.read_text().splitlines() == ["one", "two", "three"]
    tool_ids = [m.tool_call_id for m in result.messages if m.role == "tool"]
    assert tool_ids == ["c1", "c2", "c3"]


def _run_until_killed(db: Path, log: Path, marker: Path, output: Path) -> int:
    """Start the durable agent in a subprocess, SIGKILL it at its marker; the exit code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.agents.durable_agent", str(db), str(log), str(marker)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not marker.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the run never reached its kill point: {output.read_text()}")
                time.sleep(0.05)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            if process.poll() is None and not marker.exists():
                process.kill()
            process.wait(timeout=30)
    return process.returncode


async def test_checkpoints_are_saved_before_the_next_step_where_they_outlive_the_process(
    tmp_path: Path,
) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    from interlace.agents.runner import durability

    assert durability(None) is None
    assert durability(InMemorySaver()) == "async"  # dies with the process anyway
    async with sqlite_checkpointer(tmp_path / "runs.sqlite") as saver:
        assert durability(saver) == "sync"
