"""Private retrieval: a local Chroma store, sentence-transformers embeddings, BM25 hybrid.

``open_store(settings)`` opens a store, ``ingest_paths(store, paths)`` fills it and
``store.search(query, k, filters=..., mode=...)`` queries it. Heavy dependencies
(chromadb, sentence_transformers, bm25s, pypdf) load on first use.
"""

from .hits import DocumentHit, Hit
from .ingest import IngestReport, SkippedFile, ingest_paths
from .settings import ChunkingSettings, StoreSettings
from .store import SearchMode, TextEmbedder, VectorStore, open_store

__all__ = [
    "ChunkingSettings",
    "DocumentHit",
    "Hit",
    "IngestReport",
    "SearchMode",
    "SkippedFile",
    "StoreSettings",
    "TextEmbedder",
    "VectorStore",
    "ingest_paths",
    "open_store",
]
