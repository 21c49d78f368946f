"""Agent as data, the planner registry and lazy imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from interlace.agents import Agent, Limits
from interlace.agents.planners import (
    Planner,
    PlannerKit,
    get_planner,
    planner_names,
    register_planner,
)
from interlace.protocols.errors import UsageError
from interlace.runtimes import ScriptedBackend


def test_agent_is_validated_data() -> None:
    agent = Agent(name="writer", model="scripted:hello", limits=Limits(max_steps=3))
    assert agent.planner == "react"
    assert agent.limits.max_steps == 3
    assert agent.model_name == "scripted:hello"
    with pytest.raises(UsageError, match="did you mean 'react'"):
        Agent(name="writer", model="scripted:x", planner="reakt")
    with pytest.raises(UsageError, match="SCHEME:TARGET"):
        Agent(name="writer", model="default")
    with pytest.raises(UsageError, match="not valid"):
        Agent(name="two words", model="scripted:x")
    with pytest.raises(ValueError, match="extra"):
        Agent(name="writer", model="scripted:x", colour="red")  # type: ignore[call-arg]


def test_planner_swap_is_one_field() -> None:
    agent = Agent(name="a", model=ScriptedBackend())
    swapped = agent.model_copy(update={"planner": "plan_execute"})
    assert swapped.planner == "plan_execute"
    assert {"react", "plan_execute", "router", "supervisor"} <= set(planner_names())


def test_plugins_register_planners() -> None:
    class EchoPlanner(Planner):
        def build(self, kit: PlannerKit) -> object:
            return get_planner("react").build(kit)

    register_planner("echo-test", EchoPlanner)
    assert isinstance(get_planner("echo-test"), EchoPlanner)
    Agent(name="a", model="scripted:x", planner="echo-test")
    with pytest.raises(UsageError, match="already registered"):
        register_planner("echo-test", lambda: EchoPlanner())


def test_import_is_lazy() -> None:
    code = (
        "import sys, interlace.agents as a, interlace.agents.planners;"
        "a.Agent; a.Limits;"
        "heavy = ('langgraph', 'opentelemetry', 'langchain_core');"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_run_is_a_plain_function_of_the_runner_module() -> None:
    import inspect

    from interlace.agents import run, runner

    assert inspect.iscoroutinefunction(run)
    assert run is runner.run
    assert runner.RunResult.__name__ == "RunResult"
