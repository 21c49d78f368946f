"""Client/server mode against a real ``chroma run`` server on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from interlace.protocols.errors import RunFailure
from interlace.runtimes.embeddings import Embedder
from interlace.tools.retrieval import StoreSettings, ingest_paths, open_store
from tests.processes import free_port, stop_process


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    server = subprocess.Popen(
        [
            chroma,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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


def test_http_store_ingests_and_searches(
    chroma_server: int, docs: Path, embedder: Embedder
) -> None:
    settings = StoreSettings(mode="http", port=chroma_server, collection="team-docs", device="cpu")
    with open_store(settings) as store:
        report = ingest_paths(store, [docs], progress=False)
        assert len(report.added) == 3
        hits = store.search("steam locomotives", 1)
        assert hits[0].title == "Trains"
        # A second client (another teammate) sees the same collection and embedder record.
        with open_store(settings) as again:
            assert again.count() == store.count() > 0
            assert len(ingest_paths(again, [docs], progress=False).unchanged) == 3


def test_unreachable_server_is_a_clear_error() -> None:
    settings = StoreSettings(mode="http", port=free_port())
    with pytest.raises(RunFailure, match="cannot reach the Chroma server"):
        open_store(settings)
