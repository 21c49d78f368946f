"""Router / supervisor: picks the next worker (or finishes) through structured output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

from pydantic import Field, create_model

from interlace.protocols import Message

from .base import Planner, PlannerKit, Route
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
        from langgraph.graph import END, START

        names = [route.name for route in kit.routes]
        decision = _decision_model(names)
        prompt = _PROMPT.format(workers=_describe(kit.routes), finish=FINISH)

        async def route(state: Any, config: RunnableConfig) -> dict[str, Any]:
            messages = [*kit.ctx.system_messages(prompt), *state.get("messages", [])]
            outcome = await kit.call_model(
                state,
                config,
                messages,
                response_format=response_format(decision, "route"),
                use_tools=False,
                node="route",
            )
            if outcome.response is None or outcome.stopped:
                return outcome.update
            parsed = parse(decision, outcome.response)
            text = outcome.response.message.text
            choice = parsed.next if parsed else _mentioned(names, text)
            update = {**outcome.update, "route": None if choice == FINISH else choice}
            if choice == FINISH:
                answer = parsed.answer if parsed else text
                update["messages"] = [Message.assistant(answer or "done")]
            return update

        graph = kit.graph()
        graph.add_node("route", route)
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
