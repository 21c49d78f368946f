"""Retrieval as a tool an agent can call, with passages formatted for citing."""

from __future__ import annotations

from collections.abc import Sequence

from interlace.tools.function import FunctionToolset, Tool, tool

from .hits import Hit
from .store import SearchMode, VectorStore

NO_RESULTS = "No relevant passages found in the documents."
DEFAULT_DESCRIPTION = (
    "Search the local documents for passages relevant to a question. Returns numbered "
    "passages, each with its citation (path § heading); cite them in the answer."
)


def format_hits(hits: Sequence[Hit]) -> str:
    """Numbered passages, each preceded by its citation, for a model to read and cite."""
    if not hits:
        return NO_RESULTS
    return "\n\n".join(f"[{n}] {hit.citation}\n{hit.text}" for n, hit in enumerate(hits, 1))


def search_tool(
    store: VectorStore,
    *,
    name: str = "search_documents",
    description: str = DEFAULT_DESCRIPTION,
    mode: SearchMode | None = None,
) -> Tool:
    """A tool ``name(query, k)`` that searches ``store`` and returns cited passages."""
    default_k = store.settings.top_k

    def search(query: str, k: int = default_k) -> str:
        """Search the documents.

        Args:
            query: What to look for, in a few words or a question.
            k: How many passages to return (1-20).
        """
        return format_hits(store.search(query, max(1, min(k, 20)), mode=mode))

    return tool(name=name, description=description, strict=False)(search)


class RetrievalToolset(FunctionToolset):
    """One search tool over one store; closing it closes nothing shared."""

    def __init__(self, store: VectorStore, tool: Tool) -> None:
        super().__init__([tool])
        self.store = store
