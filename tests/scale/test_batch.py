"""``interlace batch`` and ``System.batch`` on the local asyncio pool, against a real HTTP
model server (the latency server): results, failures, retries, timeouts, events,
resuming after a SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from interlace.agents.cli.app import app
from interlace.agents.config import load_config
from interlace.agents.system import build_system
from tests.cli.helpers import REPO, SCRIPT
from tests.scale.latency_server import latency_server

runner = CliRunner()


@pytest.fixture(scope="module")
def model() -> Iterator[str]:
    with latency_server(0.02) as url:
        yield url


def write_config(folder: Path, url: str, **extra: Any) -> Path:
    options = {"backend": "openai", "base_url": url, "model": "echo", **extra}
    config = folder / "app.yaml"
    config.write_text(
        f"""
models:
  default: {json.dumps(options)}
toolsets:
  notes: {{kind: python, tools: ["tests.scale.tools:record"]}}
entry: chat
agents:
  chat: {{instructions: Answer.}}
  scribe: {{instructions: Record it., toolsets: [notes]}}
"""
    )
    return config


def write_inputs(folder: Path, items: list[dict[str, Any]]) -> Path:
    path = folder / "in.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def read_results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def batch(*args: str) -> Any:
    return runner.invoke(app, ["batch", *args], catch_exceptions=False)


def test_a_batch_writes_one_result_per_id_and_skips_them_next_time(
    model: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, model)
    items = [{"id": n, "task": f"question {n}", "metadata": {"n": n}} for n in range(30)]
    items.append({"id": "conv", "messages": [{"role": "user", "content": "hello there"}]})
    inputs, out = write_inputs(tmp_path, items), tmp_path / "out.jsonl"
    done = batch(str(config), str(inputs), "--out", str(out), "-c", "8", "--json")
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)["summary"]
    assert (summary["done"], summary["failed"], summary["skipped"]) == (31, 0, 0)
    assert summary["usage_by_agent"]["chat"]["output_tokens"] == 31 * 4
    results = {r["id"]: r for r in read_results(out)}
    assert len(results) == 31
    assert results["7"]["output"] == "echo: question 7"
    assert results["7"]["metadata"] == {"n": 7}
    assert results["conv"]["output"] == "echo: hello there"

    again = batch(str(config), str(inputs), "--out", str(out), "--json")
    assert json.loads(again.stdout)["summary"]["skipped"] == 31
    assert len(read_results(out)) == 31


def test_a_failed_item_is_recorded_and_the_batch_goes_on(model: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, model)
    inputs = write_inputs(
        tmp_path, [{"id": "ok", "task": "hi"}, {"id": "bad", "task": "hi", "agent": "nobody"}]
    )
    out = tmp_path / "out.jsonl"
    done = batch(str(config), str(inputs), "--out", str(out), "--json")
    assert done.exit_code == 1
    results = {r["id"]: r for r in read_results(out)}
    assert results["ok"]["status"] == "done"
    assert results["bad"]["status"] == "failed"
    assert "no agent or graph named 'nobody'" in results["bad"]["error"]
    assert results["bad"]["attempts"] == 1, "a bad item is not retried"

    retried = batch(str(config), str(inputs), "--out", str(out), "--retry-failed", "--json")
    assert json.loads(retried.stdout)["summary"] | {"elapsed_s": 0, "items_per_s": 0} == {
        "total": 2, "done": 0, "stopped": 0, "failed": 1, "skipped": 1,
        "elapsed_s": 0, "items_per_s": 0, "usage_by_agent": {},
    }  # fmt: skip
    assert sorted(r["id"] for r in read_results(out)) == ["bad", "ok"]


def test_errors_are_retried_with_backoff(tmp_path: Path) -> None:
    with latency_server(fail_first=2) as flaky:
        config = write_config(tmp_path, flaky, max_retries=0)
        inputs = write_inputs(tmp_path, [{"id": "x", "task": "hi"}])
        out = tmp_path / "out.jsonl"
        done = batch(str(config), str(inputs), "--out", str(out), "--backoff", "0.05")
    assert done.exit_code == 0, done.output
    [result] = read_results(out)
    assert (result["status"], result["attempts"], result["output"]) == ("done", 3, "echo: hi")


def test_a_timeout_fails_the_item_after_its_retries(tmp_path: Path) -> None:
    with latency_server(2.0) as slow:
        config = write_config(tmp_path, slow)
        inputs = write_inputs(tmp_path, [{"id": "x", "task": "hi"}])
        out = tmp_path / "out.jsonl"
        args = ["--timeout", "0.3", "--retries", "1", "--backoff", "0.01"]
        done = batch(str(config), str(inputs), "--out", str(out), *args)
    assert done.exit_code == 1
    [result] = read_results(out)
    assert (result["status"], result["attempts"]) == ("failed", 2)
    assert result["error"] == "timed out after 0.3 s"


def test_events_stream_as_json_lines(model: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, model)
    inputs = write_inputs(tmp_path, [{"id": "a", "task": "note", "agent": "scribe"}])
    out = tmp_path / "out.jsonl"
    done = batch(str(config), str(inputs), "--out", str(out), "--jsonl-events", "-q")
    assert done.exit_code == 0, done.output
    events = [json.loads(line) for line in done.stdout.splitlines()]
    kinds = [event["type"] for event in events]
    assert kinds[0] == "batch_start"
    assert kinds[-2:] == ["item_done", "batch_end"]
    call = next(event for event in events if event["type"] == "tool_call")
    assert (call["id"], call["call"]["name"], call["attempt"]) == ("a", "record", 1)
    assert any(e["type"] == "text" and "done: recorded note" in e["text"] for e in events)


def test_bad_input_lines_are_all_reported_before_anything_runs(model: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, model)
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"id": 1, "task": "a"}\nnot json\n{"id": 1, "task": "b"}\n{"task": "c"}\n')
    out = tmp_path / "out.jsonl"
    done = batch(str(config), str(inputs), "--out", str(out))
    assert done.exit_code == 2
    for expected in ("in.jsonl:2: not a JSON object", "in.jsonl:3: id '1' already used on line 1",
                     "in.jsonl:4: id: Field required"):  # fmt: skip
        assert expected in done.output
    assert not out.exists() or out.read_text() == ""


async def test_system_batch_yields_results_and_events(model: str, tmp_path: Path) -> None:
    system = build_system(load_config(write_config(tmp_path, model)))
    events: list[dict[str, Any]] = []
    items = [{"id": f"i{n}", "task": f"t{n}", "agent": "scribe"} for n in range(4)]
    async with system:
        results = [r async for r in system.batch(items, concurrency=2, on_event=events.append)]
    assert sorted(r.output for r in results) == [f"done: recorded t{n}" for n in range(4)]
    assert {e["id"] for e in events if e["type"] == "tool_result"} == {"i0", "i1", "i2", "i3"}


def test_a_killed_batch_resumes_with_every_id_exactly_once(model: str, tmp_path: Path) -> None:
    """SIGKILL mid-batch (and a torn last line), then rerun: each id once, right answers."""
    config = write_config(tmp_path, model)
    inputs = write_inputs(tmp_path, [{"id": n, "task": f"q{n}"} for n in range(120)])
    out = tmp_path / "out.jsonl"
    command = [str(SCRIPT), "batch", str(config), str(inputs), "--out", str(out), "-c", "4", "-q"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while (not out.exists() or len(out.read_text().splitlines()) < 20) and first.poll() is None:
            assert time.monotonic() < deadline, "the batch wrote too few results"
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        first.kill()
        assert first.stderr is not None
        first.stderr.close()
    assert first.returncode == -signal.SIGKILL
    written = len(out.read_text().splitlines())
    assert 20 <= written < 120
    with out.open("a") as handle:
        handle.write('{"id": "119", "status": "do')  # a line cut off by the kill

    rerun = subprocess.run([*command, "--json"], cwd=REPO, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert json.loads(rerun.stdout)["summary"]["skipped"] == written
    results = read_results(out)
    assert sorted(int(r["id"]) for r in results) == list(range(120))
    assert all(r["output"] == f"echo: q{r['id']}" for r in results)


def test_without_ray_a_ray_batch_names_the_extra(model: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, model)
    inputs = write_inputs(tmp_path, [{"id": 1, "task": "x"}])
    code = (
        "import sys; sys.modules['ray'] = None; sys.argv[0] = 'interlace'; "
        "from interlace.agents.cli import main; main()"
    )
    args = ["batch", str(config), str(inputs), "--out", str(tmp_path / "o.jsonl"), "--ray", "auto"]
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: running a batch on Ray needs the scale extra: pip install 'interlace[scale]'"
    )


async def test_a_retried_thread_item_resumes_its_thread(tmp_path: Path) -> None:
    """The retry continues the thread from its checkpoint: the task is not sent twice."""
    with latency_server(fail_first=1) as flaky:
        system = build_system(load_config(write_config(tmp_path, flaky, max_retries=0)))
        async with system:
            item = {"id": "t", "task": "hi", "thread_id": "thread-7"}
            [result] = [r async for r in system.batch([item], backoff_s=0.01)]
            follow = await system.run("again", thread_id="thread-7")
    assert (result.status, result.attempts, result.output) == ("done", 2, "echo: hi")
    assert [m.text for m in follow.messages] == ["hi", "echo: hi", "again", "echo: again"]
