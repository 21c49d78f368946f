"""The ``retrieval`` toolset kind (registered in :mod:`interlace.plugins.builtins`).

Config: ``kind: retrieval`` with ``store`` (store settings, or a store name that the
config resolves), and optionally the tool's ``name``, ``description`` and search ``mode``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .settings import StoreSettings
from .store import SearchMode, open_store
from .toolset import DEFAULT_DESCRIPTION, RetrievalToolset, search_tool


class RetrievalToolsetOptions(BaseModel):
    """Options of a ``retrieval`` toolset."""

    model_config = ConfigDict(extra="forbid")

    store: StoreSettings = Field(default_factory=StoreSettings)
    name: str = Field("search_documents", pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
    description: str = DEFAULT_DESCRIPTION
    mode: SearchMode | None = None


def build_retrieval_toolset(options: RetrievalToolsetOptions) -> RetrievalToolset:
    """Open the store and wrap it in a one-tool toolset."""
    store = open_store(options.store)
    tool = search_tool(store, name=options.name, description=options.description, mode=options.mode)
    return RetrievalToolset(store, tool)
