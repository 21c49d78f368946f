"""The plugin's planner: one round of tools, then a final answer without tools."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from interlace.agents.planners import Planner, PlannerKit

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig


class OneRoundPlanner(Planner):
    """Call the model with tools once; run the calls it makes; then ask for the answer
    with tools switched off. Cheaper and more predictable than ``react`` for small models."""

    def build(self, kit: PlannerKit) -> Any:
        from langgraph.graph import END, START

        from interlace.agents.steps import tool_node, tool_sends

        async def act(state: Any, config: RunnableConfig) -> dict[str, Any]:
            outcome = await kit.call_model(state, config, kit.prompt(state), node="act")
            if outcome.response is not None:
                outcome.update["messages"] = [outcome.response.message]
            return outcome.update

        async def answer(state: Any, config: RunnableConfig) -> dict[str, Any]:
            prompt = kit.prompt(state)
            outcome = await kit.call_model(state, config, prompt, use_tools=False, node="answer")
            if outcome.response is not None:
                outcome.update["messages"] = [outcome.response.message]
            return outcome.update

        async def after_act(state: Any) -> Any:
            last = state["messages"][-1]
            if state.get("stop") is None and last.role == "assistant" and last.tool_calls:
                return tool_sends("tools", last)
            return END

        graph = kit.graph()
        graph.add_node("act", act)
        graph.add_node("tools", tool_node(kit.ctx))
        graph.add_node("answer", answer)
        graph.add_edge(START, "act")
        graph.add_conditional_edges("act", after_act, ["tools", END])
        graph.add_edge("tools", "answer")
        graph.add_edge("answer", END)
        return graph
