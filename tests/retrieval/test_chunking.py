"""Chunking with the real embedder's tokenizer: sizes, overlap, headings, stable ids."""

from __future__ import annotations

import itertools

from interlace.runtimes.embeddings import Embedder
from interlace.tools.retrieval.chunking import chunk_document
from interlace.tools.retrieval.loaders import Document, Section
from interlace.tools.retrieval.settings import ChunkingSettings

SENTENCES = [f"Sentence number {n} talks about topic {n * 7} in detail." for n in range(60)]


def _document(*sections: Section) -> Document:
    return Document("/docs/a.md", "A", "markdown", "sha", list(sections))


def test_chunks_fit_the_token_budget_and_overlap(embedder: Embedder) -> None:
    settings = ChunkingSettings(max_tokens=40, overlap_tokens=10)
    paragraphs = "\n\n".join(SENTENCES)
    chunks = chunk_document(_document(Section(paragraphs, "Intro")), settings, embedder)
    assert len(chunks) > 5
    assert max(embedder.count_tokens([c.text for c in chunks])) <= 40
    for before, after in itertools.pairwise(chunks):
        head = after.text.split("\n\n")[0]
        assert before.text.endswith(head), "each chunk starts with the previous one's tail"
    joined = " ".join(c.text for c in chunks)
    assert all(sentence in joined for sentence in SENTENCES)


def test_paragraphs_are_not_split_when_they_fit(embedder: Embedder) -> None:
    settings = ChunkingSettings(max_tokens=40, overlap_tokens=0)
    chunks = chunk_document(_document(Section("\n\n".join(SENTENCES[:10]))), settings, embedder)
    for chunk in chunks:
        assert all(part in SENTENCES for part in chunk.text.split("\n\n"))


def test_long_paragraph_becomes_overlapping_windows(embedder: Embedder) -> None:
    settings = ChunkingSettings(max_tokens=32, overlap_tokens=8)
    long_paragraph = " ".join(SENTENCES[:20])
    chunks = chunk_document(_document(Section(long_paragraph)), settings, embedder)
    assert len(chunks) >= 6
    assert max(embedder.count_tokens([c.text for c in chunks])) <= 32
    for before, after in itertools.pairwise(chunks):
        first_word = after.text.split()[0]
        assert first_word in before.text.split()[-10:], "windows overlap at word boundaries"
    assert chunks[0].text.startswith("Sentence number 0")
    assert chunks[-1].text.endswith("topic 133 in detail.")


def test_chunks_never_cross_sections_and_ids_are_content_hashes(embedder: Embedder) -> None:
    settings = ChunkingSettings()
    document = _document(Section("Same text.", "One"), Section("Same text.", "Two"))
    chunks = chunk_document(document, settings, embedder)
    assert [(c.heading, c.text) for c in chunks] == [("One", "Same text."), ("Two", "Same text.")]
    assert len({c.id for c in chunks}) == 2
    again = chunk_document(document, settings, embedder)
    assert [c.id for c in again] == [c.id for c in chunks]
    edited = _document(Section("Same text.", "One"), Section("Other text.", "Two"))
    edited_ids = [c.id for c in chunk_document(edited, settings, embedder)]
    assert edited_ids[0] == chunks[0].id
    assert edited_ids[1] != chunks[1].id


def test_repeated_paragraphs_get_distinct_ids(embedder: Embedder) -> None:
    settings = ChunkingSettings(max_tokens=16, overlap_tokens=0)
    text = "\n\n".join(["A repeated paragraph with several words in it."] * 3)
    chunks = chunk_document(_document(Section(text)), settings, embedder)
    assert len(chunks) == 3
    assert len({c.id for c in chunks}) == 3
