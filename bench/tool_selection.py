"""Tool selection on BFCL: pick the few tools each question needs from 100 or 500.

Run from the repository root: ``python bench/tool_selection.py`` (``--model-questions N``
for the model part's sample size, ``0`` to skip it; ``--decision-format`` for the model
part's formats; ``--quick``: every part on a few questions and small catalogues, a smoke
run of the code paths that the test suite makes).

The catalogues come from the BFCL data the Makefile installs (``bfcl-eval``): every
function of every category (the first definition of each name). Each question of the
``multiple`` and ``live_multiple`` categories (the answer is one of several functions)
gets a catalogue of 100 and one of 500: its own functions plus others drawn at random
(seeded) from the rest. Measured:

* recall@k: the share of questions whose gold function is among the ``k`` offered
  (k = 4, 8, 16), ranked as an agent's ``tool_selection`` ranks them;
* prompt tokens per step with the selection (k = 8) vs every tool, counted with the
  packaged model's tokenizer on the prompt the llama.cpp backend builds
  (``LlamaCppBackend.count_prompt_tokens``);
* with the packaged model, grammar-constrained (``tool_choice="required"``, temperature
  0): time per tool call and the share of calls naming the gold function, with the
  selection vs every tool, over a sample of questions sharing one 100-tool catalogue (as
  an agent's tools are fixed; with every tool, the catalogue's prompt prefix is evaluated
  once and reused, which the report shows apart), in each decision format asked for
  (``native``: the backend's tool calling; ``fewshot``: what an agent on the packaged
  base model uses);
* selection time per step at 500 tools (embedding the question and ranking, through the
  agent's request transform), against embedding the question alone in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")


from interlace.agents import Agent
from interlace.agents.context import AgentContext
from interlace.agents.decisions.fewshot import FewShotFormat
from interlace.agents.tool_index import tool_index
from interlace.agents.tool_selection import ToolSelector
from interlace.protocols import (
    Message,
    ModelRequest,
    ModelResponse,
    SamplingSettings,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from interlace.tools import ToolSelection, Toolset, bfcl

KS = (4, 8, 16)
SEED = 20


@dataclass(frozen=True)
class Scale:
    """How big a run is: catalogue sizes (the first is the model part's), the tools
    offered (``k``), how many questions (``None``: all), the BFCL categories the pool
    comes from and how many of their functions join the questions' own (``None``: all),
    the most functions the model part's questions may bring, the model's context."""

    sizes: tuple[int, int] = (100, 500)
    k: int = 8
    questions: int | None = None
    pool: int | None = None
    categories: tuple[str, ...] = bfcl.CATEGORIES
    own_limit: int = 60
    n_ctx: int = 32768


FULL = Scale()
QUICK = Scale(
    sizes=(5, 10), k=2, questions=4, pool=20, categories=("multiple",), own_limit=4, n_ctx=2048
)


def bench(name: str, value: float, unit: str, target: str) -> None:
    print(f"BENCH tool_selection.{name} {value:.3f} {unit} target {target}", flush=True)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    gold: str
    own: tuple[ToolSpec, ...]


class Catalogue(Toolset):
    """BFCL functions as a toolset (calls are answered, never run: nothing runs here)."""

    def __init__(self, specs: Sequence[ToolSpec]) -> None:
        self.specs = list(specs)

    async def list_tools(self) -> Sequence[ToolSpec]:
        return self.specs

    async def call(self, call: ToolCall) -> ToolResult:
        return ToolResult(tool_call_id=call.id, name=call.name, content="ok")


def load(scale: Scale = FULL) -> tuple[dict[str, ToolSpec], list[Question]]:
    """Every function of the scale's categories by name, and the questions with their gold
    (the first ``scale.questions``; a ``scale.pool`` keeps their functions and that many
    others)."""
    pool: dict[str, ToolSpec] = {}
    for category in scale.categories:
        for entry in bfcl.load_category(category)[0]:
            for spec in entry.specs:
                pool.setdefault(spec.name, spec)
    questions = []
    for category in [name for name in ("multiple", "live_multiple") if name in scale.categories]:
        entries = {entry.id: entry for entry in bfcl.load_category(category)[0]}
        answers = bfcl.load_answers(category)
        for raw in bfcl.read_jsonl(bfcl.data_dir() / f"BFCL_v4_{category}.json"):
            users = [m["content"] for turn in raw["question"] for m in turn if m["role"] == "user"]
            gold = next(iter(answers[raw["id"]][0]))
            questions.append(Question(raw["id"], users[-1], gold, entries[raw["id"]].specs))
    questions = questions[: scale.questions]
    if scale.pool is not None:
        own = {spec.name: spec for question in questions for spec in question.own}
        others = [name for name in sorted(pool) if name not in own][: scale.pool]
        pool = {**own, **{name: pool[name] for name in others}}
    return pool, questions


def catalogue(
    question: Question, pool: dict[str, ToolSpec], size: int, seed: int
) -> list[ToolSpec]:
    """The question's own functions plus others from the pool, ``size`` in all, shuffled."""
    own = {spec.name: spec for spec in question.own}
    others = sorted(name for name in pool if name not in own)
    drawn = random.Random(f"{seed}:{question.id}:{size}").sample(others, size - len(own))
    specs = [*own.values(), *(pool[name] for name in drawn)]
    random.Random(f"{seed}:{question.id}").shuffle(specs)
    return specs


def ranked(scores: Sequence[float], k: int) -> list[int]:
    """Positions of the ``k`` best scores (ties: catalogue order), as the selection ranks."""
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]


