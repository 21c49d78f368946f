"""``interlace batch --ray`` on a real local Ray cluster: items spread over worker actors
that each hold a built system; a driver killed mid-batch is resumed by a rerun with every
id exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.cli.helpers import REPO, SCRIPT
from tests.scale.latency_server import latency_server
from tests.scale.test_batch import read_results, write_config, write_inputs


def test_a_ray_batch_spreads_over_workers_and_resumes_after_a_kill(
    ray_cluster: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    address, ray_env = ray_cluster
    env = {**os.environ, **ray_env}
    inputs = write_inputs(tmp_path, [{"id": n, "task": f"q{n}"} for n in range(60)])
    out = tmp_path / "out.jsonl"
    with latency_server(0.1) as model:
        config = write_config(tmp_path, model)
        base = [str(SCRIPT), "batch", str(config), str(inputs), "--out", str(out), "-q"]
        ray = ["--ray", address, "--workers", "2", "--worker-cpus", "0.5", "-c", "4"]
        # the first run streams events from the workers; it is killed midway
        first = subprocess.Popen(
            [*base, *ray, "--jsonl-events"], cwd=REPO, env=env, stdout=subprocess.PIPE
        )
        assert first.stdout is not None
        events = []
        deadline = time.monotonic() + 240
        while len([e for e in events if e["type"] == "item_done"]) < 10:
            assert time.monotonic() < deadline, "the Ray batch finished too few items"
            line = first.stdout.readline()
            assert line, f"the Ray batch ended early with {first.wait()}"
            events.append(json.loads(line))
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        first.stdout.close()
        assert any(e["type"] == "text" and e["text"].startswith("echo: q") for e in events)

        second = subprocess.run(
            [*base, *ray, "--json"], cwd=REPO, env=env, capture_output=True, text=True
        )
    assert second.returncode == 0, second.stderr[-3000:]
    summary = json.loads(second.stdout)["summary"]
    assert summary["skipped"] >= 10
    assert summary["skipped"] + summary["done"] == 60
    results = read_results(out)
    assert sorted(int(r["id"]) for r in results) == list(range(60))
    assert all(r["output"] == f"echo: q{r['id']}" for r in results)
    workers = {r["worker"] for r in results[summary["skipped"] :]}  # the second run's lines
    assert len(workers) == 2, workers
    assert all(worker.startswith("ray:") for worker in workers)
