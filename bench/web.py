"""The web page's run stream against the OpenAI-compatible stream of the same server.

One scripted agent answers 200 chunks; each round streams it once through
``POST /api/runs`` (the page's API: interlace events, a thread kept per run) and once
through ``POST /v1/chat/completions`` with ``stream: true`` (stateless), interleaved, on
one server on 127.0.0.1. Also the page's weight (everything in ``static/``).
Run from the repository root inside .venv: python bench/web.py
"""

from __future__ import annotations

import statistics
import sys
import time
from importlib import resources
from pathlib import Path

import anyio
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from interlace.agents import Agent
from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.runtimes.scripted import ScriptedBackend

CHUNKS = 200
ROUNDS = 15


async def timed_stream(client: httpx.AsyncClient, path: str, body: dict[str, object]) -> float:
    start = time.perf_counter()
    async with client.stream("POST", path, json=body) as response:
        response.raise_for_status()
        async for _ in response.aiter_lines():
            pass
    return time.perf_counter() - start


async def main() -> None:
    text = " ".join(f"w{n}" for n in range(CHUNKS))
    backend = ScriptedBackend([text], repeat=True, chunk_size=len(text) // CHUNKS)
    host = LocalHost([Agent(name="writer", model=backend)])
    page: list[float] = []
    openai: list[float] = []
    async with running_server(build_app(host)) as url, httpx.AsyncClient(base_url=url) as http:
        run = {"agent": "writer", "message": "write"}
        chat = {"model": "writer", "stream": True, "messages": [{"role": "user", "content": "w"}]}
        await timed_stream(http, "/api/runs", run)  # warm both paths up
        await timed_stream(http, "/v1/chat/completions", chat)
        for _ in range(ROUNDS):
            page.append(await timed_stream(http, "/api/runs", run))
            openai.append(await timed_stream(http, "/v1/chat/completions", chat))
    ratio = statistics.median(page) / statistics.median(openai)
    folder = resources.files("interlace.agents.serve.web").joinpath("static")
    weight = sum(len(item.read_bytes()) for item in folder.iterdir()) / 1024
    print(f"page stream {statistics.median(page) * 1000:.1f} ms median, "
          f"openai stream {statistics.median(openai) * 1000:.1f} ms ({CHUNKS} chunks)")  # fmt: skip
    print(f"BENCH web.run_stream_vs_openai_stream {ratio:.2f} ratio target <=1.20")
    print(f"BENCH web.page_weight {weight:.0f} KB target <=300")


if __name__ == "__main__":
    anyio.run(main)
