"""Scoring passages as parts of documents, and fusing dense with keyword evidence.

Each candidate passage gets one score; a document scores as its best passage, and results
are grouped per document (see ``VectorStore.search_documents``).

* Dense: ``(1 - LEAD_WEIGHT) * cosine(passage) + LEAD_WEIGHT * cosine(lead)``, where the
  lead is the document's first passage. What a document is about is stated at its start,
  so a detail deep inside a long document on another subject no longer outranks a short
  document that is about the question.
* Hybrid: the dense score plus ``keyword_weight * peak * bm25 / best_bm25``, where
  ``bm25`` is the document's (its best passage's) and ``peak = (best - second) / best``
  over the BM25 scores of the documents. BM25 counts
  only as much as it clearly singles out a document (a rare name, a code identifier, an
  error message); when keywords spread over many documents it only breaks near-ties.
  Unlike a fixed-weight rank fusion this never lets an indifferent keyword ranking drag a
  good dense ranking down (measured in ``bench/rag.py``).
* BM25 alone: the BM25 score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LEAD_WEIGHT = 0.3
"""Share of the document's first passage in the dense score of each of its passages."""


@dataclass(frozen=True)
class Candidate:
    """What is known about one passage for one query."""

    document: str
    similarity: float | None
    keyword: float = 0.0
    lead: float | None = None
    """Cosine similarity of the first passage of the same document, when known."""


def dense_score(candidate: Candidate) -> float:
    """The passage's cosine blended with its document's lead passage."""
    similarity = candidate.similarity if candidate.similarity is not None else 0.0
    lead = candidate.lead if candidate.lead is not None else similarity
    return (1.0 - LEAD_WEIGHT) * similarity + LEAD_WEIGHT * lead


def document_keywords(candidates: Mapping[str, Candidate]) -> dict[str, float]:
    """The BM25 score of each document: that of its best passage."""
    per_document: dict[str, float] = {}
    for candidate in candidates.values():
        best = per_document.get(candidate.document, 0.0)
        per_document[candidate.document] = max(best, candidate.keyword)
    return per_document


def keyword_peak(candidates: Mapping[str, Candidate]) -> tuple[float, float]:
    """``(best, peak)``: the best document BM25 score and how far it stands out."""
    top = [*sorted(document_keywords(candidates).values(), reverse=True)[:2], 0.0, 0.0]
    if top[0] <= 0.0:
        return 0.0, 0.0
    return top[0], (top[0] - top[1]) / top[0]


def scores(
    candidates: Mapping[str, Candidate], mode: str, keyword_weight: float
) -> dict[str, float]:
    """One score per passage id for ``mode`` (``dense``, ``bm25`` or ``hybrid``)."""
    if mode == "bm25":
        return {key: c.keyword for key, c in candidates.items()}
    dense = {key: dense_score(c) for key, c in candidates.items()}
    if mode == "dense":
        return dense
    best, peak = keyword_peak(candidates)
    if best <= 0.0:
        return dense
    lift = keyword_weight * peak / best
    documents = document_keywords(candidates)
    return {key: dense[key] + lift * documents[c.document] for key, c in candidates.items()}
