"""A first agent on the on-device default model (`make demo`): it calls a tool.

The packaged model (Gemma 3 270M, a *base* model) does not follow chat instructions,
but it copies well from examples. Its agents therefore use the ``fewshot`` decision
format (chosen automatically): each step it completes a few-shot transcript and a
grammar makes the completion one valid decision, here a calculator call, then the answer.
"""

from __future__ import annotations

from interlace.agents import Agent, run
from interlace.protocols import SamplingSettings
from interlace.protocols.aio import run_sync
from interlace.tools import FunctionToolset
from interlace.tools.builtins import calculator

TASK = "What is 17 * 23?"


def main() -> None:
    agent = Agent(
        name="assistant",
        model="llamacpp:default?n_ctx=2048",
        toolsets=[FunctionToolset([calculator])],
        sampling=SamplingSettings(temperature=0, max_tokens=48),
    )
    result = run_sync(run, agent, TASK)
    print(f"task: {TASK}")
    for message in result.messages:
        for call in message.tool_calls:
            print(f"tool call: {call.name}({call.arguments})")
        if message.role == "tool":
            print(f"tool result: {message.text}")
    print(f"answer: {result.output}")


if __name__ == "__main__":
    main()
