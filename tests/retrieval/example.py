"""The RAG assistant example (examples/rag_assistant), asked the question its docs answer."""

from __future__ import annotations

from pathlib import Path

from interlace.agents.system import System
from interlace.tools.retrieval import ingest_paths

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rag_assistant"


async def ingest_and_ask_the_sharing_question(system: System) -> None:
    """Ingest the example's docs into its ``docs`` store and check the cited answer."""
    ingest_paths(system.stores["docs"], [EXAMPLE / "docs"], progress=False)
    result = await system.run("How can a team share one vector store?")
    assert result.stop_reason == "final", result.detail
    assert "chroma run" in result.output
    assert "retrieval.md § Private retrieval > The vector store]" in result.output
