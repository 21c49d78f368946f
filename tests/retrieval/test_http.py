"""Client/server mode against a real ``chroma run`` server on 127.0.0.1: ingest and
search, two processes writing at once, and the RAG assistant example on the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from interlace.agents.config import load_config
from interlace.agents.system import build_system
from interlace.protocols.errors import RunFailure
from interlace.runtimes.embeddings import Embedder
from interlace.tools.retrieval import StoreSettings, ingest_paths, open_store
from tests.processes import free_port
from tests.retrieval.chroma_worker import ingest_and_check
from tests.retrieval.example import EXAMPLE, ingest_and_ask_the_sharing_question

REPO = Path(__file__).resolve().parents[2]


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


def _documents(folder: Path, prefix: str, count: int) -> Path:
    folder.mkdir()
    for n in range(count):
        word = f"{prefix}{n:02d}zq"
        (folder / f"{word}.txt").write_text(f"Note {word}: the {word} valve is checked weekly.\n")
    return folder


def test_two_processes_ingesting_and_querying_at_once_lose_nothing(
    chroma_server: int, tmp_path: Path, embedder: Embedder
) -> None:
    ours, theirs = _documents(tmp_path / "a", "alpha", 8), _documents(tmp_path / "b", "beta", 8)
    go = tmp_path / "go"
    other = subprocess.Popen(
        [sys.executable, "-m", "tests.retrieval.chroma_worker", str(chroma_server), "shared",
         str(theirs), str(go)],
        cwd=REPO, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "ready"
        settings = StoreSettings(mode="http", port=chroma_server, collection="shared", device="cpu")
        with open_store(settings) as store:
            go.touch()  # both processes write from here on
            mine = ingest_and_check(store, ours)
            report = json.loads(other.stdout.readline())
            assert other.wait(60) == 0
            assert mine == {"added": 8, "found": 8}
            assert report == {"added": 8, "found": 8}
            assert store.count() == 16
            for word in ("alpha03zq", "beta06zq"):
                assert store.search(word, 1, mode="bm25")[0].source.endswith(f"{word}.txt")
    finally:
        other.kill()
        other.wait()
        if other.stdout is not None:
            other.stdout.close()


@pytest.mark.slow
async def test_the_rag_assistant_runs_on_a_chroma_server(chroma_server: int) -> None:
    """The example's offline assistant with its store on the server (offline: strict on)."""
    config = load_config(
        EXAMPLE / "config.yaml",
        ["retrieval.docs.mode=http", f"retrieval.docs.port={chroma_server}"],
    )
    system = build_system(config)
    try:
        await ingest_and_ask_the_sharing_question(system)
    finally:
        await system.aclose()
