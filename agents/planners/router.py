"""Router / supervisor: picks the next worker (or finishes) through structured output."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from interlace.protocols import Message, ModelResponse

from .base import END, START, Planner, PlannerKit, Route
from .structured import parse, response_format

FINISH = "FINISH"

_PROMPT = (
    "You coordinate these workers:\n{workers}\n"
    "Pick the worker that should act next, or {finish} when the task is done; "
    "when finishing, put the final answer for the user in 'answer'. "
    'Reply with JSON: {{"next": "<worker or {finish}>", "answer": "<text>"}}.'
)


class RouterPlanner(Planner):
    """One structured model call per turn: ``{"next": worker | "FINISH", "answer": ...}``."""

    needs_routes = True

    def build(self, kit: PlannerKit) -> Any:
        names = [route.name for route in kit.routes]
        decision = _decision_model(names)
        prompt = _PROMPT.format(workers=_describe(kit.routes), finish=FINISH)

        def messages(state: Any) -> list[Message]:
            return [*kit.ctx.system_messages(prompt), *state.get("messages", [])]

        def read(state: Any, response: ModelResponse) -> dict[str, Any]:
            parsed = parse(decision, response)
            text = response.message.text
            choice = parsed.next if parsed else _mentioned(names, text)
            if choice != FINISH:
                return {"route": choice}
            answer = parsed.answer if parsed else text
            return {"route": None, "messages": [Message.assistant(answer or "done")]}

        graph = kit.graph()
        graph.add_node(
            "route",
            kit.model_node(
                "route",
                prompt=messages,
                response_format=response_format(decision, "route"),
                use_tools=False,
                read=read,
                stream=False,  # a routing decision is not an answer
            ),
        )
        graph.add_edge(START, "route")
        graph.add_edge("route", END)
        return graph


def _decision_model(names: list[str]) -> Any:
    choices = Literal[tuple([*names, FINISH])]  # type: ignore[valid-type]
    return create_model(
        "RouteDecision",
        next=(choices, Field(description="the worker to act next, or FINISH")),  # type: ignore[arg-type]
        answer=(str, Field(default="", description="the final answer when finishing")),
    )


def _describe(routes: Any) -> str:
    return "\n".join(f"- {route.name}: {route.description}".rstrip(": ") for route in routes)


def _mentioned(names: list[str], text: str) -> str:
    """Fallback for unstructured answers: the first worker named in the text."""
    for name in names:
        if name in text:
            return name
    return FINISH


__all__ = ["FINISH", "Route", "RouterPlanner"]
