"""Split documents into chunks that respect headings and paragraphs, sized in tokens.

Paragraphs of one section are packed together up to ``max_tokens``; a chunk starts with
the last ``overlap_tokens`` tokens of the previous one. A paragraph longer than
``max_tokens`` is cut into overlapping windows at word boundaries. Chunks never cross a
heading or a PDF page, so each one has one citation.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .loaders import Document, Section
from .settings import ChunkingSettings

ID_RECIPE = "2"
"""Changes whenever the text indexed for a chunk is built differently (2: with its title)."""
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


class Tokenizer(Protocol):
    """Counts the embedder's tokens (an :class:`interlace.runtimes.embeddings.Embedder`)."""

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens in each text."""
        ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each token of ``text``."""
        ...


@dataclass(frozen=True)
class Chunk:
    """One piece of a document, with what a citation needs and a content-hash id."""

    id: str
    text: str
    heading: str
    page: int | None
    index: int


def chunk_document(
    document: Document, settings: ChunkingSettings, tokenizer: Tokenizer
) -> list[Chunk]:
    """The chunks of ``document`` in reading order, with content-hash ids."""
    paragraphs = [_paragraphs(section.text) for section in document.sections]
    counts = iter(tokenizer.count_tokens([p for group in paragraphs for p in group]))
    pieces: list[tuple[Section, str]] = []
    for section, group in zip(document.sections, paragraphs, strict=True):
        sized = [(p, next(counts)) for p in group]
        pieces.extend((section, text) for text in _pack(sized, settings, tokenizer))
    return _with_ids(document, pieces)


def _paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


def _pack(
    paragraphs: list[tuple[str, int]], settings: ChunkingSettings, tokenizer: Tokenizer
) -> list[str]:
    """Greedy packing of paragraphs into chunks of at most ``max_tokens`` tokens."""
    limit, overlap = settings.max_tokens, settings.overlap_tokens
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for text, tokens in paragraphs:
        if tokens > limit:
            if current:
                chunks.append("\n\n".join(current))
            chunks.extend(_windows(text, limit, overlap, tokenizer))
            current, size = [], 0
            continue
        if current and size + tokens > limit:
            previous = "\n\n".join(current)
            chunks.append(previous)
            tail, tail_tokens = _tail(previous, overlap, tokenizer)
            current, size = (
                ([tail], tail_tokens) if tail and tail_tokens + tokens <= limit else ([], 0)
            )
        current.append(text)
        size += tokens
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def _tail(text: str, tokens: int, tokenizer: Tokenizer) -> tuple[str, int]:
    """The last (at most) ``tokens`` tokens of ``text``, starting at a word."""
    if tokens == 0:
        return "", 0
    offsets = tokenizer.token_offsets(text)
    if len(offsets) <= tokens:
        return "", 0  # the whole chunk would repeat; no overlap then
    first = len(offsets) - tokens
    while first < len(offsets) and not _word_start(text, offsets, first):
        first += 1
    if first >= len(offsets):
        return "", 0
    return text[offsets[first][0] :], len(offsets) - first


def _word_start(text: str, offsets: list[tuple[int, int]], index: int) -> bool:
    start = offsets[index][0]
    return (
        index == 0 or start == 0 or not text[start - 1].isalnum() or offsets[index - 1][1] < start
    )


def _windows(text: str, limit: int, overlap: int, tokenizer: Tokenizer) -> list[str]:
    """Overlapping windows of at most ``limit`` tokens, cut between words."""
    offsets = tokenizer.token_offsets(text)
    windows: list[str] = []
    start = 0
    while start < len(offsets):
        end = min(start + limit, len(offsets))
        if end < len(offsets):
            cut = end
            while cut > start + limit // 2 and not _word_start(text, offsets, cut):
                cut -= 1
            end = cut if cut > start + limit // 2 else end
        windows.append(text[offsets[start][0] : offsets[end - 1][1]])
        if end >= len(offsets):
            break
        next_start = max(end - overlap, start + 1)
        while next_start < end and not _word_start(text, offsets, next_start):
            next_start += 1
        start = next_start
    return windows


def _with_ids(document: Document, pieces: list[tuple[Section, str]]) -> list[Chunk]:
    """Content-hash ids: same source, title, place and text (so the same indexed text)
    give the same id on every run."""
    seen: dict[str, int] = {}
    chunks: list[Chunk] = []
    for index, (section, text) in enumerate(pieces):
        parts = (ID_RECIPE, document.source, document.title, section.heading, str(section.page))
        key = "\x1f".join((*parts, text))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        digest = hashlib.sha256(f"{key}\x1f{occurrence}".encode()).hexdigest()[:32]
        chunks.append(Chunk(digest, text, section.heading, section.page, index))
    return chunks
