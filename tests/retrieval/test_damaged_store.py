"""A damaged on-disk store is one line: which folder, and how to rebuild it."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlace.protocols.errors import RunFailure
from interlace.runtimes.embeddings import Embedder
from interlace.tools.retrieval import StoreSettings, open_store


def test_corrupt_database_names_the_folder_and_the_fix(tmp_path: Path, embedder: Embedder) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / "chroma.sqlite3").write_bytes(b"garbage, not SQLite " * 200)
    with pytest.raises(RunFailure) as caught:
        open_store(StoreSettings(path=folder, device="cpu"), embedder=embedder)
    message = str(caught.value)
    assert "\n" not in message
    assert f"the store at {folder} is damaged" in message
    assert "file is not a database" in message
    assert "interlace ingest" in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
