"""Scale-out benchmarks: batches on asyncio and Ray, and endpoint pools of real servers.

1. A batch of 200 items against a server that answers after a fixed delay (so the figures
   measure the framework, not a model): the local pool at concurrency 32 vs sequential;
   Ray with 2 local workers vs the local pool at the same total concurrency; the
   framework's per-item overhead, locally and on Ray.
2. A pool of 3 real ``llama_cpp.server`` processes on the packaged model vs 1 server, at
   concurrency 12; then the same pool with one server killed mid-run: failed items, and
   how long the pool took to notice.

Throughput is taken from the first result to the last (worker start-up is reported on its
own). Run from the repository root: ``python bench/scale.py [batch] [pool]`` (both by
default).
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interlace.agents.batch import BatchResult, RaySettings
from interlace.agents.config import load_config
from interlace.agents.system import System, build_system
from tests.runtimes.openai.server import MODEL_ALIAS, llama_cpp_process, packaged_model
from tests.scale.latency_server import latency_server
from tests.scale.ray_head import LOOPBACK_ENV

DELAY = 0.1
ITEMS = 200
SEQUENTIAL_ITEMS = 40  # a sequential rate is steady: 40 items measure it
CONCURRENCY = 32
ROUNDS = 3


def bench(name: str, value: float, unit: str, target: str) -> None:
    print(f"BENCH scale.{name} {value:.3f} {unit} target {target}", flush=True)


def write_config(folder: Path, model: str, **agent: Any) -> Path:
    path = folder / f"bench-{abs(hash(model))}.yaml"
    sampling = agent.get("sampling", {})
    path.write_text(
        f"""
models:
  default: {model}
agents:
  bench: {{instructions: Answer., sampling: {sampling or "{}"}}}
