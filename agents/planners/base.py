"""The planner interface and the kit planners build agent graphs with.

A planner turns an :class:`~interlace.agents.Agent` into a graph over the state it
declares (:class:`~interlace.agents.state.State`, or a TypedDict extending it). The kit
supplies ready nodes, so a planner only decides the control flow:

* :meth:`PlannerKit.model_node`: a guarded model call that adds the answer to the
  conversation, or hands it to a ``read`` function that turns it into a state update;
* :meth:`PlannerKit.tool_node`: runs one tool call (validation, approval, run context,
  events, tracing);
* :meth:`PlannerKit.route_after_model`: after a model node, run its tool calls
  concurrently in the tool node, else go on.

A planner never builds ``Send`` fan-outs or appends responses by hand.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from interlace.protocols import Message, ModelResponse, ResponseFormat

from ..context import STREAMING_KEY, AgentContext
from ..state import State

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.graph import StateGraph

    from ..steps import ModelOutcome

START = "__start__"
END = "__end__"

Prompt = Callable[[Any], list[Message] | Awaitable[list[Message]]]
"""The messages of a model call, from the state (system prompt included)."""
Read = Callable[[Any, ModelResponse], dict[str, Any] | Awaitable[dict[str, Any]]]
"""Turns a model answer into a state update (instead of adding it to the conversation)."""
FormatFor = ResponseFormat | Callable[[Any], ResponseFormat] | None


@dataclass(frozen=True)
class Route:
    """A place a router may send the conversation: a name and what it is good for."""

    name: str
    description: str = ""


class Planner(ABC):
    """The strategy that drives an agent; registered by name (``PLANNERS``).

    ``state`` is the state schema its graph runs on; ``checkpoint_types`` lists the types
    that state holds beyond interlace's own, so checkpointers can restore them.
    """

    #: Whether the planner needs routes (workers) from an enclosing graph.
    needs_routes: ClassVar[bool] = False
    #: The state schema of the planner's graph.
    state: ClassVar[type[Any]] = State
    #: Types in that state a checkpointer must restore.
    checkpoint_types: ClassVar[tuple[type[Any], ...]] = ()
    #: Fields of that state that belong to one run, with their starting values: a new
    #: turn on a thread resets them (the rest, like ``messages``, carries over). Fields
    #: with a reducer need ``langgraph.types.Overwrite`` values.
    run_fields: ClassVar[Mapping[str, Any]] = MappingProxyType({})
    #: The decision format its agents use under ``decision_format: auto`` (``"auto"``: the
    #: backend's choice); a planner whose prompts are made for small models names ``native``.
    decision_format: ClassVar[str] = "auto"

    @abstractmethod
    def build(self, kit: PlannerKit) -> StateGraph[Any]:
        """The agent's graph, not compiled (the runner compiles it)."""


@dataclass
class PlannerKit:
    """What a planner builds with: the agent context, the routes and ready-made nodes."""

    ctx: AgentContext
    routes: Sequence[Route] = ()
    state: type[Any] = State

    def graph(self, schema: type[Any] | None = None) -> StateGraph[Any]:
        """A new, empty graph over ``schema`` (default: the planner's declared state)."""
        from langgraph.graph import StateGraph

        return StateGraph(schema or self.state)

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
        the agent step ``node``; for nodes that :meth:`model_node` does not cover."""
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

    def model_node(
        self,
        name: str = "model",
        *,
        prompt: Prompt | None = None,
        response_format: FormatFor = None,
        use_tools: bool = True,
        read: Read | None = None,
        stream: bool = True,
    ) -> Any:
        """A node that calls the model on ``prompt(state)`` (default: :meth:`prompt`).

        Without ``read`` the answer joins the conversation; with it, ``read(state,
        response)`` returns the update instead (not called when a guard stopped the
        agent). ``response_format`` may depend on the state; ``stream=False`` keeps the
        answer off the event stream (e.g. JSON the reader never sees). Both ``prompt``
        and ``read`` may be async.
        """
        make_prompt = prompt or self.prompt

        async def model(state: Any, config: RunnableConfig) -> dict[str, Any]:
            if state.get("route"):  # a tool handed the conversation to another agent
                return {}
            messages = make_prompt(state)
            if inspect.isawaitable(messages):
                messages = await messages
            chosen = response_format(state) if callable(response_format) else response_format
            outcome = await self.call_model(
                state,
                config if stream else _quiet(config),
                messages,
                response_format=chosen,
                use_tools=use_tools,
                node=name,
            )
            response = outcome.response
            if response is None:
                return outcome.update
            if read is None:
                return {**outcome.update, "messages": [response.message]}
            if outcome.stopped:
                return outcome.update
            update = read(state, response)
            if inspect.isawaitable(update):
                update = await update
            return {**outcome.update, **update}

        return model

    def tool_node(self) -> Any:
        """A node running one tool call sent by :meth:`route_after_model`."""
        from ..steps import tool_node

        return tool_node(self.ctx)

    def route_after_model(self, *, tools: str, done: str = END) -> Callable[[Any], Awaitable[Any]]:
        """The edge after a model node: its tool calls run concurrently in node ``tools``;
        an answer without calls goes to ``done``; a stopped agent or a handoff ends.
        Wire it with ``graph.add_conditional_edges(model, route, [tools, done, END])``."""

        async def route(state: Any) -> Any:  # async: no thread-pool hop
            stopped = state.get("stop") is not None or bool(state.get("route"))
            return _next_after_model(stopped, state["messages"][-1], tools, done)

        return route

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
        from langgraph.types import Command

        tools = f"{name}_tool"
        model = self.model_node(name, prompt=prompt)

        # The node routes itself (a Command) instead of through a conditional edge, which
        # would copy every state channel to show the route the state after the update.
        async def model_then_route(state: Any, config: RunnableConfig) -> Any:
            update = await model(state, config)
            stopped = (
                update.get("stop") is not None
                or state.get("stop") is not None
                or bool(state.get("route"))
            )
            last = (update.get("messages") or state["messages"])[-1]
            return Command(update=update, goto=_next_after_model(stopped, last, tools, done))

        graph.add_node(name, model_then_route, destinations=(tools, done))
        graph.add_node(tools, self.tool_node())
        graph.add_edge(tools, name)


def _next_after_model(stopped: bool, last: Message, tools: str, done: str) -> Any:
    """Where a conversation goes after a model node: its tool calls run concurrently in
    ``tools``, an answer goes to ``done``, a stopped agent or a handoff ends."""
    from ..steps import tool_sends

    if stopped:
        return END
    if last.role == "assistant" and last.tool_calls:
        return tool_sends(tools, last)
    return done


def _quiet(config: RunnableConfig) -> Any:
    """``config`` with streaming off for one call."""
    return {**config, "configurable": {**config.get("configurable", {}), STREAMING_KEY: False}}
