"""Plan and execute: write a structured plan, run each step with tools, replan on failure."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from interlace.protocols import JsonSchemaFormat, Message, ModelResponse

from ..state import State, last_answer
from .base import END, START, Planner, PlannerKit
from .structured import parse, response_format

MAX_STEPS_IN_PLAN = 6
MAX_REPLANS = 2

_PLAN_PROMPT = (
    "First write a short plan for the user's task: a list of steps (at most {n}), each "
    "one action. Tools you can use in the steps: {tools}. "
    'Reply with JSON: {{"steps": ["...", "..."]}}.'
)
_REPLAN_PROMPT = (
    "A step of the plan failed. Write the remaining steps again (at most {n}) so the task "
    'still gets done. Reply with JSON: {{"steps": ["..."]}}.'
)
_STEP_PROMPT = "Carry out step {index} of the plan: {step}"
_FINISH_PROMPT = "All steps are done. Give the final answer to the original task."


class Plan(BaseModel):
    """A structured plan: the steps to carry out, in order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: list[str] = Field(max_length=MAX_STEPS_IN_PLAN)


def plan_length(max_steps: int) -> int:
    """The longest plan the step budget can finish: planning and the final answer take a
    model call each, every step up to two (one tool round and its answer)."""
    return max(1, min(MAX_STEPS_IN_PLAN, (max_steps - 2) // 2))


def plan_format(length: int) -> JsonSchemaFormat:
    """The ``response_format`` of a plan of 1 to ``length`` steps."""
    schema = response_format(Plan, "plan").json_schema
    steps = {**schema["properties"]["steps"], "minItems": 1, "maxItems": length}
    steps["items"] = {"type": "string", "minLength": 1}
    return JsonSchemaFormat(
        name="plan", json_schema={**schema, "properties": {**schema["properties"], "steps": steps}}
    )


class PlanState(State, total=False):
    """Plan-and-execute bookkeeping on top of the shared state."""

    plan: list[str]
    step: int
    errors_before: int
    replans: int


class PlanExecutePlanner(Planner):
    """plan -> (start step -> tool loop -> check)* -> finish; a failed step replans; the
    answer of a one-step plan is the final answer (no finishing call)."""

    state = PlanState
    checkpoint_types = (Plan,)
    run_fields = MappingProxyType({"plan": [], "step": 0, "errors_before": 0, "replans": 0})

    def build(self, kit: PlannerKit) -> Any:
        graph = kit.graph()
        graph.add_node("plan", _planner_node(kit, replan=False))
        graph.add_node("replan", _planner_node(kit, replan=True))
        graph.add_node("start_step", _start_step)
        kit.add_tool_loop(graph, "execute", done="check")
        graph.add_node("check", _check)
        graph.add_node(
            "finish",
            kit.model_node("finish", prompt=_finish_prompt(kit), use_tools=False, read=_finish),
        )
        graph.add_edge(START, "plan")
        for node in ("plan", "replan"):
            graph.add_conditional_edges(node, _after_plan, ["start_step", "finish", END])
        graph.add_edge("start_step", "execute")
        graph.add_conditional_edges("check", _after_check, ["start_step", "replan", "finish", END])
        graph.add_edge("finish", END)
        return graph


def _planner_node(kit: PlannerKit, *, replan: bool) -> Any:
    length = plan_length(kit.ctx.agent.limits.max_steps)

    async def prompt(state: PlanState) -> list[Message]:
        tools = ", ".join(spec.name for spec in await kit.ctx.tool_specs()) or "none"
        extra = (_REPLAN_PROMPT if replan else _PLAN_PROMPT).format(n=length, tools=tools)
        return [*kit.ctx.system_messages(extra), *state.get("messages", [])]

    def read(state: PlanState, response: ModelResponse) -> dict[str, Any]:
        parsed = parse(Plan, response)
        steps = [step for step in parsed.steps if step.strip()][:length] if parsed else []
        done = state.get("plan", [])[: state.get("step", 0)] if replan else []
        listing = "\n".join(f"{i}. {step}" for i, step in enumerate(steps, len(done) + 1))
        title = "Revised plan" if replan else "Plan"
        return {
            "messages": [Message.assistant(f"{title}:\n{listing}" if steps else "(no plan)")],
            "plan": [*done, *steps],
            "step": len(done),
            "replans": state.get("replans", 0) + (1 if replan else 0),
        }

    return kit.model_node(
        "replan" if replan else "plan",
        prompt=prompt,
        response_format=plan_format(length),
        use_tools=False,
        read=read,
        stream=False,  # the plan's JSON is not an answer (its listing joins the conversation)
    )


async def _after_plan(state: PlanState) -> str:
    if state.get("stop") is not None:
        return "__end__"
    return "start_step" if state.get("step", 0) < len(state.get("plan", [])) else "finish"


async def _start_step(state: PlanState) -> dict[str, Any]:
    index = state.get("step", 0)
    text = _STEP_PROMPT.format(index=index + 1, step=state["plan"][index])
    return {"messages": [Message.user(text)], "errors_before": state.get("tool_errors", 0)}


async def _check(state: PlanState) -> dict[str, Any]:
    failed = state.get("tool_errors", 0) > state.get("errors_before", 0)
    return {} if failed and state.get("replans", 0) < MAX_REPLANS else {"step": state["step"] + 1}


async def _after_check(state: PlanState) -> str:
    failed = state.get("tool_errors", 0) > state.get("errors_before", 0)
    if failed and state.get("replans", 0) < MAX_REPLANS:
        return "replan"
    plan = state.get("plan", [])
    if state.get("step", 0) < len(plan):
        return "start_step"
    last = state["messages"][-1]
    if len(plan) == 1 and last.role == "assistant" and last.text and not last.tool_calls:
        return END  # a one-step plan's answer is the final answer: no call to repeat it
    return "finish"


def _finish_prompt(kit: PlannerKit) -> Any:
    def prompt(state: PlanState) -> list[Message]:
        return [*kit.prompt(state), Message.user(_FINISH_PROMPT)]

    return prompt


def _finish(state: PlanState, response: ModelResponse) -> dict[str, Any]:
    answer = response.message.text or last_answer(state.get("messages", []))
    return {"messages": [Message.assistant(answer)]}