# --- recall ---------------------------------------------------------------------------------


def recall(
    pool: dict[str, ToolSpec], questions: list[Question], scale: Scale
) -> dict[int, list[list[ToolSpec]]]:
    """recall@k per catalogue size; returns the catalogues (for the token count)."""
    index = tool_index()
    every = list({id(s): s for q in questions for s in q.own}.values()) + list(pool.values())
    started = time.perf_counter()
    vectors = index.vectors(every)  # embedded once (then read from the disk cache)
    print(f"tool vectors: {len(every)} in {time.perf_counter() - started:.1f} s", flush=True)
    row = {id(spec): n for n, spec in enumerate(every)}
    queries = index.embedder.embed([q.text for q in questions])
    catalogues: dict[int, list[list[ToolSpec]]] = {}
    for size in scale.sizes:
        hits = dict.fromkeys(KS, 0)
        catalogues[size] = []
        for question, query in zip(questions, queries, strict=True):
            specs = catalogue(question, pool, size, SEED)
            catalogues[size].append(specs)
            scores = (vectors[[row[id(spec)] for spec in specs]] @ query).tolist()
            for k in KS:
                hits[k] += any(specs[i].name == question.gold for i in ranked(scores, k))
        for k in KS:
            target = ">=0.95" if (size, k) == (scale.sizes[0], scale.k) else ">=0"
            bench(f"recall_at_{k}_{size}", hits[k] / len(questions), "fraction", target)
    return catalogues


# --- prompt tokens --------------------------------------------------------------------------


def prompt_tokens(backend: Any, messages: tuple[Message, ...], tools: Sequence[ToolSpec]) -> int:
    """Tokens of the prompt the llama.cpp backend builds for a required call of ``tools``
    (counted without compiling their grammar)."""
    request = ModelRequest(messages=messages, tools=tuple(tools), tool_choice="required")
    count: int = backend.count_prompt_tokens(request)
    return count


def constrainable(spec: ToolSpec) -> bool:
    """Whether the llama.cpp constraint engine can express the tool's schema."""
    from interlace.protocols.errors import UnsupportedSchemaError
    from interlace.runtimes.llamacpp.grammar import constraint_for

    try:
        constraint_for(ModelRequest(messages=(Message.user("x"),), tools=(spec,)))
    except UnsupportedSchemaError:
        return False
    return True


