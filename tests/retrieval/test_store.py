"""Searching a real on-disk store: dense, BM25, hybrid, filters, threshold, embedder checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from interlace.protocols.errors import ConfigError, UsageError
from interlace.runtimes.embeddings import packaged_model_path
from interlace.tools.retrieval import StoreSettings, VectorStore, ingest_paths, open_store


@pytest.fixture
def store(make_store: Callable[..., VectorStore], docs: Path) -> VectorStore:
    found = make_store()
    ingest_paths(found, [docs], progress=False)
    return found


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_each_mode_finds_the_right_passage(store: VectorStore, mode: str) -> None:
    hits = store.search("how do I install interlace with pip", 2, mode=mode)  # type: ignore[arg-type]
    assert hits[0].heading == "Interlace guide > Installing"
    assert hits[0].source.endswith("guide.md")
    assert hits[0].citation.endswith("guide.md § Interlace guide > Installing")
    assert len(hits) == 2


def test_dense_scores_are_cosine_similarities(store: VectorStore) -> None:
    hits = store.search("yellow bananas potassium", 3, mode="dense")
    assert hits[0].source.endswith("fruit.txt")
    assert hits[0].similarity == hits[0].score
    assert 0.5 < hits[0].score <= 1.0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_hybrid_fuses_keyword_only_matches(store: VectorStore) -> None:
    # "locomotives" is a rare keyword: BM25 ranks the train page first.
    hits = store.search("locomotives", 1, mode="hybrid")
    assert hits[0].title == "Trains"
    assert hits[0].similarity is not None


def test_metadata_filters(store: VectorStore, docs: Path) -> None:
    only_fruit = {"source": str(docs.resolve() / "fruit.txt")}
    for mode in ("dense", "bm25", "hybrid"):
        hits = store.search("install interlace", 4, filters=only_fruit, mode=mode)  # type: ignore[arg-type]
        assert {h.source for h in hits} <= {only_fruit["source"]}
    markdown = store.search("store", 4, filters={"kind": "markdown"}, mode="dense")
    assert markdown
    assert {h.metadata["kind"] for h in markdown} == {"markdown"}


def test_threshold_drops_unrelated_passages(store: VectorStore) -> None:
    assert store.search("quantum chromodynamics lattice gauge", 3, threshold=0.35) == []
    assert store.search("bananas", 3, threshold=0.35)[0].source.endswith("fruit.txt")


def test_bad_search_input_is_a_usage_error(store: VectorStore) -> None:
    with pytest.raises(UsageError, match="query is empty"):
        store.search("  ")
    with pytest.raises(UsageError, match="unknown search mode"):
        store.search("x", mode="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="invalid search filters"):
        store.search("x", filters={"page": {"$nope": 1}}, mode="dense")


def test_store_refuses_another_embedder(store: VectorStore, tmp_path: Path) -> None:
    other = tmp_path / "other-model"
    other.mkdir()
    for item in packaged_model_path().iterdir():
        (other / item.name).symlink_to(item)
    settings = StoreSettings(path=tmp_path / "store", embedder=str(other), device="cpu")
    with pytest.raises(ConfigError, match="was built with embedder 'all-MiniLM-L6-v2'"):
        open_store(settings)
    # A new collection with the other embedder is fine.
    fresh = open_store(settings.model_copy(update={"collection": "other"}))
    assert fresh.count() == 0


def test_missing_embedder_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a local sentence-transformers model folder"):
        open_store(StoreSettings(path=tmp_path / "s", embedder=str(tmp_path / "nope")))


def test_settings_reject_unknown_keys_and_bad_overlap() -> None:
    with pytest.raises(ValueError, match="extra"):
        StoreSettings.model_validate({"colection": "x"})
    with pytest.raises(ValueError, match="overlap_tokens"):
        StoreSettings.model_validate({"chunking": {"max_tokens": 32, "overlap_tokens": 32}})
