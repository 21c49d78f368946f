"""Fixtures of the retrieval tests: the real packaged embedder, real on-disk stores and
one real ``chroma run`` server for the session."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interlace.runtimes.embeddings import Embedder, get_embedder
from interlace.tools.retrieval import StoreSettings, VectorStore, open_store
from tests.processes import free_port, stop_process


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the whole session."""
    found = get_embedder("default", device="cpu")
    assert found.dimension == 384
    return found


@pytest.fixture
def make_store(tmp_path: Path, embedder: Embedder) -> Iterator[Callable[..., VectorStore]]:
    """Open persistent stores under ``tmp_path`` with settings overrides; closed after."""
    opened: list[VectorStore] = []

    def make(**overrides: Any) -> VectorStore:
        settings: dict[str, Any] = {"path": tmp_path / "store", "device": "cpu", **overrides}
        opened.append(open_store(StoreSettings.model_validate(settings)))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A small folder of documents of several kinds."""
    root = tmp_path / "docs"
    root.mkdir()
    (root / "guide.md").write_text(
        "# Interlace guide\n\nInterlace composes agents into graphs.\n\n"
        "## Installing\n\nRun pip install interlace to install the package.\n\n"
        "## Storage\n\nThe vector store keeps chunks in Chroma on disk.\n"
    )
    (root / "fruit.txt").write_text(
        "Bananas are yellow fruit rich in potassium.\n\nApples can be red or green.\n"
    )
    (root / "page.html").write_text(
        "<html><head><title>Trains</title><script>var x = 'ignored';</script></head>"
        "<body><h1>Trains</h1><p>Steam locomotives burn coal to boil water.</p></body></html>"
    )
    return root


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A ``chroma run`` server on 127.0.0.1 for the session; its port (tests use their own
    collections)."""
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    command = [chroma, "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma run did not start within 60 s")
        yield port
    finally:
        stop_process(server, timeout=30)
