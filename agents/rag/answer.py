"""Turning a model's passage choice into an answer where every claim carries a citation.

The model's own sentences are kept only when the cited passages support them (most of
their content words appear there); otherwise the answer is made of extracts: the
sentences of each chosen passage closest to the question. A small base model that
rambles therefore still gives a useful, fully grounded answer, and a bigger model's
faithful summary is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from interlace.tools.retrieval import Hit

DONT_KNOW = "I don't know: nothing in the documents answers this question."
SUPPORT = 0.75
MIN_WORDS = 4
EXTRACT_SENTENCES = 2

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_PARAGRAPH = re.compile(r"\n\s*\n")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "is",
        "are",
        "was",
        "were",
        "be",
        "by",
        "with",
        "as",
        "at",
        "it",
        "its",
        "this",
        "that",
        "from",
        "can",
        "you",
        "your",
        "how",
        "what",
        "which",
        "when",
        "who",
        "why",
        "does",
        "do",
        "not",
        "no",
        "use",
        "used",
        "using",
        "into",
        "than",
        "then",
        "there",
        "their",
        "they",
        "them",
        "will",
        "would",
        "should",
        "could",
        "may",
        "might",
        "i",
        "we",
        "our",
    ]
)

Similarity = Callable[[str, Sequence[str]], list[float]]


def words(text: str) -> set[str]:
    """Content words of ``text`` (lowercase, without stop words)."""
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (wrapped lines are joined; paragraphs end one)."""
    found: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        joined = " ".join(line.strip() for line in paragraph.splitlines())
        found.extend(s.strip() for s in _SENTENCE.split(joined) if len(s.strip()) > 2)
    return found


def compose_answer(
    question: str, model_answer: str, chosen: Sequence[Hit], similarity: Similarity
) -> str:
    """The final answer: supported model sentences, else extracts, each with its citation."""
    if not chosen:
        return DONT_KNOW
    supported = _supported(question, model_answer, chosen)
    if supported:
        return "\n".join(supported)
    return "\n".join(_extract(question, hit, similarity) for hit in chosen)


def _supported(question: str, answer: str, chosen: Sequence[Hit]) -> list[str]:
    asked = words(question)
    passages = [(hit, words(hit.text) | words(hit.heading)) for hit in chosen]
    lines: list[str] = []
    for sentence in sentences(answer):
        claim = words(sentence)
        if len(claim) < MIN_WORDS or claim <= asked:
            continue  # too short to check, or it only repeats the question
        hit, vocabulary = max(passages, key=lambda item: len(claim & item[1]))
        if len(claim & vocabulary) / len(claim) >= SUPPORT:
            lines.append(f"{sentence} [{hit.citation}]")
    return lines


def _extract(question: str, hit: Hit, similarity: Similarity) -> str:
    parts = sentences(hit.text)
    if len(parts) > EXTRACT_SENTENCES:
        scores = similarity(question, parts)
        best = sorted(range(len(parts)), key=lambda n: -scores[n])[:EXTRACT_SENTENCES]
        parts = [parts[n] for n in sorted(best)]
    return f"{' '.join(parts)} [{hit.citation}]"
