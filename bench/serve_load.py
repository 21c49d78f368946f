"""Load on the OpenAI-compatible endpoint: overhead against bare FastAPI, and recovery.

1. Overhead. 100 concurrent chat completions of an agent on the scripted backend (so the
   server and the agent runner are measured, not a model), against two baselines served
   the same way, each in a process of its own, interleaved: a bare FastAPI endpoint that
   does the same work (parse the body, run the same agent with ``interlace.agents.run``,
   answer the completion) and one that answers a canned completion (raw HTTP + JSON).
2. Recovery. ``interlace serve`` on the packaged model (``llamacpp:default``) with a
   short time limit: requests per second one after another, then an overload (100 at
   once and a request that times out), then requests per second again.

Run from the repository root: ``.venv/bin/python bench/serve_load.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import httpx
from fastapi import Request  # resolved from module globals by the same-work endpoint

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.processes import free_port, stop_process  # noqa: E402
from tests.serve.test_load import CONFIG as MODEL_CONFIG  # noqa: E402

CONCURRENCY = 100
ROUNDS = 3
BODY = {"model": "echo", "messages": [{"role": "user", "content": "hello there"}]}
ANSWER = "hello from echo"
SEQUENTIAL = 20


# --- the servers (each runs in its own process: python bench/serve_load.py --serve KIND PORT)


def _echo_agent() -> Any:
    from interlace.agents import Agent
    from interlace.runtimes.scripted import ScriptedBackend

    return Agent(name="echo", model=ScriptedBackend([ANSWER], repeat=True))


def _interlace_app() -> Any:
    from interlace.agents.serve.app import build_app
    from interlace.agents.serve.local import LocalHost

    return build_app(LocalHost([_echo_agent()]))


def _completion(text: str, prompt: int, completion: int) -> dict[str, Any]:
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "echo",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def _same_work_app() -> Any:
    """Bare FastAPI doing what the server does: parse, run the agent, answer."""
    from fastapi import FastAPI

    from interlace.agents import run
    from interlace.protocols import Message

    app, agent = FastAPI(), _echo_agent()

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> dict[str, Any]:
        body = await request.json()
        messages = [Message.user(m["content"]) for m in body["messages"]]
        result = await run(agent, messages)
        usage = result.usage
        return _completion(result.output, usage.input_tokens, usage.output_tokens)

    return app


def _canned_app() -> Any:
    from fastapi import FastAPI

    app, canned = FastAPI(), _completion(ANSWER, 2, 3)

    @app.post("/v1/chat/completions")
    async def complete() -> dict[str, Any]:
        return canned

    return app


def serve(kind: str, port: int) -> None:
    import uvicorn

    app = {"interlace": _interlace_app, "same_work": _same_work_app, "canned": _canned_app}[kind]()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _start(command: list[str], url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/healthz", timeout=2)
            return process
        except httpx.TransportError:
            if process.poll() is not None:
                raise SystemExit(f"{command} exited with {process.returncode}") from None
            time.sleep(0.3)
    raise SystemExit(f"{command} did not start")


# --- measuring --------------------------------------------------------------------------


async def _burst(client: httpx.AsyncClient, body: dict[str, Any]) -> tuple[float, Counter[int]]:
    """Fire CONCURRENCY requests at once; (wall seconds, statuses)."""
    statuses: Counter[int] = Counter()

    async def one() -> None:
        try:
            statuses[(await client.post("/v1/chat/completions", json=body)).status_code] += 1
        except httpx.HTTPError:
            statuses[0] += 1

    start = time.perf_counter()
    async with anyio.create_task_group() as group:
        for _ in range(CONCURRENCY):
            group.start_soon(one)
    return time.perf_counter() - start, statuses


async def _sequential_rate(client: httpx.AsyncClient, body: dict[str, Any]) -> float:
    """Requests per second, SEQUENTIAL of them one after another (all must succeed)."""
    start = time.perf_counter()
    for _ in range(SEQUENTIAL):
        response = await client.post("/v1/chat/completions", json=body)
        if response.status_code != 200:
            raise SystemExit(f"request failed: {response.status_code} {response.text[:200]}")
    return SEQUENTIAL / (time.perf_counter() - start)


def _client(url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=CONCURRENCY)
    return httpx.AsyncClient(base_url=url, timeout=120, limits=limits)


async def overhead() -> None:
    urls, processes = {}, []
    for kind in ("interlace", "same_work", "canned"):
        port = free_port()
        urls[kind] = f"http://127.0.0.1:{port}"
        command = [sys.executable, __file__, "--serve", kind, str(port)]
        processes.append(_start(command, urls[kind]))
    try:
        walls: dict[str, float] = dict.fromkeys(urls, 0.0)
        errors = 0
        for round_ in range(ROUNDS + 1):  # round 0 warms up
            for kind, url in urls.items():
                async with _client(url) as client:
                    wall, statuses = await _burst(client, BODY)
                if round_:
                    walls[kind] += wall
                    errors += CONCURRENCY - statuses[200]
    finally:
        for process in processes:
            stop_process(process)
    rate = {kind: CONCURRENCY * ROUNDS / wall for kind, wall in walls.items()}
    for kind, value in rate.items():
        print(f"{kind}: {value:.0f} req/s")
    print(f"BENCH serve_load.errors {errors} count target ==0")
    print(f"BENCH serve_load.throughput {rate['interlace']:.1f} req/s target >=50")
    same = rate["interlace"] / rate["same_work"]
    print(f"BENCH serve_load.throughput_vs_same_work {same:.3f} ratio target >=0.90")
    canned = rate["interlace"] / rate["canned"]
    print(f"BENCH serve_load.throughput_vs_canned {canned:.3f} ratio target >=0.10")


async def recovery() -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.yaml"
        config.write_text(MODEL_CONFIG)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        script = Path(sys.executable).with_name("interlace")
        command = [str(script), "serve", str(config), "--port", str(port), "--timeout", "5"]
        process = _start([*command, "--no-mcp", "--no-a2a"], url)
        try:
            body = {**BODY, "model": "assistant"}
            async with _client(url) as client:
                for _ in range(10):  # loads the model
                    if (await client.post("/v1/chat/completions", json=body)).status_code == 200:
                        break
                before, after, seen = [], [], Counter[int]()
                for _ in range(2):
                    before.append(await _sequential_rate(client, body))
                    _wall, statuses = await _burst(client, body)
                    long = {**body, "messages": [{"role": "user", "content": "Count: 1, 2, 3,"}]}
                    timed_out = await client.post(
                        "/v1/chat/completions", json={**long, "max_tokens": 4000}
                    )
                    statuses[timed_out.status_code] += 1
                    seen += statuses
                    after.append(await _sequential_rate(client, body))
            alive = process.poll() is None
        finally:
            stop_process(process)
    ratio = statistics.mean(after) / statistics.mean(before)
    print(f"model, sequential: {statistics.mean(before):.2f} req/s before an overload, "
          f"{statistics.mean(after):.2f} after; overload statuses {dict(seen)}")  # fmt: skip
    print(f"BENCH serve_load.server_alive {int(alive)} bool target ==1")
    print(f"BENCH serve_load.recovery_after_overload {ratio:.3f} ratio target >=0.90")


async def main() -> None:
    await overhead()
    await recovery()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        anyio.run(main)
