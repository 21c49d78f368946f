"""Searching a real on-disk store: dense, BM25, hybrid, filters, threshold, embedder checks."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from interlace.protocols.errors import ConfigError, UsageError
from interlace.runtimes.embeddings import packaged_model_path
from interlace.tools.retrieval import StoreSettings, VectorStore, bm25, ingest_paths, open_store
from interlace.tools.retrieval.bm25 import Bm25Index
from interlace.tools.retrieval.hits import index_text, keyword_text
from interlace.tools.retrieval.ranking import Candidate, keyword_peak, scores


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
    assert hits[0].similarity == pytest.approx(hits[0].score)  # one chunk: its own lead
    assert 0.5 < hits[0].score <= 1.0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_hybrid_fuses_keyword_only_matches(store: VectorStore) -> None:
    # "locomotives" is a rare keyword: BM25 ranks the train page first.
    hits = store.search("locomotives", 1, mode="hybrid")
    assert hits[0].title == "Trains"
    assert hits[0].similarity is not None


def test_bm25_matches_other_forms_of_a_word(store: VectorStore) -> None:
    # The train page says "burn"; only stemming connects it to "burning".
    assert store.bm25_index().stemmed
    hits = store.search("burning", 1, mode="bm25")
    assert hits
    assert hits[0].title == "Trains"
    exact = Bm25Index(["a", "b"], ["Steam locomotives burn coal", "Apples are red"], stem=False)
    assert exact.top("burning", 2) == []
    assert [i for i, _ in exact.top("burn", 2)] == ["a"]


def test_bm25_without_pystemmer_falls_back_to_exact_words(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "Stemmer", None)  # as if not installed
    monkeypatch.setattr(bm25, "_warned", threading.Event())
    index = Bm25Index(["a"], ["Steam locomotives burn coal"])
    assert not index.stemmed
    assert index.top("burning", 1) == []
    assert [i for i, _ in index.top("burn", 1)] == ["a"]
    assert "pip install 'PyStemmer>=3.1'" in caplog.text


def test_keyword_weight_zero_ranks_like_dense(
    make_store: Callable[..., VectorStore], docs: Path
) -> None:
    store = make_store(keyword_weight=0.0)
    ingest_paths(store, [docs], progress=False)
    query = "green package"  # BM25 favours the install section, dense the fruit
    dense = [h.id for h in store.search(query, 3, mode="dense")]
    assert [h.id for h in store.search(query, 3, mode="hybrid")] == dense
    assert store.search(query, 3, mode="bm25")[0].id != dense[0]


def test_keywords_lift_only_as_far_as_they_single_out_a_document() -> None:
    clear = {
        "a": Candidate("doc-a", 0.50, keyword=9.0),
        "b": Candidate("doc-b", 0.55, keyword=1.0),
    }
    assert keyword_peak(clear) == (9.0, pytest.approx(8 / 9))
    lifted = scores(clear, "hybrid", 0.3)
    assert lifted["a"] > lifted["b"]  # a clear keyword winner overtakes a close dense one
    spread = {
        "a": Candidate("doc-a", 0.50, keyword=9.0),
        "b": Candidate("doc-b", 0.55, keyword=8.9),
    }
    even = scores(spread, "hybrid", 0.3)
    assert even["b"] > even["a"]  # keywords that do not discriminate leave dense alone
    assert scores(clear, "bm25", 0.3) == {"a": 9.0, "b": 1.0}
    assert scores(clear, "dense", 0.3) == {"a": 0.50, "b": pytest.approx(0.55)}


def test_a_passage_counts_with_the_lead_of_its_document() -> None:
    deep = Candidate("long.md", 0.60, lead=0.10)  # a detail in a document on another topic
    short = Candidate("short.md", 0.55, lead=0.55)  # a short document about the question
    ranked = scores({"deep": deep, "short": short}, "dense", 0.3)
    assert ranked["short"] > ranked["deep"]
    with pytest.raises(ValueError, match="keyword_weight"):
        StoreSettings.model_validate({"keyword_weight": 1.5})


def test_indexed_text_carries_title_and_heading_once() -> None:
    declared = {"title": "Manual", "heading": "Setup", "source": "/d/man.md"}
    assert index_text("Body.", declared) == "Manual > Setup\n\nBody."
    assert keyword_text("Body.", declared) == "Manual > Setup\n\nBody."
    trail = {"title": "Guide", "heading": "Guide > Setup", "source": "/d/g.md"}
    assert index_text("Body.", trail) == keyword_text("Body.", trail) == "Guide > Setup\n\nBody."
    # A file name is no title for the embedder, but its words still help BM25.
    named = {"title": "install-notes", "heading": "", "source": "/d/install-notes.txt"}
    assert index_text("Body.", named) == "Body."
    assert keyword_text("Body.", named) == "install-notes\nBody."
    assert keyword_text("Body.", {}) == "Body."


def test_metadata_filters(store: VectorStore, docs: Path) -> None:
    fruit = str(docs.resolve() / "fruit.txt")
    query = "install the green package with pip"  # the guide matches best, the fruit too
    for mode in ("dense", "bm25", "hybrid"):
        unfiltered = store.search(query, 4, mode=mode)  # type: ignore[arg-type]
        assert unfiltered[0].source != fruit, mode
        hits = store.search(query, 4, filters={"source": fruit}, mode=mode)  # type: ignore[arg-type]
        assert hits, f"{mode}: the filter left no hits"
        assert {h.source for h in hits} == {fruit}, mode
    unfiltered_kinds = {h.metadata["kind"] for h in store.search("store", 6, mode="dense")}
    assert len(unfiltered_kinds) > 1
    markdown = store.search("store", 6, filters={"kind": "markdown"}, mode="dense")
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