def tokens(
    backend: Any,
    questions: list[Question],
    catalogues: dict[int, list[list[ToolSpec]]],
    n: int,
    k: int,
) -> None:
    index = tool_index()
    for number, size in enumerate(catalogues):
        every, chosen = [], []
        for question, specs in list(zip(questions, catalogues[size], strict=True))[:n]:
            messages = (Message.user(question.text),)
            scores = index.scores(specs, [question.text])
            best = sorted(ranked(scores, k))  # offered in catalogue order
            every.append(prompt_tokens(backend, messages, specs))
            chosen.append(prompt_tokens(backend, messages, [specs[i] for i in best]))
        print(
            f"{size} tools: prompt tokens per step {statistics.mean(every):.0f} with every "
            f"tool, {statistics.mean(chosen):.0f} with {k} selected",
            flush=True,
        )
        target = ">=5" if number == 0 else ">=0"
        bench(
            f"prompt_tokens_ratio_{size}",
            statistics.mean(every) / statistics.mean(chosen),
            "x",
            target,
        )


# --- constrained calls with the packaged model ----------------------------------------------


def call_sample(
    pool: dict[str, ToolSpec], questions: list[Question], n: int, scale: Scale
) -> tuple[list[Question], list[ToolSpec]]:
    """``n`` questions whose functions the constraint engine can express, and one
    catalogue of ``scale.sizes[0]`` holding all their functions."""
    rng = random.Random(SEED)
    sample: list[Question] = []
    own: dict[str, ToolSpec] = {}
    pool = {name: spec for name, spec in pool.items() if constrainable(spec)}
    for question in rng.sample(questions, len(questions)):
        if not all(constrainable(spec) for spec in question.own):
            continue
        names = {spec.name for spec in question.own}
        if len(sample) < n and len(own) + len(names - set(own)) <= scale.own_limit:
            sample.append(question)
            own.update({spec.name: spec for spec in question.own if spec.name not in own})
    others = [pool[name] for name in sorted(pool) if name not in own]
    specs = [*own.values(), *rng.sample(others, scale.sizes[0] - len(own))]
    rng.shuffle(specs)
    return sample, specs


async def calls(
    backend: Any,
    pool: dict[str, ToolSpec],
    questions: list[Question],
    n: int,
    scale: Scale,
    formats: Sequence[str],
) -> None:
    """Both arms over ``n`` questions sharing one catalogue, interleaved, per format."""
    sample, specs = call_sample(pool, questions, n, scale)
    agent = Agent(
        name="bench",
        model=backend,
        toolsets=[Catalogue(specs)],
        tool_selection=ToolSelection(top_k=scale.k),
    )
    selector = ToolSelector(AgentContext(agent))
    await selector.layout(specs)
    settings = SamplingSettings(temperature=0, max_tokens=96)
    print(f"model part: {len(sample)} questions, {len(specs)} tools", flush=True)
    for name in formats:
        decide = decider(name, backend)
        results: dict[str, list[tuple[float, bool, int]]] = {"every": [], "selected": []}
        for question in sample:
            base = ModelRequest(
                messages=(Message.user(question.text),),
                tools=tuple(specs),
                tool_choice="required",
                settings=settings,
            )
            chosen = await selector.select(base)
            arms = {
                "every": base.model_copy(update={"cache_key": f"{name}-every"}),
                "selected": base.model_copy(
                    update={
                        "tools": chosen.offered,
                        "other_tools": chosen.left_out,
                        "cache_key": f"{name}-selected",
                    }
                ),
            }
            for arm, request in arms.items():
                started = time.perf_counter()
                response = await decide(request)
                took = time.perf_counter() - started
                named = bool(response.tool_calls) and response.tool_calls[0].name == question.gold
                results[arm].append((took, named, response.usage.input_tokens))
            print(
                f"  {name} {len(results['every'])}/{len(sample)}: "
                + ", ".join(f"{arm} {rows[-1][0]:.1f} s" for arm, rows in results.items()),
                flush=True,
            )
        report_calls(name, results)


