"""Citations the page can open: ``[path § heading (p. N)]`` back to the passage it names,
with the sentences that support the cited claim marked, and the document it came from."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interlace.protocols.errors import UsageError

SECTION = " § "
_PAGE = re.compile(r"^(?P<rest>.*?) \(p\. (?P<page>\d+)\)$")
_PIECES = re.compile(r"((?<=[.!?])\s+|\n\s*\n)")
HIGHLIGHT = 0.5
"""Share of a passage sentence's content words the claim must use for it to be marked."""


@dataclass(frozen=True)
class Citation:
    """A parsed citation: the source path as cited, its heading trail and page."""

    path: str
    heading: str = ""
    page: int | None = None

    @classmethod
    def parse(cls, text: str) -> Citation:
        """Read ``path § heading (p. N)`` (heading and page optional)."""
        text = text.strip().removeprefix("[").removesuffix("]").strip()
        page = None
        if match := _PAGE.match(text):
            text, page = match["rest"], int(match["page"])
        path, _, heading = text.partition(SECTION)
        if not path.strip():
            raise UsageError(f"cannot read citation {text!r}; expected 'path § heading'")
        return cls(path.strip(), heading.strip(), page)

    def source(self) -> str:
        """The absolute source path (answers cite paths relative to the server's folder)."""
        path = Path(self.path).expanduser()
        return str(path if path.is_absolute() else Path.cwd() / path)

    def where(self) -> dict[str, Any]:
        """The Chroma metadata filter selecting the cited chunks."""
        terms: list[dict[str, Any]] = [{"source": self.source()}]
        if self.heading:
            terms.append({"heading": self.heading})
        if self.page is not None:
            terms.append({"page": self.page})
        return terms[0] if len(terms) == 1 else {"$and": terms}


def find_passage(stores: Mapping[str, Any], ref: str, claim: str) -> dict[str, Any] | None:
    """The passage ``ref`` cites, best matching ``claim``, as the page shows it:
    ``{store, source, title, heading, page, chunk_id, segments: [{text, cited}]}``."""
    citation = Citation.parse(ref)
    for name in stores:
        rows = _rows(stores[name], citation.where())
        if rows:
            chunk_id, text, meta = max(rows, key=lambda row: _support(claim, row[1]))
            return {
                "store": name,
                "citation": ref,
                "source": str(meta.get("source", "")),
                "title": str(meta.get("title", "")),
                "heading": str(meta.get("heading", "")),
                "page": meta.get("page"),
                "chunk_id": chunk_id,
                "segments": highlight(text, claim),
            }
    return None


def document(store: Any, source: str) -> dict[str, Any] | None:
    """Every chunk of ``source`` in ``store``, in document order (``None``: not in it)."""
    rows = sorted(_rows(store, {"source": source}), key=lambda row: int(row[2].get("index", 0)))
    if not rows:
        return None
    first = rows[0][2]
    return {
        "source": source,
        "title": str(first.get("title", "")),
        "kind": str(first.get("kind", "")),
        "chunks": [
            {"id": chunk_id, "heading": meta.get("heading", ""), "page": meta.get("page"),
             "text": text}
            for chunk_id, text, meta in rows
        ],
    }  # fmt: skip


def documents(store: Any) -> list[dict[str, Any]]:
    """The documents a store holds: source, title and number of chunks, by path."""
    found: dict[str, dict[str, Any]] = {}
    for _, _, meta in store.records():
        source = str(meta.get("source", ""))
        entry = found.setdefault(
            source, {"source": source, "title": str(meta.get("title", "")), "chunks": 0}
        )
        entry["chunks"] += 1
    return sorted(found.values(), key=lambda entry: entry["source"])


def _rows(store: Any, where: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    got = store.collection.get(where=where, include=["documents", "metadatas"])
    return list(zip(got["ids"], got["documents"], got["metadatas"], strict=True))


def _support(claim: str, text: str) -> int:
    from interlace.agents.rag.answer import words

    return len(words(claim) & words(text))


def highlight(text: str, claim: str) -> list[dict[str, Any]]:
    """``text`` cut into sentences (separators kept, so the pieces join back to ``text``),
    each marked ``cited`` when the claim uses most of its content words; when none
    qualifies, the sentence sharing the most words with the claim is marked."""
    from interlace.agents.rag.answer import words

    claimed = words(claim)
    pieces = [piece for piece in _PIECES.split(text) if piece]
    scores = []
    for piece in pieces:
        own = words(piece)
        scores.append(len(own & claimed) / len(own) if own and claimed else 0.0)
    marked = {n for n, score in enumerate(scores) if score >= HIGHLIGHT}
    if not marked and claimed and max(scores, default=0.0) > 0:
        marked = {max(range(len(pieces)), key=lambda n: scores[n])}
    return [{"text": piece, "cited": n in marked} for n, piece in enumerate(pieces)]
