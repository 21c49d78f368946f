"""Shared fixtures: agents on scripted backends behind a LocalHost, and a live server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from interlace.agents import Agent
from interlace.agents.serve.app import build_app, running_server
from interlace.agents.serve.local import LocalHost
from interlace.agents.serve.settings import ServeSettings
from interlace.runtimes.scripted import ScriptedBackend, call
from interlace.tools import FunctionToolset, tool
from interlace.tools.retrieval import StoreSettings, VectorStore, ingest_paths, open_store
from tests.processes import free_port

GUIDE = """# Lighthouse guide

The lighthouse keeper logs every ship that passes the harbour.

## Installing the lamp

Mount the Fresnel lens on the brass pedestal before lighting the lamp. Tighten the
three clamps by hand. Never use a wrench on the lens frame.

## Storms

During storms the keeper winds the clockwork every two hours.
"""


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: first number
        b: second number
    """
    return a + b


@tool(requires_approval=True)
def delete_file(path: str) -> str:
    """Delete a file (needs approval).

    Args:
        path: the file to delete
    """
    return f"deleted {path}"


def echo_agent(reply: str = "hello from echo") -> Agent:
    """An agent that always answers ``reply``."""
    return Agent(
        name="echo",
        description="Answers with a fixed greeting.",
        model=ScriptedBackend([reply], repeat=True),
    )


def adder_agent() -> Agent:
    """An agent that calls ``add`` once, then answers with the sum."""
    backend = ScriptedBackend([call("add", a=2, b=3), "The sum is 5."], repeat=True)
    return Agent(
        name="adder",
        description="Adds numbers with a tool.",
        model=backend,
        toolsets=[FunctionToolset([add])],
    )


def broken_agent() -> Agent:
    """An agent whose backend raises a non-interlace error (a bug)."""
    return Agent(
        name="broken",
        description="Always fails.",
        model=ScriptedBackend([RuntimeError("secret internal detail")], repeat=True),
    )


def slow_agent(delay: float = 0.5) -> Agent:
    """An agent that streams slowly (for timeouts and cancellation)."""
    backend = ScriptedBackend(
        ["one two three four five six"], repeat=True, chunk_delay=delay, chunk_size=4
    )
    return Agent(name="slow", description="Answers slowly.", model=backend)


def careful_agent() -> Agent:
    """An agent whose tool call needs human approval."""
    backend = ScriptedBackend(
        [call("delete_file", path="a.txt"), "Done: a.txt deleted."], repeat=True
    )
    return Agent(
        name="careful",
        description="Deletes files after approval.",
        model=backend,
        toolsets=[FunctionToolset([delete_file])],
    )


@pytest.fixture
def host() -> LocalHost:
    return LocalHost(
        [echo_agent(), adder_agent(), broken_agent(), slow_agent(), careful_agent()],
        {"math": FunctionToolset([add])},
    )


@pytest.fixture
async def base_url(host: LocalHost) -> AsyncIterator[str]:
    """A live server (all protocols) on a free loopback port."""
    settings = ServeSettings(port=free_port(), timeout_s=5.0, max_body_bytes=200_000)
    async with running_server(build_app(host, settings), port=settings.port) as url:
        yield url


@pytest.fixture(scope="session")
def docs_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web-docs")
    (root / "lighthouse.md").write_text(GUIDE)
    return root


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory, docs_folder: Path) -> Iterator[VectorStore]:
    """A real persistent store holding the lighthouse guide."""
    path = tmp_path_factory.mktemp("web") / "store"  # uploads go to web/uploads/docs
    settings = StoreSettings(path=path, device="cpu", top_k=2, threshold=0.2)
    opened = open_store(settings)
    ingest_paths(opened, [docs_folder], progress=False)
    yield opened
    opened.close()
