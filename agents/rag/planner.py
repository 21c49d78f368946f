"""The ``grounded`` planner: retrieve, let the model pick passages, answer with citations."""

from __future__ import annotations

import json
from typing import Any

import anyio.to_thread

from interlace.protocols import Message, ModelResponse
from interlace.protocols.errors import UsageError
from interlace.protocols.requests import JsonSchemaFormat
from interlace.tools.retrieval import Hit, VectorStore
from interlace.tools.retrieval.toolset import RetrievalToolset

from ..context import emit
from ..events import TextDeltaEvent
from ..planners.base import END, START, Planner, PlannerKit
from ..state import State
from .answer import DONT_KNOW, compose_answer, relevant
from .followup import standalone_question

PASSAGE_CHARS = 700
PROMPT = (
    "Passages from the documents:\n\n{passages}\n\nQuestion: {question}\n\n"
    "Reply in JSON: 'passages' lists the ids of the passages that answer the question, "
    "'answer' answers it in one or two sentences using only those passages."
)


class GroundedState(State, total=False):
    """The question being answered and the passages retrieved for it."""

    question: str
    passages: list[Hit]


class GroundedPlanner(Planner):
    """Answers only from the agent's retrieval store(s), citing path and heading per claim:
    retrieve -> (the model picks passages -> a grounded answer) or "I don't know"."""

    state = GroundedState
    checkpoint_types = (Hit,)
    decision_format = "native"  # its constrained passage choice is made for small models

    def build(self, kit: PlannerKit) -> Any:
        graph = kit.graph()
        graph.add_node("retrieve", _retrieve_node(kit))
        graph.add_node("dont_know", _dont_know_node(kit))
        graph.add_node(
            "grounded",
            kit.model_node(
                "grounded",
                prompt=lambda state: _prompt(kit, state["question"], state["passages"]),
                response_format=lambda state: JsonSchemaFormat(
                    name="grounded_answer", json_schema=_schema(len(state["passages"]))
                ),
                use_tools=False,
                read=_reader(kit),
                stream=False,  # the JSON choice is not for the reader; the answer is streamed
            ),
        )
        graph.add_edge(START, "retrieve")
        graph.add_conditional_edges("retrieve", _after_retrieve, ["grounded", "dont_know"])
        graph.add_edge("grounded", END)
        graph.add_edge("dont_know", END)
        return graph


def agent_stores(kit: PlannerKit) -> list[VectorStore]:
    """The stores of the agent's retrieval toolsets (at least one, or a usage error)."""
    toolsets = [*kit.ctx.agent.toolsets, *kit.ctx.extra_toolsets]
    stores = [t.store for t in toolsets if isinstance(t, RetrievalToolset)]
    if not stores:
        raise UsageError(
            f"agent {kit.ctx.name!r} uses planner 'grounded' but has no retrieval toolset; "
            "add a toolset of kind 'retrieval' to the agent"
        )
    return stores


async def search_all(stores: list[VectorStore], question: str) -> list[Hit]:
    """Hits of every store for ``question``, best first, at most ``top_k`` of the first."""
    hits: list[Hit] = []
    for store in stores:
        hits.extend(await anyio.to_thread.run_sync(store.search, question))
    hits.sort(key=lambda hit: -hit.score)
    return hits[: stores[0].settings.top_k]


def _schema(count: int) -> dict[str, Any]:
    ids = [f"P{n}" for n in range(1, count + 1)]
    return {
        "type": "object",
        "properties": {
            "passages": {
                "type": "array",
                "items": {"type": "string", "enum": ids},
                "minItems": 1,
                "maxItems": count,
            },
            "answer": {"type": "string", "maxLength": 400},
        },
        "required": ["passages", "answer"],
        "additionalProperties": False,
    }


def _prompt(kit: PlannerKit, question: str, hits: list[Hit]) -> list[Message]:
    passages = "\n\n".join(
        f"[P{n}] ({hit.citation})\n{hit.text[:PASSAGE_CHARS]}" for n, hit in enumerate(hits, 1)
    )
    text = PROMPT.format(passages=passages, question=question)
    return [*kit.ctx.system_messages(), Message.user(text)]


def _chosen(text: str, hits: list[Hit]) -> tuple[list[Hit], str]:
    try:
        reply = json.loads(text)
        ids = [str(item) for item in reply.get("passages", [])]
        answer = str(reply.get("answer", ""))
    except (ValueError, AttributeError):
        return hits[:1], ""  # unconstrained model without JSON: fall back to the best hit
    picked = [hits[int(i[1:]) - 1] for i in dict.fromkeys(ids) if i[1:].isdigit()]
    return [h for h in picked if h in hits] or hits[:1], answer


def _retrieve_node(kit: PlannerKit) -> Any:
    async def retrieve(state: GroundedState) -> dict[str, Any]:
        stores = agent_stores(kit)
        question = await standalone_question(kit.ctx, state.get("messages", []))
        hits = relevant(await search_all(stores, question)) if question else []
        return {"question": question, "passages": hits}

    return retrieve


async def _after_retrieve(state: GroundedState) -> str:
    return "grounded" if state.get("passages") else "dont_know"


def _dont_know_node(kit: PlannerKit) -> Any:
    async def dont_know(state: GroundedState) -> dict[str, Any]:
        return _answer(kit, DONT_KNOW)

    return dont_know


def _reader(kit: PlannerKit) -> Any:
    async def read(state: GroundedState, response: ModelResponse) -> dict[str, Any]:
        hits = state["passages"]
        chosen, answer = _chosen(response.message.text, hits)
        embedder = agent_stores(kit)[0].embedder

        def similarity(query: str, texts: Any) -> list[float]:
            vectors = embedder.embed([query, *texts])
            return [float(v @ vectors[0]) for v in vectors[1:]]

        question = state["question"]
        final = await anyio.to_thread.run_sync(
            compose_answer, question, answer, chosen, similarity, hits
        )
        return _answer(kit, final)

    return read


def _answer(kit: PlannerKit, text: str) -> dict[str, Any]:
    emit(TextDeltaEvent(agent=kit.ctx.name, text=text))
    return {"messages": [Message.assistant(text)]}
