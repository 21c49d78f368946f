"""The planner interface and the kit planners build agent graphs with.

A planner turns an :class:`~interlace.agents.Agent` into a LangGraph ``StateGraph`` over
:class:`~interlace.agents.state.State` (or a TypedDict extending it). The kit supplies the
guarded model call, the tool-call node (validation, approval, tracing, events) and the
ReAct loop, so a new planner only decides the control flow.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from interlace.protocols import Message, ResponseFormat

from ..context import AgentContext
from ..state import State

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.graph import StateGraph

    from ..steps import ModelOutcome

Prompt = Callable[[Any], list[Message]]


@dataclass(frozen=True)
class Route:
    """A place a router may send the conversation: a name and what it is good for."""

    name: str
    description: str = ""


class Planner(ABC):
    """The strategy that drives an agent; register new ones with ``register_planner``."""

    #: Whether the planner needs routes (workers) from an enclosing graph.
    needs_routes: bool = False

    @abstractmethod
    def build(self, kit: PlannerKit) -> StateGraph[Any]:
        """The agent's graph, not compiled (the runner compiles it)."""


@dataclass
class PlannerKit:
    """What a planner builds with: the agent context and ready-made steps."""

    ctx: AgentContext
    routes: Sequence[Route] = ()

    def graph(self, schema: type[Any] = State) -> StateGraph[Any]:
        """A new, empty graph over ``schema`` (``State`` or a TypedDict extending it)."""
        from langgraph.graph import StateGraph

        return StateGraph(schema)

    def prompt(self, state: Any) -> list[Message]:
        """The default prompt: the agent's instructions plus the conversation."""
        return [*self.ctx.system_messages(), *state.get("messages", [])]

    async def call_model(
        self,
        state: Any,
        config: RunnableConfig,
        messages: list[Message],
        *,
        response_format: ResponseFormat | None = None,
        use_tools: bool = True,
        node: str = "model",
    ) -> ModelOutcome:
        """A guarded model call (see :func:`interlace.agents.steps.call_model`), traced as
        the agent step ``node``."""
        from ..steps import call_model
        from ..tracing import step_span

        with step_span(self.ctx.name, node):
            return await call_model(
                self.ctx,
                state,
                config,
                messages,
                response_format=response_format,
                use_tools=use_tools,
            )

    def add_tool_loop(
        self,
        graph: StateGraph[Any],
        name: str,
        *,
        done: str,
        prompt: Prompt | None = None,
    ) -> None:
        """Add a ReAct loop: node ``name`` calls the model; its tool calls run concurrently
        in node ``name + "_tool"``; back to the model until it answers, then ``done``."""
        from langgraph.graph import END

        from ..steps import tool_node, tool_sends

        make_prompt = prompt or self.prompt
        tool_name = f"{name}_tool"

        async def model(state: Any, config: RunnableConfig) -> dict[str, Any]:
            if state.get("route"):  # a tool handed the conversation to another agent
                return {}
            outcome = await self.call_model(state, config, make_prompt(state), node=name)
            if outcome.response is not None:
                outcome.update["messages"] = [outcome.response.message]
            return outcome.update

        # async: LangGraph would run a sync function in a thread pool
        async def after_model(state: Any) -> Any:
            if state.get("stop") is not None or state.get("route"):
                return END
            last = state["messages"][-1]
            if last.role == "assistant" and last.tool_calls:
                return tool_sends(tool_name, last)
            return done

        graph.add_node(name, model)
        graph.add_node(tool_name, tool_node(self.ctx))
        graph.add_conditional_edges(name, after_model, [tool_name, done, END])
        graph.add_edge(tool_name, name)
