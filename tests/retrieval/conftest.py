"""Fixtures of the retrieval tests: the real packaged embedder and real on-disk stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from interlace.runtimes.embeddings import Embedder, get_embedder
from interlace.tools.retrieval import StoreSettings, VectorStore, open_store


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
