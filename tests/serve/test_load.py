"""A real ``interlace serve`` on the packaged model under load: it never wedges.

Bursts of 100 concurrent chat completions against a short time limit answer 200 (with
content), 429 (with ``Retry-After``) or 504 and nothing else; right after, sequential
requests all succeed, and so they do after a single request that times out. The same
server answers a prompt over its context window with 400 and both token counts, and
honours ``max_tokens`` (``finish_reason: length``). Loopback only, bounded loops.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from tests.cli.helpers import REPO, SCRIPT
from tests.processes import free_port, stop_process

pytestmark = pytest.mark.slow

# A one-word answer takes well under a second on an idle machine and a few seconds on a loaded
# one; the long count below needs ~2,000 tokens (about 30 s at this machine's decode speed).
TIMEOUT_S = 5
CONFIG = """\
models:
  default: llamacpp:default?max_queue=8&n_ctx=2048
agents:
  assistant:
    instructions: "Answer with one word.\\nQ: What colour is grass?\\nA: Green"
    sampling: {max_tokens: 3, temperature: 0}
    decision_format: native   # free-running answers: a long count must outlast the limit
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``interlace serve`` (OpenAI API only) with a short request limit."""
    folder = tmp_path_factory.mktemp("load")
    config = folder / "config.yaml"
    config.write_text(CONFIG)
    port = free_port()
    command = [str(SCRIPT), "serve", str(config), "--port", str(port), "--no-mcp", "--no-a2a"]
    command += ["--timeout", str(TIMEOUT_S)]
    log = (folder / "server.log").open("w")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, folder / "server.log")
        yield url, process
    finally:
        stop_process(process, timeout=30)
        log.close()


def _wait_until_up(url: str, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"interlace serve exited with {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    pytest.fail("interlace serve did not start within 120 s")


def _body(question: str = "What colour is the sky?", **fields: Any) -> dict[str, Any]:
    return {"model": "assistant", "messages": [{"role": "user", "content": question}], **fields}


def _outcome(response: httpx.Response) -> str:
    """``200``/``429``/``504`` when the response is one of the truthful kinds, else a
    description of what went wrong."""
    status = response.status_code
    if status == 200 and response.json()["choices"][0]["message"]["content"]:
        return "200"
    if status == 429 and int(response.headers.get("retry-after", "0")) >= 1:
        return "429"
    if status == 504 and "did not finish within" in response.json()["error"]["message"]:
        return "504"
    return f"unexpected {status}: {response.text[:300]}"


async def _burst(client: httpx.AsyncClient, count: int) -> Counter[str]:
    outcomes: Counter[str] = Counter()

    async def one() -> None:
        outcomes[_outcome(await client.post("/v1/chat/completions", json=_body()))] += 1

    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(one)
    return outcomes


async def _all_succeed(client: httpx.AsyncClient, count: int) -> None:
    for index in range(count):
        response = await client.post("/v1/chat/completions", json=_body())
        assert _outcome(response) == "200", f"sequential request {index}: {response.text[:300]}"


async def _warm_up(client: httpx.AsyncClient) -> None:
    """The first requests load the model, which may take longer than the time limit."""
    for _ in range(20):
        response = await client.post("/v1/chat/completions", json=_body())
        if _outcome(response) == "200":
            return
    pytest.fail(f"the server never answered: {response.text[:300]}")


async def test_overload_and_timeouts_never_wedge_the_server(
    server: tuple[str, subprocess.Popen[str]],
) -> None:
    url, process = server
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        await _warm_up(client)
        for _ in range(3):
            outcomes = await _burst(client, 100)
            assert set(outcomes) <= {"200", "429", "504"}, outcomes
            assert outcomes["429"] > 0, outcomes  # 100 at once overflow a queue of 8
            await _all_succeed(client, 20)
            counting = _body("Count: 1, 2, 3, 4, 5, 6,", max_tokens=4000)
            response = await client.post("/v1/chat/completions", json=counting)
            assert _outcome(response) == "504", response.text
            await _all_succeed(client, 20)
            assert process.poll() is None, "the server process died"


async def test_overflow_is_a_400_with_both_counts_and_max_tokens_is_honoured(
    server: tuple[str, subprocess.Popen[str]],
) -> None:
    url, _process = server
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        long = _body("tell me about bees " * 800)
        response = await client.post("/v1/chat/completions", json=long)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "context_length_exceeded"
        assert "context window is 2048" in error["message"]
        assert int(error["message"].split("prompt has ")[1].split(" ")[0]) > 2048
        response = await client.post("/v1/chat/completions", json=_body(max_tokens=1))
        data = response.json()
        assert data["choices"][0]["finish_reason"] == "length", json.dumps(data)
        assert data["usage"]["completion_tokens"] == 1
