"""Follow-up questions are made standalone before retrieval: by the model where it can,
else by carrying the earlier question's key terms."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from interlace.agents import Agent
from interlace.agents.context import AgentContext
from interlace.agents.rag.followup import (
    carry_terms,
    is_followup,
    standalone_question,
    standalone_without_model,
)
from interlace.agents.runner import run
from interlace.protocols import Message
from interlace.runtimes import ScriptedBackend
from interlace.tools.retrieval import VectorStore, ingest_paths
from interlace.tools.retrieval.toolset import RetrievalToolset, search_tool

ASKED = "What does the vector store keep?"


def test_followups_are_told_from_standalone_questions() -> None:
    assert is_followup("And how do I install it?")
    assert is_followup("Why?")
    assert is_followup("What about its size limit?")
    assert not is_followup("How do I install the interlace package with pip?")


def test_carrying_terms_adds_what_the_followup_lacks() -> None:
    carried = carry_terms("And how do I install it?", ["How can a team share one vector store?"])
    assert carried == "And how do I install it? (team share vector store)"
    assert standalone_without_model([Message.user("Bananas?")]) == "Bananas?"


def _agent(store: VectorStore, backend: ScriptedBackend) -> Agent:
    toolset = RetrievalToolset(store, search_tool(store))
    return Agent(name="rag", model=backend, toolsets=[toolset], planner="grounded")


@pytest.fixture
def store(make_store: Callable[..., VectorStore], docs: Path) -> VectorStore:
    found = make_store(top_k=3, threshold=0.3)
    ingest_paths(found, [docs], progress=False)
    return found


def _question_sent(backend: ScriptedBackend) -> str:
    prompt = backend.requests[-1].messages[-1].text
    return prompt.split("Question: ", 1)[1].split("\n", 1)[0]


async def test_retrieval_searches_the_standalone_question(store: VectorStore) -> None:
    """One store for three conversations: the model's rewrite is used; a rewrite that
    drifts off the question falls back to carried terms; a standalone question is left
    alone (and costs no rewrite call)."""
    choice = json.dumps({"passages": ["P1"], "answer": ""})
    rewrite = "How do I install the vector store?"
    for thread, reply, followup, searched in [
        ("rewrite", rewrite, "And how do I install it?", rewrite),
        ("drift", "Bananas are yellow.", "And how do I install it?", None),
        ("alone", None, "How do steam locomotives boil water with coal?", None),
    ]:
        script = [choice, choice] if reply is None else [choice, reply, choice]
        backend = ScriptedBackend(script)
        agent = _agent(store, backend)
        await run(agent, ASKED, thread_id=thread)
        await run(agent, followup, thread_id=thread)
        backend.assert_all_consumed()
        if reply is not None:
            assert backend.requests[1].cache_key == "rag:followup"
            assert f"Follow-up: {followup}" in backend.requests[1].messages[0].text
        expected = searched or (
            followup if reply is None else "And how do I install it? (vector store keep)"
        )
        assert _question_sent(backend) == expected, thread


@pytest.mark.slow
async def test_the_packaged_model_makes_the_issue_followup_standalone() -> None:
    agent = Agent(name="rag", model="llamacpp:default")
    history = [
        Message.user("How can a team share one vector store?"),
        Message.assistant("Run chroma run and point every config at it."),
        Message.user("And how do I install it?"),
    ]
    question = await standalone_question(AgentContext(agent), history)
    lowered = question.lower()
    assert "install" in lowered
    assert "vector" in lowered or "store" in lowered
