"""The vector store: one Chroma collection, its embedder, dense / BM25 / hybrid search.

Every write records a new random version token in the collection's metadata. A search
first reads the token: when another store object or process wrote since, the keyword
index is rebuilt and, for an embedded store written by another process, the Chroma client
is reopened (its in-memory vector index would otherwise still return deleted chunks and
miss new ones).
"""

from __future__ import annotations

import importlib
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast, get_args

from interlace.protocols.errors import (
    ConfigError,
    RunFailure,
    UsageError,
    surface_offline_refusal,
)

from . import manifest, ranking
from .bm25 import Bm25Index
from .chunking import Tokenizer
from .hits import DocumentHit, Hit, group_by_document, index_text, keyword_text, to_hit
from .settings import StoreSettings

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SearchMode = Literal["dense", "bm25", "hybrid"]
EMBEDDER_KEY = "interlace:embedder"
DIMENSION_KEY = "interlace:dimension"
VERSION_KEY = "interlace:version"
# The default embedder lives in interlace.runtimes; tools never import runtimes directly
# (layering), so it is named here and imported on demand, like the registries do.
DEFAULT_EMBEDDER_FACTORY = "interlace.runtimes.embeddings:get_embedder"
_UNSET: Any = object()
POOL = 50
"""Candidates taken from each ranking (at least) before scoring documents and fusing."""
_written_here: set[str] = set()
"""Version tokens written by this process (its clients share one Chroma system)."""


_Found = dict[str, tuple[float | None, str, dict[str, Any]]]
"""Candidate passages: id -> (cosine similarity, text, metadata)."""


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
    with _damage_reported(settings):
        collection = client.get_or_create_collection(
            settings.collection,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={EMBEDDER_KEY: embedder.name},
        )
    _check_embedder(collection, embedder, settings)
    return VectorStore(settings, client, collection, embedder)


@contextmanager
def _damage_reported(settings: StoreSettings) -> Iterator[None]:
    """Chroma's database errors on an on-disk store as one line: which folder is damaged
    and how to rebuild it."""
    import sqlite3

    from chromadb.errors import ChromaError

    try:
        yield
    except (ChromaError, sqlite3.DatabaseError) as error:
        if settings.mode != "persistent":
            raise
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RunFailure(
            f"the store at {settings.path} is damaged ({reason}); rebuild it: move that "
            "folder away (or delete it), then run `interlace ingest CONFIG PATHS...` again"
        ) from None


