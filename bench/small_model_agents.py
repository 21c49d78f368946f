"""Small tool tasks on the packaged base model (Gemma 3 270M, temperature 0): the
``fewshot`` decision format against the plain chat-template path (``native``), both
measured in this run, task by task.

A task succeeds when the agent called the right tool with the right arguments and its
final answer holds the expected value. Tasks: arithmetic through the calculator, the
current time through the clock, values read from files, listing files (every task offers
all four tools, so each is also a choice between them), and two-step tasks whose second
call needs the first result.

Run from the repository root inside .venv: python bench/small_model_agents.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio

from interlace.agents import Agent, Limits, run
from interlace.protocols import SamplingSettings, ToolCall
from interlace.tools import FunctionToolset
from interlace.tools.builtins import builtin_tools, evaluate

TOOLS = ["calculator", "datetime", "read_file", "list_files"]
FORMATS = ("fewshot", "native")
FILES = {
    "port.txt": "8080",
    "owner.txt": "Ada Lovelace",
    "colour.txt": "teal",
    "city.txt": "Lisbon",
    "count.txt": "12",
    "price.txt": "45",
    "notes.md": "Buy milk",
    "version.txt": "3.11",
    "limit.txt": "250",
    "code.txt": "X7Q",
}

Check = Callable[[ToolCall], bool]


@dataclass(frozen=True)
class Task:
    """One task: the calls it needs (a check per call, in order) and the expected answer."""

    kind: str
    text: str
    calls: tuple[tuple[str, Check], ...]
    answer: str | None  # None: the answer must hold the (last) tool result


def _calc(text: str, value: float) -> Task:
    def check(call: ToolCall) -> bool:
        try:
            return abs(float(evaluate(str(call.arguments.get("expression", "")))) - value) < 1e-9
        except Exception:
            return False

    shown = int(value) if float(value).is_integer() else value
    return Task("arithmetic", text, (("calculator", check),), str(shown))


def _read(text: str, name: str) -> Task:
    def check(call: ToolCall) -> bool:
        return str(call.arguments.get("path", "")).lstrip("./") == name

    return Task("file", text, (("read_file", check),), FILES[name])


def _any(call: ToolCall) -> bool:
    return True


def _two_step(text: str, name: str, value: float) -> Task:
    read = _read("", name).calls[0]
    calc = _calc("", value).calls[0]
    shown = int(value) if float(value).is_integer() else value
    return Task("two_step", text, (read, calc), str(shown))


TASKS = [
    _calc("What is 17 * 23?", 391),
    _calc("What is 123 * 456?", 56088),
    _calc("What is 2 + 2?", 4),
    _calc("What is 100 / 8?", 12.5),
    _calc("What is 999 - 123?", 876),
    _calc("Compute 15 * 15.", 225),
    _calc("What is 7 * 8?", 56),
    _calc("What is 1024 / 4?", 256),
    _calc("Calculate 45 + 67.", 112),
    _calc("What is 3 ** 5?", 243),
    _calc("What is 81 - 19?", 62),
    _calc("How much is 12 * 12?", 144),
    _calc("What is 250 + 250?", 500),
    _calc("What is 6 * 9?", 54),
    Task("time", "What time is it?", (("datetime", _any),), None),
    Task("time", "What is the date today?", (("datetime", _any),), None),
    Task("time", "What day of the week is it?", (("datetime", _any),), None),
    Task("time", "Tell me the current date and time.", (("datetime", _any),), None),
    Task("time", "What is the current time in UTC?", (("datetime", _any),), None),
    Task("time", "What is today's date?", (("datetime", _any),), None),
    _read("What does port.txt say?", "port.txt"),
    _read("Read owner.txt.", "owner.txt"),
    _read("What is in colour.txt?", "colour.txt"),
    _read("Show me city.txt.", "city.txt"),
    _read("Read the file count.txt.", "count.txt"),
    _read("What does price.txt contain?", "price.txt"),
    _read("Open notes.md.", "notes.md"),
    _read("What is written in version.txt?", "version.txt"),
    _read("Read limit.txt and tell me the value.", "limit.txt"),
    _read("What is the code in code.txt?", "code.txt"),
    Task("list", "Which files are there?", (("list_files", _any),), "port.txt"),
    Task("list", "List the files in the workspace.", (("list_files", _any),), "owner.txt"),
    Task("list", "Show me all files.", (("list_files", _any),), "city.txt"),
    Task("list", "What files do I have?", (("list_files", _any),), "notes.md"),
    _two_step("Read count.txt and multiply the number by 3.", "count.txt", 36),
    _two_step("Read price.txt and add 5 to it.", "price.txt", 50),
    _two_step("Read limit.txt and divide the value by 10.", "limit.txt", 25),
    _two_step("Read count.txt and add 8 to the number.", "count.txt", 20),
    _two_step("Read price.txt and double it.", "price.txt", 90),
    _two_step("Read limit.txt and subtract 50.", "limit.txt", 200),
]
SINGLE = [task for task in TASKS if task.kind != "two_step"]


@dataclass
class Outcome:
    success: bool
    seconds: float
    tokens: int


async def _attempt(task: Task, fmt: str, root: Path) -> Outcome:
    agent = Agent(
        name="assistant",
        model="llamacpp:default",
        toolsets=[FunctionToolset(builtin_tools(TOOLS, root=root))],
        decision_format=fmt,
        sampling=SamplingSettings(temperature=0, max_tokens=48),
        limits=Limits(max_steps=5),
    )
    started = time.perf_counter()
    result = await run(agent, task.text)
    seconds = time.perf_counter() - started
    calls = [call for message in result.messages for call in message.tool_calls]
    results = [message.text for message in result.messages if message.role == "tool"]
    right_calls = len(calls) >= len(task.calls) and all(
        call.name == name and check(call)
        for call, (name, check) in zip(calls, task.calls, strict=False)
    )
    expected = task.answer if task.answer is not None else (results[-1] if results else None)
    right_answer = bool(expected) and str(expected) in result.output
    success = result.stop_reason == "final" and right_calls and right_answer
    return Outcome(success, seconds, result.usage.total_tokens)


def _line(name: str, value: float, unit: str, target: str = "") -> None:
    print(
        f"BENCH small_model_agents.{name} {value:.3g} {unit}"
        + (f" target {target}" if target else "")
    )


async def main() -> None:
    outcomes: dict[tuple[str, str], Outcome] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, text in FILES.items():
            (root / name).write_text(text + "\n")
        await _attempt(TASKS[0], "fewshot", root)  # load the model outside the timings
        for task in TASKS:
            for fmt in FORMATS:  # interleaved: both paths see the same machine load
                outcome = await _attempt(task, fmt, root)
                outcomes[(task.text, fmt)] = outcome
            marks = " ".join(
                f"{fmt}={'ok' if outcomes[(task.text, fmt)].success else '--'}" for fmt in FORMATS
            )
            print(f"{task.kind:10} {task.text:48} {marks}", flush=True)
    rates: dict[str, float] = {}
    for fmt in FORMATS:
        for kind, tasks in (("single_tool", SINGLE), ("two_step", TASKS[len(SINGLE) :])):
            done = [outcomes[(task.text, fmt)].success for task in tasks]
            rates[f"{kind}_{fmt}"] = sum(done) / len(done)
        for kind in ("arithmetic", "time", "file", "list"):
            done = [outcomes[(t.text, fmt)].success for t in TASKS if t.kind == kind]
            print(f"{fmt:8} {kind:10} {sum(done)}/{len(done)}")
    for fmt in FORMATS:
        target = ">=0.80" if fmt == "fewshot" else ""
        _line(f"single_tool_success_{fmt}", rates[f"single_tool_{fmt}"], "fraction", target)
        _line(f"two_step_success_{fmt}", rates[f"two_step_{fmt}"], "fraction")
        seconds = [outcomes[(t.text, fmt)].seconds for t in TASKS]
        tokens = [outcomes[(t.text, fmt)].tokens for t in TASKS]
        _line(f"median_seconds_per_task_{fmt}", statistics.median(seconds), "s")
        _line(f"median_tokens_per_task_{fmt}", statistics.median(tokens), "tokens")
    native = max(rates["single_tool_native"], 1 / len(SINGLE))
    _line("single_tool_success_vs_native", rates["single_tool_fewshot"] / native, "ratio", ">=1")


if __name__ == "__main__":
    anyio.run(main)
