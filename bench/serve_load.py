"""Load on the OpenAI-compatible endpoint: 100 concurrent chat completions.

The agent runs on the scripted backend, so this measures the server and the agent
runner, not a model. Baseline, measured in the same run and interleaved: the same load
on a bare FastAPI endpoint that returns a canned completion (raw HTTP + JSON cost).
Run from the repository root: ``.venv/bin/python bench/serve_load.py``.
"""

from __future__ import annotations

import socket
import statistics
import time
from typing import Any

import anyio
import httpx

from interlace.agents import Agent
from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.settings import ServeSettings
from interlace.runtimes.scripted import ScriptedBackend

CONCURRENCY = 100
ROUNDS = 3
BODY = {"model": "echo", "messages": [{"role": "user", "content": "hello there"}]}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _bare_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()
    canned = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "echo",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "hello from echo"},
            }
        ],
        "usage": {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5},
    }

    @app.post("/v1/chat/completions")
    async def complete() -> dict[str, Any]:
        return canned

    return app


async def _load(url: str) -> tuple[float, list[float], int]:
    """Fire CONCURRENCY requests at once; (wall seconds, latencies, errors)."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one() -> None:
            nonlocal errors
            start = time.perf_counter()
            try:
                response = await client.post("/v1/chat/completions", json=BODY)
                ok = response.status_code == 200
                ok = ok and response.json()["choices"][0]["message"]["content"] == "hello from echo"
                errors += 0 if ok else 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        async with anyio.create_task_group() as group:
            for _ in range(CONCURRENCY):
                group.start_soon(one)
        return time.perf_counter() - start, latencies, errors


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def main() -> None:
    agent = Agent(name="echo", model=ScriptedBackend(["hello from echo"], repeat=True))
    settings = ServeSettings(port=_port())
    app = build_app(LocalHost([agent]), settings, protocols=["openai"])
    ours_wall, ours_lat, base_wall, base_lat, errors = 0.0, [], 0.0, [], 0
    async with running_server(app, port=settings.port) as url, running_server(_bare_app()) as bare:
        await _load(url)  # warm-up (imports, compiled graph)
        await _load(bare)
        for _ in range(ROUNDS):
            wall, lat, errs = await _load(url)
            ours_wall, errors = ours_wall + wall, errors + errs
            ours_lat += lat
            wall, lat, _ = await _load(bare)
            base_wall += wall
            base_lat += lat
    total = CONCURRENCY * ROUNDS
    throughput, base_throughput = total / ours_wall, total / base_wall
    print(f"interlace: {throughput:.0f} req/s, p95 {_p95(ours_lat) * 1000:.0f} ms, errors {errors}")
    print(f"bare FastAPI: {base_throughput:.0f} req/s, p95 {_p95(base_lat) * 1000:.0f} ms")
    print(f"BENCH serve_load.errors {errors} count target ==0")
    print(f"BENCH serve_load.throughput {throughput:.1f} req/s target >=50")
    print(f"BENCH serve_load.p95_latency {_p95(ours_lat) * 1000:.0f} ms target <=2000")
    ratio = throughput / base_throughput
    print(f"BENCH serve_load.throughput_vs_bare {ratio:.3f} ratio target >=0.10")


if __name__ == "__main__":
    anyio.run(main)
