"""Ingestion: idempotent reruns, edits, deletions, skipped files, crash and rerun."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from interlace.protocols.errors import ConfigError, UsageError
from interlace.tools.retrieval import ChunkingSettings, VectorStore, ingest_paths
from interlace.tools.retrieval.ingest import CHUNKER_VERSION, ingest_unchanged


def _snapshot(store: VectorStore) -> dict[str, tuple[str, dict[str, Any]]]:
    return {chunk_id: (doc, meta) for chunk_id, doc, meta in store.records()}


def test_rerun_skips_unchanged_files(make_store: Callable[..., VectorStore], docs: Path) -> None:
    store = make_store()
    first = ingest_paths(store, [docs], progress=False)
    assert sorted(Path(p).name for p in first.added) == ["fruit.txt", "guide.md", "page.html"]
    before = _snapshot(store)
    again = ingest_paths(store, [docs], progress=False)
    assert len(again.unchanged) == 3
    assert (again.added, again.updated, again.chunks_added, again.chunks_removed) == ([], [], 0, 0)
    assert _snapshot(store) == before


def test_nothing_to_do_is_answered_from_the_record_until_anything_changes(
    make_store: Callable[..., VectorStore], docs: Path
) -> None:
    store = make_store()
    (docs / "blob.bin").write_bytes(b"\x00\x01binary")
    first = ingest_paths(store, [docs], progress=False)
    settings, embedder = store.settings, store.embedder
    again = ingest_unchanged(settings, [docs], embedder)
    assert again is not None
    assert sorted(Path(p).name for p in again.unchanged) == ["fruit.txt", "guide.md", "page.html"]
    assert again.skipped == first.skipped  # the same files, for the same reasons
    assert ingest_unchanged(settings, [docs / "guide.md"], embedder) is not None  # a subset
    (docs / "fruit.txt").write_text("Cherries are red.\n")
    assert ingest_unchanged(settings, [docs], embedder) is None  # a changed file
    ingest_paths(store, [docs], progress=False)
    assert ingest_unchanged(settings, [docs], embedder) is not None
    (docs / "fruit.txt").unlink()
    assert ingest_unchanged(settings, [docs], embedder) is None  # a file gone
    assert ingest_unchanged(settings, [docs / "guide.md"], embedder) is not None  # elsewhere
    store.delete([store.records()[0][0]])  # any write forgets the record
    assert ingest_unchanged(settings, [docs / "guide.md"], embedder) is None
    other = settings.model_copy(update={"chunking": ChunkingSettings(max_tokens=100)})
    ingest_paths(store, [docs], progress=False)
    assert ingest_unchanged(other, [docs], embedder) is None  # other chunking


def test_changed_file_is_replaced_and_deleted_file_removed(
    make_store: Callable[..., VectorStore], docs: Path
) -> None:
    store = make_store()
    ingest_paths(store, [docs], progress=False)
    guide = docs / "guide.md"
    guide.write_text(guide.read_text().replace("Chroma on disk", "a SQLite file"))
    (docs / "fruit.txt").unlink()
    report = ingest_paths(store, [docs], progress=False)
    assert [Path(p).name for p in report.updated] == ["guide.md"]
    assert [Path(p).name for p in report.removed] == ["fruit.txt"]
    assert report.chunks_added == 1
    assert report.chunks_removed == 2  # the edited chunk and the deleted file's chunk
    texts = [doc for doc, _ in _snapshot(store).values()]
    assert not any("Chroma on disk" in t or "Bananas" in t for t in texts)
    assert any("a SQLite file" in t for t in texts)
    # Unchanged chunks of the edited file now carry its new hash: a rerun changes nothing.
    assert len(ingest_paths(store, [docs], progress=False).unchanged) == 2
    assert store.count() == len(_fresh(make_store, docs, "fresh"))


def _fresh(
    make_store: Callable[..., VectorStore], docs: Path, collection: str
) -> dict[str, tuple[str, dict[str, Any]]]:
    store = make_store(collection=collection)
    ingest_paths(store, [docs], progress=False)
    return _snapshot(store)


def test_skipped_files_are_listed_and_lose_their_chunks(
    make_store: Callable[..., VectorStore], docs: Path
) -> None:
    store = make_store(chunking={"max_file_bytes": 400})
    (docs / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (docs / "dangling.md").symlink_to(docs / "nowhere.md")
    (docs / ".hidden.md").write_text("# Hidden\n\nnever ingested")
    report = ingest_paths(store, [docs], progress=False)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"image.png", "dangling.md"}
    assert reasons["image.png"].startswith("binary file")
    assert reasons["dangling.md"].startswith("symbolic link to")
    assert any("skipped" in line and "image.png" in line for line in report.warnings())
    (docs / "fruit.txt").write_text("Cherries are small. " * 40)  # now over 400 bytes
    report = ingest_paths(store, [docs], progress=False)
    assert "too large" in {Path(s.path).name: s.reason for s in report.skipped}["fruit.txt"]
    assert not any(m["source"].endswith("fruit.txt") for _, m in _snapshot(store).values())


def test_changed_chunking_rebuilds_chunks(
    make_store: Callable[..., VectorStore], docs: Path
) -> None:
    ingest_paths(make_store(), [docs], progress=False)
    store = make_store(chunking={"max_tokens": 100, "overlap_tokens": 8})
    report = ingest_paths(store, [docs], progress=False)
    assert len(report.updated) == 3
    assert {m["chunking"] for _, m in _snapshot(store).values()} == {f"{CHUNKER_VERSION}:100:8"}


def test_bad_paths_and_chunk_sizes_are_clear_errors(
    make_store: Callable[..., VectorStore], tmp_path: Path
) -> None:
    store = make_store()
    with pytest.raises(UsageError, match="no such file or folder"):
        ingest_paths(store, [tmp_path / "missing"], progress=False)
    with pytest.raises(UsageError, match="nothing to ingest"):
        ingest_paths(store, [], progress=False)
    too_big = make_store(collection="big", chunking={"max_tokens": 1000})
    with pytest.raises(ConfigError, match=r"lower chunking\.max_tokens to 256"):
        ingest_paths(too_big, [tmp_path], progress=False)


CHILD = textwrap.dedent(
    """
    import sys, time
    from interlace.tools.retrieval import StoreSettings, ingest, open_store, store

    ingest.FLUSH_CHUNKS = 3
    original = store.VectorStore.add

    def add(self, *args, **kwargs):
        original(self, *args, **kwargs)
        print("added", flush=True)
        time.sleep(30)

    store.VectorStore.add = add
    settings = StoreSettings(path=sys.argv[1], device="cpu")
    ingest.ingest_paths(open_store(settings), [sys.argv[2]], progress=False)
    print("finished", flush=True)
    """
)


def test_ingest_killed_midway_then_rerun_is_exact(
    make_store: Callable[..., VectorStore], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(12):
        (corpus / f"note{n:02d}.md").write_text(f"# Note {n}\n\nNote {n} is about item {n * 3}.\n")
    store_path = tmp_path / "killed"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store_path), str(corpus)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "added"
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    child.stdout.close()

    killed = make_store(path=store_path)
    assert 0 < killed.count() < 12, "the kill left a partial store"
    report = ingest_paths(killed, [corpus], progress=False)
    assert report.chunks_added == 12 - len(report.unchanged)
    expected = _fresh(make_store, corpus, "reference")
    assert _snapshot(killed) == expected
