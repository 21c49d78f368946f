"""The ``retrieval`` toolset kind and the retrieval graph node."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlace.protocols import Message, ToolCall
from interlace.protocols.errors import ConfigError
from interlace.runtimes.embeddings import Embedder
from interlace.tools.registry import build_toolset, toolset_kinds
from interlace.tools.retrieval import ingest_paths
from interlace.tools.retrieval.toolset import NO_RESULTS, RetrievalToolset


async def test_registered_kind_searches_and_cites(
    tmp_path: Path, docs: Path, embedder: Embedder
) -> None:
    assert "retrieval" in toolset_kinds()
    options = {"store": {"path": str(tmp_path / "s"), "device": "cpu", "threshold": 0.3}}
    toolset = build_toolset("retrieval", options)
    assert isinstance(toolset, RetrievalToolset)
    ingest_paths(toolset.store, [docs], progress=False)
    [spec] = await toolset.list_tools()
    assert spec.name == "search_documents"
    assert spec.parameters["required"] == ["query"]
    result = await toolset.call(
        ToolCall(id="1", name="search_documents", arguments={"query": "bananas", "k": "1"})
    )
    assert not result.is_error
    assert result.text.startswith("[1] ")
    assert "fruit.txt\nBananas are yellow" in result.text
    empty = await toolset.call(
        ToolCall(
            id="2",
            name="search_documents",
            arguments={"query": "quantum chromodynamics lattice gauge"},
        )
    )
    assert empty.text == NO_RESULTS
    bad = await toolset.call(ToolCall(id="3", name="search_documents", arguments={}))
    assert bad.is_error
    toolset.store.close()


def test_kind_rejects_unknown_options() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        build_toolset("retrieval", {"store": {}, "top": 3})


async def test_retrieval_node_adds_cited_passages(
    tmp_path: Path, docs: Path, embedder: Embedder
) -> None:
    from interlace.agents.rag import retrieval_node
    from interlace.tools.retrieval import StoreSettings, open_store

    with open_store(StoreSettings(path=tmp_path / "n", device="cpu")) as store:
        ingest_paths(store, [docs], progress=False)
        node = retrieval_node(store, k=1)
        update = await node({"messages": [Message.user("steam locomotives")]})
        [message] = update["messages"]
        assert message.role == "user"
        assert "page.html § Trains\nSteam locomotives burn coal" in message.text
        assert await node({"messages": []}) == {}
