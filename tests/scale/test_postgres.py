"""Checkpoints in a real PostgreSQL server: a thread paused for approval in one process is
resumed by another; bad settings give clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from interlace.agents import Decision
from interlace.agents.config import load_config, load_config_text
from interlace.agents.system import build_system
from interlace.protocols.errors import RunFailure
from tests.processes import free_port
from tests.scale.latency_server import latency_server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_url() -> Iterator[str]:
    with latency_server(0.0) as url:
        yield url


def config_text(model_url: str, checkpoints: str) -> str:
    return f"""
models:
  default: {{backend: openai, base_url: "{model_url}", model: echo}}
checkpoints: {checkpoints}
toolsets:
  desk: {{kind: python, tools: ["tests.scale.tools:publish"]}}
agents:
  editor: {{instructions: Publish what you are given., toolsets: [desk]}}
"""


def worker(*args: str, log: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCALE_TOOL_LOG": str(log)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.scale.approval_worker", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def test_another_process_resumes_a_paused_thread(
    postgres_url: str, model_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "app.yaml"
    config.write_text(config_text(model_url, postgres_url))
    log = tmp_path / "tools.log"
    paused = worker("start", str(config), "thread-1", "the news", log=log)
    assert paused["stop_reason"] == "interrupted"
    assert [p["call"]["name"] for p in paused["pending"]] == ["publish"]
    assert not log.exists(), "nothing runs before approval"

    # this test's process is the other worker: it approves and finishes the thread
    monkeypatch.setenv("SCALE_TOOL_LOG", str(log))
    async with build_system(load_config(config)) as system:
        done = await system.resume("thread-1", Decision.approve(), agent="editor")
    assert done.stop_reason == "final", done.detail
    assert done.output == "done: published the news"
    assert log.read_text().splitlines() == [f"published the news by {os.getpid()}"]
    assert [m.role for m in done.messages] == ["user", "assistant", "tool", "assistant"]


async def test_threads_keep_their_history_in_postgres(
    postgres_url: str, model_url: str, tmp_path: Path
) -> None:
    config = load_config_text(config_text(model_url, postgres_url).replace("[desk]", "[]"))
    async with build_system(config) as system:
        await system.run("first", agent="editor", thread_id="history")
    async with build_system(config) as system:  # a new system: nothing in memory
        second = await system.run("second", agent="editor", thread_id="history")
    assert [m.text for m in second.messages] == ["first", "echo: first", "second", "echo: second"]


async def test_an_unreachable_server_is_a_clear_error(model_url: str, tmp_path: Path) -> None:
    url = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/postgres"
    config = load_config_text(config_text(model_url, url).replace("[desk]", "[]"))
    async with build_system(config) as system:
        with pytest.raises(RunFailure, match="cannot reach the PostgreSQL checkpoints") as error:
            await system.run("hi", agent="editor", thread_id="t")
    assert "hunter2" not in str(error.value)
