"""Search results (passages and documents) and the text each passage is indexed by."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
        text = display_path(self.source)
        if self.heading:
            text += f" § {self.heading}"
        if self.page is not None:
            text += f" (p. {self.page})"
        return text


@dataclass(frozen=True)
class DocumentHit:
    """One document found by a search: its score (that of its best passage) and its best
    passages, best first."""

    source: str
    title: str
    score: float
    passages: tuple[Hit, ...]

    @property
    def best(self) -> Hit:
        """The passage that scored highest."""
        return self.passages[0]

    @property
    def similarity(self) -> float | None:
        """Cosine similarity of the best passage to the query."""
        return self.best.similarity


def display_path(source: str) -> str:
    """``source`` relative to the working folder when it lies under it."""
    path = Path(source)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return source


def declared_title(metadata: Mapping[str, Any]) -> str:
    """The document's own title, or "" when the loader fell back to the file name."""
    title = str(metadata.get("title") or "")
    source = str(metadata.get("source") or "")
    return "" if not title or (source and title == Path(source).stem) else title


def index_text(document: str, metadata: Mapping[str, Any]) -> str:
    """The text that is embedded: the document's title (unless the heading trail starts
    with it), the heading trail and the chunk, so a passage carries its context."""
    heading = str(metadata.get("heading") or "")
    title = declared_title(metadata)
    context = heading if not title or heading.startswith(title) else f"{title} > {heading}"
    context = context.removesuffix(" > ")
    return f"{context}\n\n{document}" if context else document


def keyword_text(document: str, metadata: Mapping[str, Any]) -> str:
    """The text that BM25 indexes: the title (even a file name), the heading trail and the
    chunk, so title words match every chunk."""
    title = str(metadata.get("title") or "")
    text = index_text(document, metadata)
    return f"{title}\n{text}" if title and not text.startswith(title) else text


def to_hit(
    hit_id: str, score: float, similarity: float | None, document: str, meta: Mapping[str, Any]
) -> Hit:
    """A :class:`Hit` from a stored chunk."""
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


def group_by_document(hits: list[Hit], k: int, passages: int) -> list[DocumentHit]:
    """The ``k`` best documents of score-ordered ``hits``, each with up to ``passages``."""
    grouped: dict[str, list[Hit]] = {}
    for hit in hits:
        found = grouped.setdefault(hit.source, [])
        if len(found) < passages:
            found.append(hit)
    documents = [
        DocumentHit(source, found[0].title, found[0].score, tuple(found))
        for source, found in grouped.items()
    ]
    return documents[:k]
