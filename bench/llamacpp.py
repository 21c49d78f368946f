"""llama.cpp backend benchmarks, each against a baseline measured in the same run.

Prints ``BENCH llamacpp.<name> <value> <unit> target <op><number>`` lines:
decode speed vs raw llama-cpp-python, prefix reuse over a 10-turn conversation, three
agents sharing one model with and without per-agent state, constrained vs free decoding,
and one constrained tool call vs raw ``LlamaGrammar``.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from interlace.protocols import Message, ModelRequest, SamplingSettings, ToolSpec
from interlace.protocols.aio import run_sync
from interlace.runtimes.llamacpp import LlamaCppBackend, LlamaCppOptions

OPTIONS = LlamaCppOptions(n_ctx=2048)
ROUNDS = 3
SYSTEM = "You are a helpful assistant for gardeners. Answer briefly and precisely. " * 8
TOOL = ToolSpec(
    name="write_note",
    description="Save a note.",
    parameters={
        "type": "object",
        "properties": {"title": {"type": "string"}, "body": {"type": "string"}},
        "required": ["title", "body"],
    },
)
WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather for a city.",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
        "required": ["city", "unit"],
    },
)


def report(name: str, value: float, unit: str, target: str) -> None:
    print(f"BENCH llamacpp.{name} {value:.3f} {unit} target {target}", flush=True)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def request(messages: tuple[Message, ...], tokens: int, **fields: Any) -> ModelRequest:
    settings = SamplingSettings(temperature=0.0, max_tokens=tokens)
    return ModelRequest(messages=messages, settings=settings, **fields)


def decode_vs_raw(backend: LlamaCppBackend) -> None:
    model = backend.load()
    question = (Message.user("Question: Describe a vegetable garden in spring.\nAnswer:"),)
    prompt = backend._plan(model, request(question, 1)).prompt
    ours, raw = [], []
    for _ in range(ROUNDS):
        model.llm.reset()
        seconds, response = timed(lambda: run_sync(backend.complete, request(question, 96)))
        ours.append(response.usage.output_tokens / seconds)
        model.llm.reset()
        seconds, out = timed(
            lambda: model.llm.create_completion(prompt, max_tokens=96, temperature=0.0)
        )
        raw.append(out["usage"]["completion_tokens"] / seconds)
    print(f"decode tok/s backend {statistics.median(ours):.1f} raw {statistics.median(raw):.1f}")
    report("decode_vs_raw", statistics.median(ours) / statistics.median(raw), "ratio", ">=0.95")


def conversation(backend: LlamaCppBackend, turns: int = 10) -> float:
    history: tuple[Message, ...] = (Message.system(SYSTEM),)
    start = time.perf_counter()
    for turn in range(turns):
        history += (Message.user(f"Turn {turn}: which plant should I water next?"),)
        response = run_sync(backend.complete, request(history, 12, cache_key="chat"))
        history += (response.message,)
    return time.perf_counter() - start


def agents(backend: LlamaCppBackend, keyed: bool, rounds: int = 3) -> float:
    names = ("planner", "critic", "writer")
    histories = {name: (Message.system(f"You are the {name}. {SYSTEM}"),) for name in names}
    start = time.perf_counter()
    for turn in range(rounds):
        for name in names:
            histories[name] += (Message.user(f"Step {turn}: your view?"),)
            key = name if keyed else None
            response = run_sync(backend.complete, request(histories[name], 8, cache_key=key))
            histories[name] += (response.message,)
    return time.perf_counter() - start


def prefix_benchmarks(backend: LlamaCppBackend, cold: LlamaCppBackend) -> None:
    warm_times, cold_times = [], []
    for _ in range(2):
        warm_times.append(conversation(backend))
        cold_times.append(conversation(cold))
    ratio = min(cold_times) / min(warm_times)
    print(f"10 turns: reuse {min(warm_times):.2f}s, full re-eval {min(cold_times):.2f}s")
    report("prefix_reuse_speedup", ratio, "x", ">=2")
    keyed, shared = [], []
    for _ in range(2):
        keyed.append(agents(backend, keyed=True))
        shared.append(agents(backend, keyed=False))
    ratio = min(shared) / min(keyed)
    print(f"3 agents: per-agent state {min(keyed):.2f}s, without {min(shared):.2f}s")
    report("agent_states_speedup", ratio, "x", ">=2")


def constrained_vs_free(backend: LlamaCppBackend) -> None:
    question = (Message.user("Write a long note about tomatoes."),)
    free_request = request(question, 64)
    tool_request = request(question, 64, tools=(TOOL,), tool_choice="required")
    run_sync(backend.complete, tool_request)  # grammar compiled and cached once
    free, constrained = [], []
    for _ in range(ROUNDS):
        seconds, response = timed(lambda: run_sync(backend.complete, free_request))
        free.append(response.usage.output_tokens / seconds)
        seconds, response = timed(lambda: run_sync(backend.complete, tool_request))
        constrained.append(response.usage.output_tokens / seconds)
    free_rate, rate = statistics.median(free), statistics.median(constrained)
    print(f"tok/s free {free_rate:.1f}, constrained {rate:.1f} (forced tokens included)")
    report("constrained_vs_free", rate / free_rate, "ratio", ">=0.9")


def tool_call_vs_llamagrammar(backend: LlamaCppBackend) -> None:
    from llama_cpp import LlamaGrammar

    model = backend.load()
    question = (Message.user("What is the weather in Paris?"),)
    tool_request = request(question, 64, tools=(WEATHER,), tool_choice="required")
    prompt = backend._plan(model, tool_request).prompt
    schema = {
        "type": "object",
        "properties": {
            "tool_calls": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"const": "get_weather"},
                        "arguments": WEATHER.parameters,
                    },
                    "required": ["name", "arguments"],
                },
            }
        },
        "required": ["tool_calls"],
    }
    grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    ours, raw = [], []
    for _ in range(ROUNDS):
        model.llm.reset()
        seconds, response = timed(lambda: run_sync(backend.complete, tool_request))
        assert response.tool_calls, response
        ours.append(seconds)
        model.llm.reset()
        seconds, _ = timed(
            lambda: model.llm.create_completion(
                prompt, max_tokens=64, temperature=0.0, grammar=grammar
            )
        )
        raw.append(seconds)
    mine, theirs = statistics.median(ours), statistics.median(raw)
    print(f"one tool call: backend {mine:.2f}s, raw LlamaGrammar {theirs:.2f}s")
    report("tool_call_vs_llamagrammar", mine / theirs, "ratio", "<=0.5")


def main() -> None:
    backend = LlamaCppBackend("default", OPTIONS)
    cold = LlamaCppBackend("default", OPTIONS.model_copy(update={"prefix_reuse": False}))
    run_sync(backend.complete, request((Message.user("Hello"),), 4))
    decode_vs_raw(backend)
    constrained_vs_free(backend)
    tool_call_vs_llamagrammar(backend)
    prefix_benchmarks(backend, cold)


if __name__ == "__main__":
    main()
