"""BM25 keyword ranking (bm25s) and reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

RRF_K = 60
"""The usual reciprocal-rank-fusion constant (Cormack et al. 2009)."""


class Bm25Index:
    """An in-memory BM25 index over ``texts``, addressed by ``ids``."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        import bm25s

        self.ids = list(ids)
        self._position = {chunk_id: n for n, chunk_id in enumerate(self.ids)}
        self._retriever: Any = None
        if self.ids:
            tokens = bm25s.tokenize(list(texts), stopwords="en", show_progress=False)
            self._retriever = bm25s.BM25()
            self._retriever.index(tokens, show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def top(
        self, query: str, n: int, allowed: Iterable[str] | None = None
    ) -> list[tuple[str, float]]:
        """Best ``n`` ``(id, score)`` pairs with a positive score, best first."""
        import bm25s
        import numpy as np

        if self._retriever is None:
            return []
        vocabulary = self._retriever.vocab_dict
        words = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
        known = [word for word in words[0] if word in vocabulary]
        if not known:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            for chunk_id in allowed:
                position = self._position.get(chunk_id)
                if position is not None:
                    mask[position] = 1.0
        scores = self._retriever.get_scores(known, weight_mask=mask)
        best = np.argsort(-scores, kind="stable")[:n]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> dict[str, float]:
    """Fused score per id: the sum over rankings of ``1 / (k + rank)`` (rank from 1)."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, 1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (k + rank)
    return fused