def decider(name: str, backend: Any) -> Callable[[ModelRequest], Awaitable[ModelResponse]]:
    """One decision of a model call in the named format (``native``: the request as it
    is; ``fewshot``: the few-shot transcript a base model's agent sends)."""
    if name == "native":
        complete: Callable[[ModelRequest], Awaitable[ModelResponse]] = backend.complete
        return complete
    fewshot = FewShotFormat()
    return lambda request: fewshot.decide(request, backend.complete)


def report_calls(name: str, results: dict[str, list[tuple[float, bool, int]]]) -> None:
    for arm, rows in results.items():
        times = [row[0] for row in rows]
        later = statistics.mean(times[1:] or times)
        print(
            f"{name} {arm}: first call {times[0]:.1f} s, then mean {later:.2f} s; "
            f"gold named {sum(r[1] for r in rows)}/{len(rows)}; "
            f"prompt {statistics.mean(r[2] for r in rows):.0f} tokens (mean)",
            flush=True,
        )
    every, selected = results["every"], results["selected"]
    mean = statistics.mean
    bench(
        f"{name}_call_time_every_over_selected",
        mean(r[0] for r in every) / mean(r[0] for r in selected),
        "x",
        ">=0",
    )
    bench(f"{name}_first_call_time_every_over_selected", every[0][0] / selected[0][0], "x", ">=0")
    bench(f"{name}_gold_named_selected", mean(r[1] for r in selected), "fraction", ">=0")
    bench(f"{name}_gold_named_every", mean(r[1] for r in every), "fraction", ">=0")


# --- selection time -------------------------------------------------------------------------


async def selection_time(
    pool: dict[str, ToolSpec], questions: list[Question], n: int, scale: Scale
) -> None:
    """Selection per step at ``size`` tools (the agent's transform) vs embedding the
    question alone, interleaved."""
    index = tool_index()
    size = scale.sizes[-1]
    specs = catalogue(questions[0], pool, size, SEED)
    agent = Agent(
        name="bench",
        model="scripted:x",
        toolsets=[Catalogue(specs)],
        tool_selection=ToolSelection(top_k=scale.k),
    )
    selector = ToolSelector(AgentContext(agent))
    await selector.layout(specs)
    index.vectors(specs)
    selected, embedded = [], []
    for question in random.Random(SEED).sample(questions, min(n, len(questions))):
        text = f"{question.text} ({question.id})"  # never in the query cache
        request = ModelRequest(messages=(Message.user(text),), tools=tuple(specs))
        started = time.perf_counter()
        await selector.select(request)
        selected.append(time.perf_counter() - started)
        started = time.perf_counter()
        index.embedder.embed([text + " "])
        embedded.append(time.perf_counter() - started)
    select_ms, embed_ms = statistics.median(selected) * 1000, statistics.median(embedded) * 1000
    print(
        f"{size} tools: selection {select_ms:.1f} ms per step (median), "
        f"embedding alone {embed_ms:.1f} ms",
        flush=True,
    )
    bench(f"select_ms_{size}", select_ms, "ms", "<=10")
    bench(f"select_over_embed_{size}", select_ms / embed_ms, "x", "<=1.5")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model-questions", type=int, default=20)
    parser.add_argument("--token-questions", type=int, default=200)
    parser.add_argument("--timing-questions", type=int, default=200)
    parser.add_argument(
        "--decision-format",
        action="append",
        choices=("native", "fewshot"),
        help="the model part's formats (repeatable; default: both)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny sizes")
    options = parser.parse_args(argv)
    from interlace.runtimes.llamacpp import LlamaCppBackend, LlamaCppOptions

    scale = QUICK if options.quick else FULL
    pool, questions = load(scale)
    print(f"{len(pool)} functions, {len(questions)} questions", flush=True)
    catalogues = recall(pool, questions, scale)
    asyncio.run(selection_time(pool, questions, options.timing_questions, scale))
    backend = LlamaCppBackend("default", LlamaCppOptions(n_ctx=scale.n_ctx))
    tokens(backend, questions, catalogues, options.token_questions, scale.k)
    if options.model_questions:
        formats = options.decision_format or ["native", "fewshot"]
        asyncio.run(calls(backend, pool, questions, options.model_questions, scale, formats))


if __name__ == "__main__":
    main()
