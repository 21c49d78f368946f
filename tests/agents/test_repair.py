"""Threads that survive a SIGKILL during a tool call: resumed without repeating what is
not safe to repeat, or continued with a new message on a well-formed history; from Python
and from ``interlace run --thread ID --resume``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from interlace.agents import resume
from interlace.agents.repair import unanswered_calls
from interlace.agents.runner import run
from interlace.protocols import Message
from interlace.protocols.errors import UsageError
from interlace.runtimes import ScriptedBackend, call
from tests.cli.helpers import interlace

from .durable_agent import THREAD, build_agent
from .test_checkpoints import _run_until_killed


def _killed(tmp_path: Path) -> tuple[Path, Path]:
    """A thread SIGKILLed while its non-repeatable ``slow_append`` call (c3) runs."""
    db, log = tmp_path / "runs.sqlite", tmp_path / "log.txt"
    _run_until_killed(db, log, tmp_path / "marker", tmp_path / "output.txt")
    assert log.read_text().splitlines() == ["one", "two"]
    return db, log


def test_unanswered_calls_are_those_of_the_last_turn_without_a_result() -> None:
    first, second = call("a"), call("b")
    answered = Message(role="tool", content="ok", tool_call_id=first.id, name="a")
    messages = [Message.user("go"), Message.assistant(None, (first, second)), answered]
    assert unanswered_calls(messages) == [second]
    assert unanswered_calls([*messages, Message.user("next")]) == []


async def test_resume_answers_a_cut_off_call_instead_of_repeating_it(tmp_path: Path) -> None:
    db, log = _killed(tmp_path)
    agent = build_agent(log, db, None, ["I could not finish the third line."], idempotent=False)
    result = await resume(agent, THREAD, checkpointer=db)
    assert result.stop_reason == "final", result.detail
    assert log.read_text().splitlines() == ["one", "two"]  # slow_append did not run again
    cut = next(m for m in result.messages if m.role == "tool" and m.tool_call_id == "c3")
    assert cut.text.startswith("interrupted")
    backend = agent.model
    assert isinstance(backend, ScriptedBackend)
    assert backend.requests[-1].messages[-1].tool_call_id == "c3"  # the model saw it


async def test_a_new_message_after_a_crash_gets_a_well_formed_history(tmp_path: Path) -> None:
    db, log = _killed(tmp_path)
    agent = build_agent(log, db, None, ["Understood."], idempotent=False)
    result = await run(agent, "what happened?", thread_id=THREAD, checkpointer=db)
    assert result.stop_reason == "final", result.detail
    backend = agent.model
    assert isinstance(backend, ScriptedBackend)
    sent = backend.requests[-1].messages
    roles = [(m.role, m.tool_call_id) for m in sent if m.role in ("tool", "user")]
    assert roles[-2:] == [("tool", "c3"), ("user", None)]  # answered before the new message
    assert sent[-2].text.startswith("interrupted")
    assert unanswered_calls(list(result.messages)) == []


async def test_resume_of_a_finished_thread_says_what_to_do(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    agent = build_agent(tmp_path / "log.txt", db, None, ["done"])
    await run(agent, "hi", thread_id="t", checkpointer=db)
    with pytest.raises(UsageError, match="no unfinished run"):
        await resume(agent, "t", checkpointer=db)


TOOLS = '''\
import os
from interlace.tools import tool

@tool
def append(line: str) -> str:
    """Append a line to the log."""
    with open(os.environ["DURABLE_LOG"], "a") as handle:
        handle.write(line + "\\n")
    return "ok"

@tool(idempotent=True)
def slow_append(line: str) -> str:
    """Append a line to the log, slowly."""
    return append(line)
'''


@pytest.mark.slow
def test_cli_resume_continues_the_killed_run(tmp_path: Path) -> None:
    db, log = _killed(tmp_path)
    (tmp_path / "durable_tools.py").write_text(TOOLS)
    config = tmp_path / "config.yaml"
    config.write_text(
        "models: {default: 'scripted:all three written'}\n"
        "agents:\n  scribe: {toolsets: [logging]}\n"
        "toolsets:\n  logging:\n    kind: python\n"
        "    tools: ['durable_tools:append', 'durable_tools:slow_append']\n"
        f"checkpoints: {{path: {db}}}\n"
    )
    os.environ["DURABLE_LOG"] = str(log)
    try:
        done = interlace("run", str(config), "--thread", THREAD, "--resume", "--json")
    finally:
        del os.environ["DURABLE_LOG"]
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["output"] == "all three written"
    assert [m["tool_call_id"] for m in data["messages"] if m["role"] == "tool"] == [
        "c1",
        "c2",
        "c3",
    ]
    assert log.read_text().splitlines() == ["one", "two", "three"]  # idempotent: run again


@pytest.mark.parametrize(
    ("task", "thread", "problem"),
    [("a task", "t", "leave out TASK"), (None, None, "--thread ID")],
)
def test_cli_resume_misuse_names_the_fix(
    task: str | None, thread: str | None, problem: str
) -> None:
    from interlace.agents.cli.running import RunOptions, _task

    with pytest.raises(UsageError, match=problem):
        _task(task, RunOptions(thread=thread, resume=True))
