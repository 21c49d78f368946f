"""The ``grounded`` planner: scripted for its logic, then the real example on llamacpp."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from interlace.agents import Agent
from interlace.agents.rag import DONT_KNOW, compose_answer
from interlace.agents.rag.answer import ANSWER_BAR, MARGIN, relevant
from interlace.agents.runner import run, stream
from interlace.protocols.errors import UsageError
from interlace.runtimes import ScriptedBackend
from interlace.tools.retrieval import Hit, VectorStore, ingest_paths
from interlace.tools.retrieval.toolset import RetrievalToolset, search_tool
from tests.retrieval.example import EXAMPLE, ingest_and_ask_the_sharing_question


def _agent(store: VectorStore, backend: ScriptedBackend) -> Agent:
    toolset = RetrievalToolset(store, search_tool(store))
    return Agent(
        name="rag",
        instructions="Answer from the passages.",
        model=backend,
        toolsets=[toolset],
        planner="grounded",
    )


@pytest.fixture
def store(make_store: Callable[..., VectorStore], docs: Path) -> VectorStore:
    found = make_store(top_k=3, threshold=0.3)
    ingest_paths(found, [docs], progress=False)
    return found


async def test_model_choice_becomes_cited_extracts(store: VectorStore) -> None:
    backend = ScriptedBackend([json.dumps({"passages": ["P1"], "answer": ""})])
    result = await run(_agent(store, backend), "How do I install interlace?")
    assert result.stop_reason == "final"
    assert result.output.startswith("Run pip install interlace to install the package.")
    assert result.output.endswith("guide.md § Interlace guide > Installing]")
    schema = backend.requests[0].response_format.json_schema  # type: ignore[union-attr]
    assert schema["properties"]["passages"]["items"]["enum"][0] == "P1"
    assert "[P1]" in backend.requests[0].messages[-1].text


async def test_supported_model_answer_is_kept_with_citation(store: VectorStore) -> None:
    answer = "Steam locomotives burn coal to boil water."
    backend = ScriptedBackend([json.dumps({"passages": ["P1"], "answer": answer})])
    result = await run(_agent(store, backend), "What do steam locomotives burn?")
    assert result.output == f"{answer} [{_citation(result.output)}]"
    assert "page.html § Trains" in result.output


async def test_nothing_relevant_means_i_dont_know_without_a_model_call(
    store: VectorStore,
) -> None:
    backend = ScriptedBackend([])  # any model call would raise ScriptError
    result = await run(_agent(store, backend), "What is the airspeed of an unladen swallow?")
    assert result.output == DONT_KNOW
    assert backend.requests == []


async def test_streaming_shows_the_answer_not_the_json(store: VectorStore) -> None:
    backend = ScriptedBackend([json.dumps({"passages": ["P1"], "answer": ""})])
    texts = [e.text async for e in stream(_agent(store, backend), "bananas") if e.type == "text"]  # type: ignore[union-attr]
    assert "".join(texts).startswith("Bananas are yellow")


async def test_agent_without_retrieval_toolset_is_a_usage_error() -> None:
    agent = Agent(name="rag", model=ScriptedBackend([]), planner="grounded")
    with pytest.raises(UsageError, match="has no retrieval toolset"):
        await run(agent, "anything")


def _citation(text: str) -> str:
    found = re.search(r"\[([^\]]+)\]$", text)
    assert found, text
    return found.group(1)


def test_rambling_answer_falls_back_to_extracts() -> None:
    hit = Hit(
        "id",
        "Apples are red. Pears are green. Plums are purple.",
        1.0,
        0.8,
        "/d/f.md",
        heading="Fruit",
    )

    def similarity(query: str, texts: object) -> list[float]:
        return [1.0 if "Plums" in t else 0.0 for t in texts]  # type: ignore[attr-defined]

    rambling = "What colour are plums? What colour are plums? The the the."
    answer = compose_answer("What colour are plums?", rambling, [hit], similarity)
    assert answer.startswith("Apples are red. Plums are purple. [")
    assert answer.endswith("f.md § Fruit]")
    assert compose_answer("q", "x", [], similarity) == DONT_KNOW


def _hit(text: str, score: float, source: str) -> Hit:
    return Hit(source, text, score, score, f"/d/{source}.md", heading=source.title())


def test_extracts_come_from_every_relevant_passage_and_far_ones_are_dropped() -> None:
    picked = _hit("Mirrors sync every six hours. They serve packages.", 0.62, "mirrors")
    answer = _hit("Security updates last three years. Releases are named.", 0.60, "updates")
    far = _hit("Security updates for toasters last forever.", 0.62 - MARGIN - 0.01, "toasters")
    kept = relevant([far, answer, picked])
    assert kept == [picked, answer]
    assert relevant([_hit("x", 0.9, "a")], bar=0.95) == []  # nothing clears the bar
    assert relevant([_hit("x", ANSWER_BAR - 0.01, "a")]) == []

    def similarity(query: str, texts: object) -> list[float]:
        return [0.9 if "three years" in t else 0.5 if "six" in t else 0.1 for t in texts]  # type: ignore[attr-defined]

    # The model picked the mirrors passage; the sentence that answers is in the other one.
    text = compose_answer("How long do updates last?", "", [picked], similarity, kept)
    assert text.splitlines() == [
        "Mirrors sync every six hours. [/d/mirrors.md § Mirrors]",
        "Security updates last three years. [/d/updates.md § Updates]",
    ]


@pytest.mark.slow
async def test_example_config_answers_with_citations_on_llamacpp(tmp_path: Path) -> None:
    from interlace.agents.config import load_config
    from interlace.agents.system import build_system

    config = load_config(
        EXAMPLE / "config.yaml",
        [f"retrieval.docs.path={tmp_path / 'store'}", "offline=off"],
    )
    system = build_system(config)
    try:
        await ingest_and_ask_the_sharing_question(system)
        unknown = await system.run("What is the boiling point of tungsten?")
        assert unknown.output == DONT_KNOW
    finally:
        await system.aclose()
