"""The vector store: one Chroma collection, its embedder, dense / BM25 / hybrid search."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast, get_args

from interlace.protocols.errors import ConfigError, RunFailure, UsageError

from .bm25 import Bm25Index, reciprocal_rank_fusion
from .chunking import Tokenizer
from .settings import StoreSettings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SearchMode = Literal["dense", "bm25", "hybrid"]
EMBEDDER_KEY = "interlace:embedder"
DIMENSION_KEY = "interlace:dimension"
# The default embedder lives in interlace.runtimes; tools never import runtimes directly
# (layering), so it is named here and imported on demand, like the registries do.
DEFAULT_EMBEDDER_FACTORY = "interlace.runtimes.embeddings:get_embedder"
_UNSET: Any = object()
HYBRID_POOL = 50
"""Candidates taken from each ranking (at least) before hybrid fusion."""


class TextEmbedder(Tokenizer, Protocol):
    """What the store needs from an embedder (see ``interlace.runtimes.embeddings``)."""

    @property
    def name(self) -> str:
        """Stable identity recorded in the collection it builds."""
        ...

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    @property
    def max_tokens(self) -> int:
        """Longest input the model reads."""
        ...

    def embed(self, texts: Sequence[str], *, batch_size: int = 64) -> npt.NDArray[np.float32]:
        """Unit-length vectors, one row per text."""
        ...


@dataclass(frozen=True)
class Hit:
    """One search result: the chunk text, its scores and where it comes from."""

    id: str
    text: str
    score: float
    similarity: float | None
    source: str
    title: str = ""
    heading: str = ""
    page: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def citation(self) -> str:
        """``path § heading (p. N)``: what an answer cites for this passage."""
        text = _display_path(self.source)
        if self.heading:
            text += f" § {self.heading}"
        if self.page is not None:
            text += f" (p. {self.page})"
        return text


def _display_path(source: str) -> str:
    path = Path(source)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return source


def index_text(document: str, metadata: Mapping[str, Any]) -> str:
    """The text that is embedded and keyword-indexed: heading trail plus chunk."""
    heading = str(metadata.get("heading") or "")
    return f"{heading}\n\n{document}" if heading else document


def keyword_text(document: str, metadata: Mapping[str, Any]) -> str:
    """The text that BM25 indexes: the document title (unless the heading trail starts
    with it), the heading trail and the chunk, so title words match every chunk."""
    title = str(metadata.get("title") or "")
    heading = str(metadata.get("heading") or "")
    text = index_text(document, metadata)
    return f"{title}\n{text}" if title and not heading.startswith(title) else text


def open_store(settings: StoreSettings, *, embedder: TextEmbedder | None = None) -> VectorStore:
    """Open (or create) the store that ``settings`` describe.

    ``embedder`` defaults to the sentence-transformers model named by
    ``settings.embedder``. Raises :class:`ConfigError` when the collection was built
    with another embedder.
    """
    if embedder is None:
        module, _, function = DEFAULT_EMBEDDER_FACTORY.partition(":")
        factory = getattr(importlib.import_module(module), function)
        embedder = cast(TextEmbedder, factory(settings.embedder, device=settings.device))
    client = _client(settings)
    collection = client.get_or_create_collection(
        settings.collection,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine"}},
        metadata={EMBEDDER_KEY: embedder.name},
    )
    _check_embedder(collection, embedder, settings)
    return VectorStore(settings, client, collection, embedder)


def _client(settings: StoreSettings) -> Any:
    import chromadb
    from chromadb.config import Settings

    chroma_settings = Settings(anonymized_telemetry=False)
    if settings.mode == "persistent":
        settings.path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.path), settings=chroma_settings)
    try:
        return chromadb.HttpClient(host=settings.host, port=settings.port, settings=chroma_settings)
    except Exception as error:  # chromadb raises several unrelated types here
        raise RunFailure(
            f"cannot reach the Chroma server at http://{settings.host}:{settings.port} "
            f"({error}); start one with `chroma run --path DIR --port {settings.port}` "
            "or set mode: persistent"
        ) from error


def _check_embedder(collection: Any, embedder: TextEmbedder, settings: StoreSettings) -> None:
    recorded = (collection.metadata or {}).get(EMBEDDER_KEY)
    if recorded == embedder.name:
        return
    if recorded is None and collection.count() == 0:
        collection.modify(metadata={**(collection.metadata or {}), EMBEDDER_KEY: embedder.name})
        return
    where = settings.path if settings.mode == "persistent" else f"{settings.host}:{settings.port}"
    raise ConfigError(
        f"store collection {settings.collection!r} at {where} was built with embedder "
        f"{recorded or '(not recorded: not an interlace store)'!r}, but this configuration "
        f"uses {embedder.name!r}; vectors of different embedders cannot be mixed. Set "
        f"embedder back to the one that built it, or use another collection or path and "
        "ingest again"
    )


class VectorStore:
    """A Chroma collection with its embedder; search with ``search``.

    Create it with :func:`open_store`; fill it with
    :func:`interlace.tools.retrieval.ingest_paths`.
    """

    def __init__(
        self, settings: StoreSettings, client: Any, collection: Any, embedder: TextEmbedder
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self._client = client
        self.collection = collection
        self._bm25: Bm25Index | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Release the Chroma client (connections, database handles); idempotent."""
        clients = [self._client, getattr(self._client, "_admin_client", None)]
        sessions = [getattr(getattr(c, "_server", None), "_session", None) for c in clients]
        self._client.close()
        if self.settings.mode == "http":  # each HttpClient owns its systems and sessions
            for session in sessions:
                if session is not None:
                    session.close()  # chromadb never closes its httpx sessions

    async def aclose(self) -> None:
        """Async form of :meth:`close`."""
        self.close()

    def __enter__(self) -> VectorStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def count(self) -> int:
        """Number of chunks in the store."""
        return int(self.collection.count())

    # --- writes (used by ingestion) -------------------------------------------------------

    def add(
        self, ids: Sequence[str], documents: Sequence[str], metadatas: Sequence[dict[str, Any]]
    ) -> None:
        """Embed and add chunks, in batches the server accepts."""
        if not ids:
            return
        texts = [index_text(d, m) for d, m in zip(documents, metadatas, strict=True)]
        vectors = self.embedder.embed(texts, batch_size=self.settings.batch_size)
        step = max(1, int(self._client.get_max_batch_size()))
        for start in range(0, len(ids), step):
            stop = start + step
            self.collection.add(
                ids=list(ids[start:stop]),
                embeddings=vectors[start:stop],
                documents=list(documents[start:stop]),
                metadatas=list(metadatas[start:stop]),
            )
        self._bm25 = None

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        """Replace the metadata of existing chunks (text and vectors stay)."""
        if ids:
            self.collection.update(ids=list(ids), metadatas=list(metadatas))

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        if ids:
            step = max(1, int(self._client.get_max_batch_size()))
            for start in range(0, len(ids), step):
                self.collection.delete(ids=list(ids[start : start + step]))
            self._bm25 = None

    def records(self, page_size: int = 5000) -> list[tuple[str, str, dict[str, Any]]]:
        """Every ``(id, document, metadata)`` in the store."""
        rows: list[tuple[str, str, dict[str, Any]]] = []
        offset = 0
        while True:
            got = self.collection.get(
                include=["documents", "metadatas"], limit=page_size, offset=offset
            )
            rows.extend(zip(got["ids"], got["documents"], got["metadatas"], strict=True))
            if len(got["ids"]) < page_size:
                return rows
            offset += page_size

    # --- search ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        filters: Mapping[str, Any] | None = None,
        mode: SearchMode | None = None,
        threshold: float | None = _UNSET,
    ) -> list[Hit]:
        """The ``k`` chunks most relevant to ``query``, best first.

        ``filters`` use Chroma's metadata syntax (``{"source": "/abs/path.md"}``,
        ``{"page": {"$gte": 2}}``). ``mode`` is ``dense``, ``bm25`` or ``hybrid`` (dense +
        BM25 fused by reciprocal rank, weighted by ``settings.dense_weight``);
        ``threshold`` drops hits whose cosine similarity to the query is lower. Both
        default to the store settings.
        """
        k = self.settings.top_k if k is None else k
        mode = mode or ("hybrid" if self.settings.hybrid else "dense")
        threshold = self.settings.threshold if threshold is _UNSET else threshold
        _validate(query, k, mode)
        vector = None
        if mode != "bm25" or threshold is not None:
            vector = self.embedder.embed([query], batch_size=1)[0]
        # Fuse deep candidate lists: a passage ranked fairly well by both lists must not
        # be lost because one list was cut short.
        pool = k if mode == "dense" else max(4 * k, HYBRID_POOL)
        dense = self._dense(vector, pool, filters) if vector is not None and mode != "bm25" else []
        keyword = self._keyword(query, pool, filters) if mode != "dense" else []
        if mode == "dense":
            ranked = [(hit_id, sim) for hit_id, sim, _, _ in dense]
        elif mode == "bm25":
            ranked = keyword
        else:
            weight = self.settings.dense_weight
            fused = reciprocal_rank_fusion(
                [[h[0] for h in dense], [h[0] for h in keyword]], weights=[weight, 1.0 - weight]
            )
            ranked = sorted(fused.items(), key=lambda item: -item[1])
        return self._hits(ranked, dense, vector, threshold, k)

    def _dense(
        self, vector: Any, n: int, filters: Mapping[str, Any] | None
    ) -> list[tuple[str, float, str, dict[str, Any]]]:
        got = self._guarded(
            self.collection.query,
            filters,
            query_embeddings=[vector],
            n_results=n,
            where=dict(filters) if filters else None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (hit_id, 1.0 - float(distance), document, metadata)
            for hit_id, distance, document, metadata in zip(
                got["ids"][0],
                got["distances"][0],
                got["documents"][0],
                got["metadatas"][0],
                strict=True,
            )
        ]

    def _keyword(
        self, query: str, n: int, filters: Mapping[str, Any] | None
    ) -> list[tuple[str, float]]:
        allowed = None
        if filters:
            got = self._guarded(self.collection.get, filters, where=dict(filters), include=[])
            allowed = got["ids"]
        return self.bm25_index().top(query, n, allowed)

    def bm25_index(self) -> Bm25Index:
        """The keyword index, rebuilt when the collection changed."""
        with self._lock:
            # Another store object or process may have written: compare sizes too.
            stale = self._bm25 is None or len(self._bm25) != self.count()
            if stale:
                rows = self.records()
                texts = [keyword_text(r[1], r[2]) for r in rows]
                self._bm25 = Bm25Index([r[0] for r in rows], texts)
            assert self._bm25 is not None
            return self._bm25

    def _hits(
        self,
        ranked: list[tuple[str, float]],
        dense: list[tuple[str, float, str, dict[str, Any]]],
        vector: Any,
        threshold: float | None,
        k: int,
    ) -> list[Hit]:
        known = {hit_id: (sim, doc, meta) for hit_id, sim, doc, meta in dense}
        missing = [hit_id for hit_id, _ in ranked[: 4 * k] if hit_id not in known]
        if missing:
            include = ["documents", "metadatas"] + (["embeddings"] if vector is not None else [])
            got = self.collection.get(ids=missing, include=include)
            for n, hit_id in enumerate(got["ids"]):
                sim = float(got["embeddings"][n] @ vector) if vector is not None else None
                known[hit_id] = (sim, got["documents"][n], got["metadatas"][n])  # type: ignore[assignment]
        hits: list[Hit] = []
        for hit_id, score in ranked:
            if hit_id not in known:
                continue
            sim, document, meta = known[hit_id]
            if threshold is not None and (sim is None or sim < threshold):
                continue
            hits.append(_hit(hit_id, score, sim, document, meta))
            if len(hits) == k:
                break
        return hits

    def _guarded(self, method: Any, filters: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except (ValueError, TypeError) as error:
            raise UsageError(
                f"invalid search filters {dict(filters or {})!r}: {error}. Use Chroma "
                "metadata filters, e.g. {'source': '/abs/doc.md'} or "
                "{'$and': [{'page': {'$gte': 2}}, {'title': 'Guide'}]}"
            ) from error


def _validate(query: str, k: int, mode: str) -> None:
    if not query.strip():
        raise UsageError("the search query is empty; pass some words to search for")
    if k < 1:
        raise UsageError(f"k must be at least 1, got {k}")
    if mode not in get_args(SearchMode):
        raise UsageError(f"unknown search mode {mode!r}; use one of {get_args(SearchMode)}")


def _hit(
    hit_id: str, score: float, similarity: float | None, document: str, meta: dict[str, Any]
) -> Hit:
    page = meta.get("page")
    return Hit(
        id=hit_id,
        text=document,
        score=score,
        similarity=similarity,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        heading=str(meta.get("heading", "")),
        page=int(page) if page is not None else None,
        metadata=meta,
    )
