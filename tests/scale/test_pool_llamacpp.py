"""A pool of real ``llama_cpp.server`` processes on the packaged model: a batch goes on
without a failed item when one server is killed mid-run."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from interlace.agents.config import load_config_text
from interlace.agents.system import build_system
from interlace.runtimes.pool import PoolBackend
from tests.runtimes.openai.server import MODEL_ALIAS, llama_cpp_process, packaged_model

Servers = list[tuple[str, subprocess.Popen[bytes]]]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Two servers of the packaged model, one thread each."""
    model = packaged_model(tmp_path_factory.mktemp("model"))
    logs = tmp_path_factory.mktemp("servers")
    with ExitStack() as stack:
        yield [
            stack.enter_context(llama_cpp_process(model, logs / f"{n}.log", threads=1))
            for n in range(2)
        ]


@pytest.mark.slow
async def test_killing_a_server_mid_batch_fails_no_item(servers: Servers, tmp_path: Path) -> None:
    members = ", ".join(f'"openai:{url}?model={MODEL_ALIAS}"' for url, _ in servers)
    config = load_config_text(
        f"""
models:
  default: {{pool: [{members}], strategy: least_busy}}
agents:
  writer: {{instructions: Continue the text., sampling: {{max_tokens: 6, temperature: 0}}}}
""",
        base_dir=tmp_path,
    )
    items = [{"id": n, "task": f"Count to {n}:"} for n in range(8)]
    victim = servers[1][1]
    async with build_system(config) as system:
        results = []
        async for result in system.batch(items, concurrency=4, retries=0):
            results.append(result)
            if len(results) == 1:
                victim.send_signal(signal.SIGKILL)  # the other calls in flight fail over
        pool = system.backends["writer"]
    assert isinstance(pool, PoolBackend)
    assert [r.error for r in results if r.status == "failed"] == []
    assert len(results) == 8
    assert {r.stop_reason for r in results} <= {"final", "length"}  # 6 tokens may cut it
    assert victim.wait(10) == -signal.SIGKILL
    dead = pool.stats()[1]
    assert not dead["healthy"]
    assert pool.failovers >= 1
    assert pool.stats()[0]["requests"] > 4