"""
    )
    return path


async def timed_batch(
    system: System, count: int, concurrency: int, on_result: Any = None, **options: Any
) -> dict[str, Any]:
    """Run ``count`` items; throughput from the first result to the last."""
    items = [{"id": n, "task": f"Count to {n % 10}:"} for n in range(count)]
    started, cpu = time.perf_counter(), time.process_time()
    stamps: list[float] = []
    results: list[BatchResult] = []
    async for result in system.batch(items, concurrency=concurrency, retries=0, **options):
        stamps.append(time.perf_counter())
        results.append(result)
        if on_result is not None:
            on_result(len(results))
    span = stamps[-1] - stamps[0]
    return {
        "first_s": stamps[0] - started,
        "rate": (count - 1) / span if span > 0 else float("inf"),
        "wall_s": stamps[-1] - started,
        "cpu_ms": (time.process_time() - cpu) / count * 1000,  # this process, per item
        "failed": sum(r.status == "failed" for r in results),  # a cut answer only stops
        "results": results,
    }


async def batch_figures(folder: Path) -> None:
    with latency_server(DELAY) as url:
        model = f'{{backend: openai, base_url: "{url}", model: echo}}'
        config = load_config(write_config(folder, model))
        async with build_system(config) as system:
            await timed_batch(system, 8, 8)  # warm up: imports, first connection
            sequential, pooled, cpu = [], [], []
            for _ in range(ROUNDS):  # interleaved: the machine is shared and noisy
                sequential.append((await timed_batch(system, SEQUENTIAL_ITEMS, 1))["rate"])
                outcome = await timed_batch(system, ITEMS, CONCURRENCY)
                pooled.append(outcome["rate"])
                cpu.append(outcome["cpu_ms"])
        one, many = statistics.median(sequential), statistics.median(pooled)
        print(
            f"local: sequential {one:.1f} items/s, concurrency {CONCURRENCY} {many:.1f} items/s "
            f"(delay {DELAY} s per item; medians of {ROUNDS} interleaved rounds); "
            f"{statistics.median(cpu):.1f} ms of CPU per item in this process, so one core "
            f"runs at most {1000 / statistics.median(cpu):.0f} items/s "
            f"(load average {os.getloadavg()[0]:.1f})"
        )
        bench("local_concurrency_vs_sequential", many / one, "ratio", ">=20")
        bench("item_overhead_local", (1 / one - DELAY) * 1000, "ms", "<=20")

        import ray as ray_module

        started = time.perf_counter()
        ray_module.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        print(f"ray: local cluster up in {time.perf_counter() - started:.1f} s")
        ray = RaySettings("auto", workers=2)
        async with build_system(config) as system:
            await timed_batch(system, 8, 8, ray=ray)  # warm up: worker processes
            local, on_ray, startup = [], [], []
            for _ in range(ROUNDS):
                local.append((await timed_batch(system, ITEMS, CONCURRENCY))["rate"])
                outcome = await timed_batch(system, ITEMS, CONCURRENCY, ray=ray)
                on_ray.append(outcome["rate"])
                startup.append(outcome["first_s"])
            serial_ray = await timed_batch(system, SEQUENTIAL_ITEMS, 1, ray=ray)
        ray_module.shutdown()
        local_rate, ray_rate = statistics.median(local), statistics.median(on_ray)
        print(
            f"ray: 2 workers {ray_rate:.1f} items/s vs local {local_rate:.1f} items/s; "
            f"first result after {statistics.median(startup):.1f} s (workers start per batch)"
        )
        bench("ray_vs_local_same_concurrency", ray_rate / local_rate, "ratio", ">=0.8")
        bench("item_overhead_ray", (1 / serial_ray["rate"] - DELAY) * 1000, "ms", "<=50")
        bench("ray_worker_startup", statistics.median(startup), "s", "<=30")


async def pool_figures(folder: Path) -> None:
    model_file = packaged_model(folder)
    with ExitStack() as stack:
        servers = [
            stack.enter_context(llama_cpp_process(model_file, folder / f"s{n}.log", threads=1))
            for n in range(3)
        ]
        refs = [f'"openai:{url}?model={MODEL_ALIAS}"' for url, _ in servers]
        sampling = "{max_tokens: 16, temperature: 0}"
        one = load_config(write_config(folder, f"{{pool: [{refs[0]}]}}", sampling=sampling))
        three = load_config(
            write_config(folder, f"{{pool: [{', '.join(refs)}]}}", sampling=sampling)
        )
        async with build_system(one) as single, build_system(three) as pool:
            await timed_batch(single, 3, 3)
            await timed_batch(pool, 6, 6)
            rates = {"one": [], "three": []}
            for _ in range(2):  # interleaved: the machine is shared and noisy
                rates["one"].append((await timed_batch(single, 24, 12))["rate"])
                rates["three"].append((await timed_batch(pool, 24, 12))["rate"])
            one_rate, three_rate = statistics.mean(rates["one"]), statistics.mean(rates["three"])
            print(f"pool of 3: {three_rate:.2f} items/s; 1 server: {one_rate:.2f} items/s")
            bench("pool3_vs_1_throughput", three_rate / one_rate, "ratio", ">=0.9")

            victim = servers[2][1]
            killed_at: list[float] = []

            def kill(done: int) -> None:
                if done == 4 and not killed_at:
                    killed_at.append(time.monotonic())
                    os.kill(victim.pid, signal.SIGKILL)

            outcome = await timed_batch(pool, 24, 12, on_result=kill)
            member = pool.backends["bench"].members[2]  # type: ignore[attr-defined]
            detect = (member.down_since or killed_at[0]) - killed_at[0]
            slowest = max(r.elapsed_s for r in outcome["results"])
            typical = statistics.median(r.elapsed_s for r in outcome["results"])
            errors = {r.error for r in outcome["results"] if r.status == "failed"}
            print(f"server killed mid-run: {outcome['failed']} failed of 24 {sorted(errors)}; "
                  f"slowest item {slowest:.2f} s (median {typical:.2f} s)")  # fmt: skip
            bench("pool_kill_failed_items", outcome["failed"], "items", "<=0")
            bench("pool_failover_detect", detect, "s", "<=1")


async def main() -> None:
    parts = sys.argv[1:] or ["batch", "pool"]
    os.environ.update(LOOPBACK_ENV)  # Ray binds 127.0.0.1 only
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if "batch" in parts:
            await batch_figures(folder)
        if "pool" in parts:
            await pool_figures(folder)
    print("GPU pool: not measured (no GPU machine in this run)")


if __name__ == "__main__":
    anyio.run(main)
