"""A graph node that retrieves passages for the question and adds them to the conversation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread

from interlace.protocols import Message
from interlace.tools.retrieval import SearchMode, VectorStore
from interlace.tools.retrieval.toolset import format_hits

from .followup import standalone_without_model

CONTEXT = (
    "Passages from the documents for the question above:\n\n{passages}\n\n"
    "Answer from these passages only and cite each claim as [path § heading]."
)


def retrieval_node(
    store: VectorStore, *, k: int | None = None, mode: SearchMode | None = None
) -> Callable[[Any], Awaitable[dict[str, Any]]]:
    """A LangGraph node: search ``store`` for the last user message (a follow-up carries
    the earlier question's key terms) and append the cited passages as a user message for
    the next agent. Use it with
    ``GraphBuilder.add_node("retrieve", lambda: retrieval_node(store))``."""

    async def retrieve(state: Any) -> dict[str, Any]:
        messages: list[Message] = state.get("messages", [])
        question = standalone_without_model(messages)
        if not question.strip():
            return {}
        hits = await anyio.to_thread.run_sync(lambda: store.search(question, k, mode=mode))
        return {"messages": [Message.user(CONTEXT.format(passages=format_hits(hits)))]}

    return retrieve
