"""BM25 keyword ranking (bm25s, English stemming when PyStemmer is installed)."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

logger = logging.getLogger(__name__)
_warned = threading.Event()


Stem = Callable[[list[str]], list[str]]
"""Words in, stems out (what ``bm25s.tokenize`` calls)."""


def english_stemmer() -> Stem | None:
    """A Snowball English stemmer from PyStemmer, or None (with one logged warning)
    when PyStemmer is not installed: BM25 then matches exact word forms only."""
    try:  # a compiled module without type stubs: imported by name
        stemmer_module = importlib.import_module("Stemmer")
    except ImportError:
        if not _warned.is_set():
            _warned.set()
            logger.warning(
                "PyStemmer is not installed: BM25 search matches exact word forms only "
                "('install' will not find 'installing'); pip install 'PyStemmer>=3.1' "
                "(part of the rag extra) for English stemming"
            )
        return None
    # One Stemmer per index: Stemmer objects are not thread-safe (see Bm25Index.top).
    return cast(Stem, stemmer_module.Stemmer("english").stemWords)


class Bm25Index:
    """An in-memory BM25 index over ``texts``, addressed by ``ids``.

    Words are lower-cased, English stopwords dropped and, with ``stem`` (default) and
    PyStemmer installed, reduced to their Snowball stems, in documents and queries alike.
    """

    def __init__(self, ids: Sequence[str], texts: Sequence[str], *, stem: bool = True) -> None:
        import bm25s

        self.ids = list(ids)
        self._position = {chunk_id: n for n, chunk_id in enumerate(self.ids)}
        self._retriever: Any = None
        self._stemmer = english_stemmer() if stem else None
        self._query_lock = threading.Lock()
        if self.ids:
            tokens = bm25s.tokenize(
                list(texts), stopwords="en", stemmer=self._stemmer, show_progress=False
            )
            self._retriever = bm25s.BM25()
            self._retriever.index(tokens, show_progress=False)

    @property
    def stemmed(self) -> bool:
        """Whether words are reduced to their stems."""
        return self._stemmer is not None

    def __len__(self) -> int:
        return len(self.ids)

    def top(
        self, query: str, n: int, allowed: Iterable[str] | None = None
    ) -> list[tuple[str, float]]:
        """Best ``n`` ``(id, score)`` pairs with a positive score, best first."""
        import numpy as np

        if self._retriever is None:
            return []
        vocabulary = self._retriever.vocab_dict
        known = [word for word in self._words(query) if word in vocabulary]
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

    def _words(self, query: str) -> list[str]:
        import bm25s

        with self._query_lock:  # the stemmer keeps per-call state
            words = bm25s.tokenize(
                [query],
                stopwords="en",
                stemmer=self._stemmer,
                return_ids=False,
                show_progress=False,
            )
        return list(words[0])
