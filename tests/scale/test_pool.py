"""Endpoint pools over real HTTP servers on 127.0.0.1: routing, failover, probing back in.

The servers are the small latency server (a fake model behind a real OpenAI-compatible
HTTP API), so these tests check the pool's logic; ``test_pool_llamacpp.py`` runs a pool of
real ``llama_cpp.server`` processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from interlace.agents.config import ConfigValidationError, load_config_text
from interlace.agents.system import build_system
from interlace.protocols import Message, ModelRequest
from interlace.protocols.errors import BackendUnavailableError
from interlace.runtimes import resolve_backend
from interlace.runtimes.pool import PoolBackend
from tests.processes import free_port
from tests.scale import tools
from tests.scale.latency_server import latency_server

REQUEST = ModelRequest(messages=(Message.user("hello"),))


@pytest.fixture(scope="module")
def good() -> Iterator[list[str]]:
    """Two healthy replicas that answer after 50 ms."""
    with latency_server(0.05) as first, latency_server(0.05) as second:
        yield [first, second]


@pytest.fixture(scope="module")
def broken() -> Iterator[str]:
    """A replica that answers every completion with 500."""
    with latency_server(fail_status=500) as url:
        yield url


def pool(*urls: str, **options: object) -> PoolBackend:
    """A pool of ``openai:URL?model=echo`` members (a URL may add ``&option=value``)."""
    members = [f"openai:{url.replace('/v1&', '/v1?model=echo&')}" for url in urls]
    members = [m if "?" in m else m + "?model=echo" for m in members]
    backend = resolve_backend({"pool": members, **options})
    assert isinstance(backend, PoolBackend)
    return backend


async def test_least_busy_spreads_concurrent_calls(good: list[str]) -> None:
    backend = pool(*good)
    answers = await asyncio.gather(*(backend.complete(REQUEST) for _ in range(8)))
    assert {answer.message.text for answer in answers} == {"echo: hello"}
    assert [member["requests"] for member in backend.stats()] == [4, 4]
    await backend.aclose()


async def test_a_failing_replica_fails_over_within_the_call(good: list[str], broken: str) -> None:
    backend = pool(broken, good[0], strategy="round_robin", probe_interval=60)
    answers = [await backend.complete(REQUEST) for _ in range(3)]
    assert [answer.message.text for answer in answers] == ["echo: hello"] * 3
    first, second = backend.stats()
    assert first["requests"] == 1, "a down member takes no calls until a probe says so"
    assert not first["healthy"]
    assert "500" in first["last_error"]
    assert second["requests"] == 3
    await backend.aclose()


async def test_every_replica_down_is_one_clear_error() -> None:
    dead = [f"http://127.0.0.1:{free_port()}/v1" for _ in range(2)]
    backend = pool(*dead)
    with pytest.raises(BackendUnavailableError, match="every endpoint of the pool failed") as err:
        await backend.complete(REQUEST)
    assert all(url in str(err.value) for url in dead)
    await backend.aclose()


async def test_a_dead_replica_is_probed_back_in(good: list[str]) -> None:
    port = free_port()
    backend = pool(f"http://127.0.0.1:{port}/v1", good[0], probe_interval=0.2)
    await backend.complete(REQUEST)
    assert not backend.stats()[0]["healthy"]
    with latency_server(0.0, port=port):
        for _ in range(100):  # bounded: 10 s at most
            await backend.complete(REQUEST)
            if backend.stats()[0]["healthy"]:
                break
            await asyncio.sleep(0.1)
        assert backend.stats()[0]["healthy"], backend.stats()[0]["last_error"]
        requests = backend.stats()[0]["requests"]
        await asyncio.gather(*(backend.complete(REQUEST) for _ in range(4)))
        assert backend.stats()[0]["requests"] > requests, "the probed member takes calls again"
    await backend.aclose()


async def test_a_stream_fails_over_before_its_first_event(good: list[str], broken: str) -> None:
    backend = pool(broken, good[1], strategy="round_robin", probe_interval=60)
    events = [event async for event in backend.stream(REQUEST)]
    assert events[-1].type == "done"
    assert events[-1].response.message.text == "echo: hello"
    assert backend.failovers == 1
    await backend.aclose()


async def test_failover_repeats_no_tool_call(good: list[str], broken: str, tmp_path: Path) -> None:
    """The model call moves to another replica; the tool it asked for runs exactly once."""
    config = load_config_text(
        f"""
models:
  default:
    pool: ["openai:{broken}?model=echo", "openai:{good[0]}?model=echo"]
    strategy: round_robin
toolsets:
  notes: {{kind: python, tools: ["tests.scale.tools:record"]}}
agents:
  writer: {{instructions: Record the text., toolsets: [notes]}}
""",
        base_dir=tmp_path,
    )
    tools.CALLS.clear()
    async with build_system(config) as system:
        result = await system.run("note this", agent="writer")
    assert result.stop_reason == "final", result.detail
    assert result.output == "done: recorded note this"
    assert tools.CALLS == ["note this"]


async def test_capabilities_are_what_every_member_shares(good: list[str]) -> None:
    backend = pool(good[0], f"{good[1]}&tool_strategy=none")
    assert not backend.capabilities.tool_path
    reports = await backend.preflight()
    assert [report.reachable for report in reports] == [True, True]
    assert reports[0].lacks == ()
    assert "native_tools" in reports[1].lacks
    await backend.aclose()


def test_a_tool_agent_on_a_pool_without_a_shared_tool_path_is_refused(good: list[str]) -> None:
    config = load_config_text(
        f"""
models:
  default:
    pool: ["openai:{good[0]}?model=echo", "openai:{good[1]}?model=echo&tool_strategy=none"]
agents:
  a: {{instructions: x, tools: [calculator]}}
"""
    )
    with pytest.raises(ConfigValidationError, match="no way to call"):
        build_system(config)
