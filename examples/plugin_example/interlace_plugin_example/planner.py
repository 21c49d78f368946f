"""The plugin's planner: one round of tools, then a final answer without tools."""

from __future__ import annotations

from typing import Any

from interlace.agents.planners import END, START, Planner, PlannerKit


class OneRoundPlanner(Planner):
    """Call the model with tools once; run the calls it makes; then ask for the answer
    with tools switched off. Cheaper and more predictable than ``react`` for small models."""

    def build(self, kit: PlannerKit) -> Any:
        graph = kit.graph()
        graph.add_node("act", kit.model_node("act"))
        graph.add_node("tools", kit.tool_node())
        graph.add_node("answer", kit.model_node("answer", use_tools=False))
        graph.add_edge(START, "act")
        graph.add_conditional_edges("act", kit.route_after_model(tools="tools"), ["tools", END])
        graph.add_edge("tools", "answer")
        graph.add_edge("answer", END)
        return graph