def _client(settings: StoreSettings) -> Any:
    import chromadb
    from chromadb.config import Settings

    chroma_settings = Settings(anonymized_telemetry=False)
    if settings.mode == "persistent":
        settings.path.mkdir(parents=True, exist_ok=True)
        with _damage_reported(settings):
            return chromadb.PersistentClient(path=str(settings.path), settings=chroma_settings)
    try:
        return chromadb.HttpClient(host=settings.host, port=settings.port, settings=chroma_settings)
    except Exception as error:  # chromadb raises several unrelated types here
        surface_offline_refusal(error)
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
        self._lock = threading.RLock()
        self._version = (collection.metadata or {}).get(VERSION_KEY)

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

    # --- versions ---------------------------------------------------------------------------

    def _written(self) -> None:
        """Record a new version after a write, so every other reader notices it."""
        token = uuid.uuid4().hex
        _written_here.add(token)
        fresh = self._client.get_collection(self.settings.collection)
        self.collection.modify(metadata={**(fresh.metadata or {}), VERSION_KEY: token})
        with self._lock:
            self._version, self._bm25 = token, None

    def refresh(self) -> None:
        """Catch up with writes by other store objects or processes (searches call it)."""
        try:
            current = self._client.get_collection(self.settings.collection)
        except Exception as error:  # chromadb raises NotFoundError or ValueError by version
            raise RunFailure(
                f"the store collection {self.settings.collection!r} is gone ({error}); "
                "ingest the documents again"
            ) from error
        token = (current.metadata or {}).get(VERSION_KEY)
        with self._lock:
            if token == self._version:
                return
            if self.settings.mode == "persistent" and token not in _written_here:
                self._reopen()
            self._version, self._bm25 = token, None

    def _reopen(self) -> None:
        """A fresh embedded Chroma client: another process changed the files under it."""
        from chromadb.api.shared_system_client import SharedSystemClient

        identifier = self._client._identifier
        self._client.close()
        SharedSystemClient._identifier_to_system.pop(identifier, None)  # shared and stale
        self._client = _client(self.settings)
        self.collection = self._client.get_collection(self.settings.collection)

    # --- writes (used by ingestion) -------------------------------------------------------

    def add(
        self, ids: Sequence[str], documents: Sequence[str], metadatas: Sequence[dict[str, Any]]
    ) -> None:
        """Embed and add chunks, in batches the server accepts."""
        if not ids:
            return
        manifest.invalidate(self.settings)
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
        self._written()

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        """Replace the metadata of existing chunks (text and vectors stay)."""
        if ids:
            manifest.invalidate(self.settings)
            self.collection.update(ids=list(ids), metadatas=list(metadatas))
            self._written()

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id."""
        if ids:
            manifest.invalidate(self.settings)
            step = max(1, int(self._client.get_max_batch_size()))
            for start in range(0, len(ids), step):
                self.collection.delete(ids=list(ids[start : start + step]))
            self._written()

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
                return [row for row in rows if row[1] is not None and row[2] is not None]
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
        """The ``k`` passages most relevant to ``query``, best first.

        Passages are scored as parts of their documents (see
        :mod:`interlace.tools.retrieval.ranking`). ``filters`` use Chroma's metadata
        syntax (``{"source": "/abs/path.md"}``, ``{"page": {"$gte": 2}}``). ``mode`` is
        ``dense``, ``bm25`` or ``hybrid`` (dense lifted by a clearly winning keyword
        match); ``threshold`` drops hits whose cosine similarity to the query is lower.
        Both default to the store settings.
        """
        k = self.settings.top_k if k is None else k
        return self._ranked(query, k, 4 * k, filters, mode, threshold)[:k]

    def search_documents(
        self,
        query: str,
        k: int | None = None,
        *,
        passages: int = 2,
        filters: Mapping[str, Any] | None = None,
        mode: SearchMode | None = None,
        threshold: float | None = _UNSET,
    ) -> list[DocumentHit]:
        """The ``k`` documents most relevant to ``query``, best first, each with up to
        ``passages`` of its best passages. Arguments as for :meth:`search`."""
        k = self.settings.top_k if k is None else k
        hits = self._ranked(query, k, 4 * k * passages, filters, mode, threshold)
        return group_by_document(hits, k, passages)

    def _ranked(
        self,
        query: str,
        k: int,
        pool: int,
        filters: Mapping[str, Any] | None,
        mode: SearchMode | None,
        threshold: float | None,
    ) -> list[Hit]:
        mode = mode or ("hybrid" if self.settings.hybrid else "dense")
        threshold = self.settings.threshold if threshold is _UNSET else threshold
        _validate(query, k, mode)
        self.refresh()
        vector = None
        if mode != "bm25" or threshold is not None:
            vector = self.embedder.embed([query], batch_size=1)[0]
        pool = max(pool, POOL)
        found = self._dense(vector, pool, filters) if vector is not None and mode != "bm25" else {}
        keyword = dict(self._keyword(query, pool, filters)) if mode != "dense" else {}
        leads = self._complete(found, keyword, vector)
        candidates = {
            chunk_id: ranking.Candidate(
                str(meta.get("source", "")),
                similarity,
                keyword.get(chunk_id, 0.0),
                leads.get(str(meta.get("lead") or "")),
            )
            for chunk_id, (similarity, _, meta) in found.items()
        }
        scored = ranking.scores(candidates, mode, self.settings.keyword_weight)
        hits = [
            to_hit(chunk_id, scored[chunk_id], *found[chunk_id])
            for chunk_id in sorted(scored, key=lambda key: -scored[key])
            if mode != "bm25" or keyword.get(chunk_id, 0.0) > 0.0
        ]
        if threshold is not None:
            hits = [h for h in hits if h.similarity is not None and h.similarity >= threshold]
        return hits

    def _dense(self, vector: Any, n: int, filters: Mapping[str, Any] | None) -> _Found:
        got = self._guarded(
            self.collection.query,
            filters,
            query_embeddings=[vector],
            n_results=n,
            where=dict(filters) if filters else None,
            include=["documents", "metadatas", "distances"],
        )
        return {
            hit_id: (1.0 - float(distance), document, metadata)
            for hit_id, distance, document, metadata in zip(
                got["ids"][0],
                got["distances"][0],
                got["documents"][0],
                got["metadatas"][0],
                strict=True,
            )
            if document is not None and metadata is not None  # deleted meanwhile
        }

    def _complete(
        self, found: _Found, keyword: Mapping[str, float], vector: Any
    ) -> dict[str, float]:
        """Fetch the keyword-only candidates into ``found``; return the similarity of the
        lead passage of each candidate's document (by lead id)."""
        missing = [chunk_id for chunk_id in keyword if chunk_id not in found]
        leads = {str(meta.get("lead") or "") for _, _, meta in found.values()} - {""}
        if vector is None:
            leads = set()
        wanted = missing + sorted(leads - set(found) - set(missing))
        fetched: _Found = {}
        if wanted:
            include = ["documents", "metadatas"] + (["embeddings"] if vector is not None else [])
            got = self.collection.get(ids=wanted, include=include)
            for n, chunk_id in enumerate(got["ids"]):
                document, meta = got["documents"][n], got["metadatas"][n]
                if document is not None and meta is not None:  # else deleted meanwhile
                    similarity = (
                        float(got["embeddings"][n] @ vector) if vector is not None else None
                    )
                    fetched[chunk_id] = (similarity, document, meta)
        found.update({chunk_id: fetched[chunk_id] for chunk_id in missing if chunk_id in fetched})
        known = {chunk_id: row[0] for chunk_id, row in {**fetched, **found}.items()}
        return {lead: sim for lead in leads if (sim := known.get(lead)) is not None}

    def _keyword(
        self, query: str, n: int, filters: Mapping[str, Any] | None
    ) -> list[tuple[str, float]]:
        allowed = None
        if filters:
            got = self._guarded(self.collection.get, filters, where=dict(filters), include=[])
            allowed = got["ids"]
        return self.bm25_index().top(query, n, allowed)

    def bm25_index(self) -> Bm25Index:
        """The keyword index of the current store version (rebuilt after any write)."""
        with self._lock:
            if self._bm25 is None:
                rows = self.records()
                texts = [keyword_text(r[1], r[2]) for r in rows]
                self._bm25 = Bm25Index([r[0] for r in rows], texts)
            return self._bm25

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
