"""The openai: backend against raw httpx, on the same local llama_cpp.server.

32 concurrent chat requests through the backend vs the same requests sent with raw httpx,
interleaved rounds; sequential throughput of both for comparison.
Run from the repository root inside .venv: python bench/openai_server.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interlace.protocols import Message, ModelRequest, SamplingSettings
from interlace.protocols.openai_wire import request_to_openai
from interlace.runtimes.openai import OpenAIBackend, OpenAISettings
from tests.runtimes.openai.server import llama_cpp_server, packaged_model

CONCURRENT = 32
SEQUENTIAL = 6
ROUNDS = 3
MAX_TOKENS = 8


def requests(count: int) -> list[ModelRequest]:
    return [
        ModelRequest(
            messages=(Message.user(f"Count from {i} to {i + 5}."),),
            settings=SamplingSettings(temperature=0, max_tokens=MAX_TOKENS),
        )
        for i in range(count)
    ]


async def run_all(send: Any, batch: list[ModelRequest], concurrent: bool) -> float:
    """Requests per second for sending ``batch`` all at once or one after another."""
    start = time.perf_counter()
    if concurrent:
        async with anyio.create_task_group() as group:
            for request in batch:
                group.start_soon(send, request)
    else:
        for request in batch:
            await send(request)
    return len(batch) / (time.perf_counter() - start)


async def measure(url: str) -> dict[str, list[float]]:
    backend = OpenAIBackend(OpenAISettings(base_url=url, model="gemma", server="llama-cpp-python"))
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    results: dict[str, list[float]] = {k: [] for k in ("raw", "backend", "raw_seq", "backend_seq")}
    async with httpx.AsyncClient(base_url=url + "/", timeout=600, limits=limits) as raw:

        async def send_raw(request: ModelRequest) -> None:
            response = await raw.post("chat/completions", json=request_to_openai(request, "gemma"))
            response.raise_for_status()
            response.json()

        await run_all(backend.complete, requests(2), concurrent=False)  # warm both paths
        await run_all(send_raw, requests(2), concurrent=False)
        for _ in range(ROUNDS):  # interleaved: these machines are shared and noisy
            results["raw"].append(await run_all(send_raw, requests(CONCURRENT), True))
            results["backend"].append(await run_all(backend.complete, requests(CONCURRENT), True))
            results["raw_seq"].append(await run_all(send_raw, requests(SEQUENTIAL), False))
            results["backend_seq"].append(
                await run_all(backend.complete, requests(SEQUENTIAL), False)
            )
    await backend.aclose()
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        model = packaged_model(Path(scratch))
        with llama_cpp_server(model, Path(scratch) / "server.log") as url:
            results = anyio.run(measure, url)
    median = {key: statistics.median(values) for key, values in results.items()}
    ratios = [b / r for b, r in zip(results["backend"], results["raw"], strict=True)]
    for key, value in median.items():
        rounds = ", ".join(f"{v:.2f}" for v in results[key])
        print(f"{key:12s} {value:6.2f} requests/s  (rounds: {rounds})")
    print("(llama-cpp-python's server runs one request at a time: concurrent requests queue)")
    ratio = statistics.median(ratios)
    print(f"BENCH openai_server.concurrent32_vs_raw_httpx {ratio:.3f} ratio target >=0.9")
    print(f"BENCH openai_server.concurrent32_rps {median['backend']:.2f} req/s target >0")
    print(f"BENCH openai_server.sequential_rps {median['backend_seq']:.2f} req/s target >0")
    seq_ratios = [b / r for b, r in zip(results["backend_seq"], results["raw_seq"], strict=True)]
    seq_ratio = statistics.median(seq_ratios)
    print(f"BENCH openai_server.sequential_vs_raw_httpx {seq_ratio:.3f} ratio target >=0.9")


if __name__ == "__main__":
    main()
