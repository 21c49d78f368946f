"""ReAct: call the model, run the tools it asks for, repeat until it answers."""

from __future__ import annotations

from typing import Any

from .base import END, START, Planner, PlannerKit


class ReactPlanner(Planner):
    """The tool loop: model, tools, model, ... until a final answer."""

    def build(self, kit: PlannerKit) -> Any:
        graph = kit.graph()
        kit.add_tool_loop(graph, "agent", done=END)
        graph.add_edge(START, "agent")
        return graph
