"""Turning retrieved passages and a model's reply into an answer where every claim
carries a citation.

Only passages that clear the bar count: the best one must be at least ``ANSWER_BAR``
similar to the question (else the answer is "I don't know"), and the others within
``MARGIN`` of the best one's score. The model's own sentences are kept only when the
passages it cites support them (most of their content words appear there); otherwise the
answer is made of extracts: the ``EXTRACT_SENTENCES`` sentences of all relevant passages
that are most similar to the question. A small base model that rambles therefore still
gives a useful, fully grounded answer, and a bigger model's faithful summary is shown as
written. The bar and the margin are calibrated in ``bench/rag.py`` (all-MiniLM-L6-v2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from interlace.tools.retrieval import Hit

DONT_KNOW = "I don't know: nothing in the documents answers this question."
SUPPORT = 0.75
MIN_WORDS = 4
EXTRACT_SENTENCES = 2
ANSWER_BAR = 0.25
"""Least cosine similarity of the best passage for an answer: below it, "I don't know".
On both evaluation sets every answerable question clears it (the lowest is 0.254) and
13-17% of the questions about the other manual do not; terse questions ("storm duty?")
score lower than full sentences, so a higher bar would turn away answerable ones. A
store's ``threshold`` raises it for that store."""
MARGIN = 0.1
"""Passages scoring more than this below the best one are left out."""

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


def relevant(hits: Sequence[Hit], bar: float = ANSWER_BAR) -> list[Hit]:
    """The passages worth answering from: none when the best is below ``bar``, else those
    scoring within ``MARGIN`` of the best, best first."""
    ranked = sorted(hits, key=lambda hit: -hit.score)
    if not ranked or max(hit.similarity or 0.0 for hit in ranked) < bar:
        return []
    return [hit for hit in ranked if hit.score >= ranked[0].score - MARGIN]


def compose_answer(
    question: str,
    model_answer: str,
    chosen: Sequence[Hit],
    similarity: Similarity,
    passages: Sequence[Hit] = (),
) -> str:
    """The final answer: the model's sentences that ``chosen`` passages support, else the
    extracts of ``passages`` (default: ``chosen``) closest to the question, each with its
    citation."""
    if not chosen and not passages:
        return DONT_KNOW
    supported = _supported(question, model_answer, chosen) if chosen else []
    if supported:
        return "\n".join(supported)
    return _extracts(question, list(passages or chosen), similarity)


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


def _extracts(question: str, passages: list[Hit], similarity: Similarity) -> str:
    """The sentences of ``passages`` most similar to ``question``, in reading order, one
    line per passage with its citation."""
    parts = [
        (n, m, text) for n, hit in enumerate(passages) for m, text in enumerate(sentences(hit.text))
    ]
    if len(parts) > EXTRACT_SENTENCES:
        scores = similarity(question, [text for _, _, text in parts])
        best = sorted(range(len(parts)), key=lambda i: -scores[i])[:EXTRACT_SENTENCES]
        parts = [parts[i] for i in sorted(best)]
    lines = []
    for n, hit in enumerate(passages):
        quoted = [text for owner, _, text in parts if owner == n]
        if quoted:
            lines.append(f"{' '.join(quoted)} [{hit.citation}]")
    return "\n".join(lines) or DONT_KNOW
