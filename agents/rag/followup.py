"""Follow-up questions made standalone before retrieval.

"And how do I install it?" searched on its own finds nothing about "it". Before a RAG
agent retrieves, the last question is rewritten from the thread's earlier questions:
by the agent's model (a few-shot prompt: even a small base model copies the pattern),
kept when it still asks what the follow-up asks; otherwise by carrying the earlier
question's key terms into it. A question that stands on its own is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from interlace.protocols import Message, ModelRequest, SamplingSettings
from interlace.protocols.errors import RunFailure

from ..context import AgentContext
from .answer import words

REFERENCES = frozenset(
    [
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "they",
        "them",
        "their",
        "there",
        "he",
        "she",
        "him",
        "her",
        "one",
        "ones",
        "such",
        "same",
        "former",
        "latter",
    ]
)
CONTINUATIONS = re.compile(r"^\s*(and|but|also|so|then|what about|how about|why|or)\b", re.I)
SHORT = 4  # content words: fewer than this, and it leans on what came before
HISTORY = 3  # earlier questions shown to the model
PROMPT = """Rewrite the follow-up so that it can be understood without the conversation.

Earlier: How do I configure a vector store?
Follow-up: And how do I share it with my team?
Standalone: How do I share a vector store with my team?

Earlier: What does the calculator tool do?
Follow-up: Does it support powers?
Standalone: Does the calculator tool support powers?

Earlier: {earlier}
Follow-up: {question}
Standalone:"""


def user_questions(messages: Sequence[Message]) -> list[str]:
    """The text of every user message, oldest first."""
    return [m.text.strip() for m in messages if m.role == "user" and m.text.strip()]


def is_followup(question: str) -> bool:
    """Whether ``question`` leans on earlier turns (pronouns, "and ...", very short)."""
    tokens = set(re.findall(r"[a-z']+", question.lower()))
    return bool(
        tokens & REFERENCES or CONTINUATIONS.match(question) or len(words(question)) < SHORT
    )


def carry_terms(question: str, earlier: Sequence[str]) -> str:
    """``question`` plus the key terms of the latest earlier question it does not repeat."""
    own = words(question)
    for previous in reversed(earlier):
        carried = [w for w in _ordered_words(previous) if w not in own | REFERENCES]
        if carried:
            return f"{question} ({' '.join(carried)})"
    return question


def standalone_without_model(messages: Sequence[Message]) -> str:
    """The last user question; a follow-up carries the earlier question's key terms."""
    questions = user_questions(messages)
    if not questions:
        return ""
    question, earlier = questions[-1], questions[:-1]
    return carry_terms(question, earlier) if earlier and is_followup(question) else question


async def standalone_question(ctx: AgentContext, messages: Sequence[Message]) -> str:
    """The last user question of ``messages``, made standalone by the agent's model where
    it can (see the module), else as :func:`standalone_without_model` does."""
    questions = user_questions(messages)
    if len(questions) > 1 and is_followup(questions[-1]):
        rewritten = await _rewrite(ctx, questions[-1], questions[-1 - HISTORY : -1])
        if rewritten is not None:
            return rewritten
    return standalone_without_model(messages)


async def _rewrite(ctx: AgentContext, question: str, earlier: Sequence[str]) -> str | None:
    """The model's rewrite, or ``None`` when the model fails or drifts off the question."""
    prompt = PROMPT.format(earlier=" / ".join(earlier), question=question)
    request = ModelRequest(
        messages=(Message.user(prompt),),
        settings=SamplingSettings(temperature=0, max_tokens=48, stop=("\n",)),
        cache_key=f"{ctx.name}:followup",
    )
    try:
        response = await ctx.backend.complete(request)
    except RunFailure:
        return None
    text = response.message.text.strip().strip('"')
    own, before = words(question), set().union(*(words(q) for q in earlier))
    keeps_the_ask = len(own & words(text)) * 2 >= len(own)
    adds_context = bool(words(text) & (before - own))
    if text and len(text) <= 300 and keeps_the_ask and adds_context:
        return text
    return None


def _ordered_words(text: str) -> list[str]:
    content = words(text)
    seen: dict[str, None] = {}
    for token in re.findall(r"[a-z0-9]+", text.lower()):  # as answer.words splits
        if token in content:
            seen.setdefault(token)
    return list(seen)
