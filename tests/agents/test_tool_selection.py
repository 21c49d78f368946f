"""Tool selection: each model call is offered the tools that fit the conversation, ranked
with the real packaged embedder; the vectors are cached on disk per tool set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from interlace.agents import Agent, ToolSelectionEvent, configure_tracing, stream
from interlace.agents import tool_index as tool_index_module
from interlace.agents.context import AgentContext
from interlace.agents.tool_index import MAX_QUERY_TOKENS, ToolIndex
from interlace.agents.tool_selection import ToolSelector, conversation_texts
from interlace.protocols import Message, ModelRequest, ToolCall, ToolResult, ToolSpec
from interlace.runtimes.embeddings import get_embedder
from interlace.testing import FunctionBackend
from interlace.tools import FunctionToolset, ToolSelection, tool
from interlace.tools.context import DETACHED
from interlace.tools.selection import choose, tool_text

CATALOGUE = {
    "get_weather": "Current weather and the temperature forecast for a city.",
    "send_email": "Send an email message to a recipient.",
    "convert_currency": "Convert an amount of money from one currency to another.",
    "search_flights": "Search airline flights between two airports on a date.",
    "translate_text": "Translate a text into another language.",
    "calculate": "Evaluate an arithmetic expression.",
    "read_file": "Read the contents of a file on disk.",
    "list_meetings": "List the meetings in the user's calendar.",
    "play_music": "Play a song or playlist on the speakers.",
    "order_pizza": "Order a pizza for delivery.",
    "finish": "Finish with the final answer.",
}


def _tool(name: str, about: str) -> Any:
    def run(query: str) -> str:
        return f"{name} ran with {query}"

    run.__name__, run.__doc__ = name, about
    return tool(run)


def _toolset(names: list[str] | None = None) -> FunctionToolset:
    return FunctionToolset([_tool(n, CATALOGUE[n]) for n in names or list(CATALOGUE)])


def _spec(name: str, description: str = "", **parameters: str) -> ToolSpec:
    properties = {key: {"type": "string", "description": text} for key, text in parameters.items()}
    return ToolSpec(
        name=name, description=description, parameters={"type": "object", "properties": properties}
    )


class CountingIndex(ToolIndex):
    """A tool index that counts the texts it embeds."""

    embedded: list[str]

    def __init__(self, folder: Path) -> None:
        super().__init__("default", device="cpu", folder=folder)
        self.embedded = []

    @property
    def embedder(self) -> Any:
        real = super().embedder
        index = self

        class Counting:
            name, dimension = real.name, real.dimension

            def embed(self, texts: list[str]) -> Any:
                index.embedded += texts
                return real.embed(texts)

            def token_offsets(self, text: str) -> list[tuple[int, int]]:
                return list(real.token_offsets(text))

        return Counting()


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CountingIndex:
    """The index selections use, kept under ``tmp_path`` (not the user cache)."""
    found = CountingIndex(tmp_path / "tool-embeddings")
    monkeypatch.setattr(tool_index_module, "_indexes", {("default", "auto"): found})
    return found


# --- the choice, without a model --------------------------------------------------------


def test_choose_takes_top_k_plus_always_in_catalogue_order() -> None:
    names = ["a", "b", "c", "d", "finish", "git_log", "git_diff"]
    scores = [0.1, 0.9, 0.5, 0.7, -0.2, 0.0, 0.3]
    policy = ToolSelection(top_k=2, always=("finish", "git_*"))
    assert choose(names, scores, policy) == ["finish", "git_log", "git_diff", "b", "d"]
    assert choose(names, scores, ToolSelection(top_k=3, min_score=0.6)) == ["b", "d"]
    assert choose(names, scores, ToolSelection(top_k=1), always=["a"]) == ["a", "b"]


def test_selection_options_are_checked() -> None:
    with pytest.raises(ValueError, match="top_k"):
        ToolSelection(top_k=0)
    with pytest.raises(ValueError, match="min_score"):
        ToolSelection(min_score=2)
    with pytest.raises(ValueError, match="topk"):
        ToolSelection.model_validate({"topk": 3})


def test_tool_text_reads_name_description_and_parameters() -> None:
    spec = _spec("getWeather_v2", "Weather now.", city="The city name", units="")
    assert tool_text(spec) == "get Weather v2: Weather now. Parameters: city: The city name; units"


def test_conversation_texts_are_the_latest_user_message_and_tool_results() -> None:
    messages = [
        Message.system("be brief"),
        Message.user("old question"),
        Message.user("Find the report and mail it to Ann"),
        Message.assistant(None, (ToolCall(id="1", name="search", arguments={}),)),
        ToolResult(tool_call_id="1", name="search", content="found report.pdf").to_message(),
    ]
    assert conversation_texts(messages) == [
        "Find the report and mail it to Ann",
        "found report.pdf",
    ]
    assert conversation_texts(messages[:3]) == ["Find the report and mail it to Ann"]
    assert conversation_texts([Message.system("only instructions")]) == []


# --- ranking with the real embedder and the disk cache ----------------------------------


def test_ranking_puts_the_fitting_tool_first(index: CountingIndex) -> None:
    specs = [_spec(name, about) for name, about in CATALOGUE.items()]
    questions = {
        "Will it rain in Lisbon tomorrow?": "get_weather",
        "How many yen is 250 euros?": "convert_currency",
        "Say 'good morning' in Italian": "translate_text",
        "What is on my calendar on Friday?": "list_meetings",
    }
    for question, expected in questions.items():
        scores = index.scores(specs, [question])
        assert specs[int(np.argmax(scores))].name == expected, (question, scores)


def test_vectors_are_cached_on_disk_per_tool_set_and_renewed_when_a_schema_changes(
    index: CountingIndex,
) -> None:
    specs = [_spec(name, about) for name, about in CATALOGUE.items()]
    first = index.vectors(specs)
    assert len(index.embedded) == len(specs)
    (stored,) = index.folder.glob("*.npz")

    fresh = CountingIndex(index.folder)  # another process: nothing in memory
    assert np.allclose(fresh.vectors(specs), first)
    assert fresh.embedded == []
    changed = [*specs[:-1], _spec("finish", "Finish.", answer="The final answer text")]
    again = CountingIndex(index.folder)
    vectors = again.vectors(changed)
    assert again.embedded == [tool_text(changed[-1])]  # only the changed tool
    assert np.allclose(vectors[:-1], first[:-1])
    assert not np.allclose(vectors[-1], first[-1])
    assert len(list(index.folder.glob("*.npz"))) == 2
    assert stored.is_file()


def test_a_long_conversation_text_is_cut_to_its_first_128_tokens(index: CountingIndex) -> None:
    result = "Build log: " + "warning: unused variable in module alpha; " * 100
    first = index.query([result])
    (embedded,) = index.embedded
    assert result.startswith(embedded)
    assert get_embedder().count_tokens([embedded]) == [MAX_QUERY_TOKENS]
    assert np.allclose(index.query([result]), first)  # remembered: not embedded again
    assert index.embedded == [embedded]


# --- in an agent run ----------------------------------------------------------------------


async def test_each_call_is_offered_top_k_and_always_and_unoffered_calls_still_run(
    index: CountingIndex,
) -> None:
    answers = iter(
        [
            ToolCall(id="1", name="get_weather", arguments={"query": "Lisbon"}),
            ToolCall(id="2", name="order_pizza", arguments={"query": "margherita"}),
            "done",
        ]
    )
    backend = FunctionBackend(lambda request: next(answers))
    policy = ToolSelection(top_k=2, always=("finish",))
    agent = Agent(name="helper", model=backend, toolsets=[_toolset()], tool_selection=policy)
    events = [event async for event in stream(agent, "Will it rain in Lisbon tomorrow?")]

    first = backend.requests[0]
    offered = [spec.name for spec in first.tools]
    assert len(offered) == 3
    assert {"get_weather", "finish"} <= set(offered)
    assert offered == [name for name in CATALOGUE if name in offered]  # the agent's order
    assert {spec.name for spec in first.other_tools} == set(CATALOGUE) - set(offered)
    assert "order_pizza" not in offered
    selections = [event for event in events if isinstance(event, ToolSelectionEvent)]
    assert len(selections) == len(backend.requests) == 3
    shown = {tool.name: tool for tool in selections[0].offered}
    assert shown["finish"].reason == "always"
    assert shown["get_weather"].reason == "top_k"
    assert shown["get_weather"].score == max(t.score or -1 for t in selections[0].offered)
    assert selections[0].total == len(CATALOGUE)
    assert selections[0].query == "Will it rain in Lisbon tomorrow?"
    results = [event.result for event in events if event.type == "tool_result"]
    assert [(r.name, r.is_error) for r in results] == [
        ("get_weather", False),
        ("order_pizza", False),  # not offered, but it exists: it runs
    ]
    assert "order_pizza" in [spec.name for spec in backend.requests[2].tools]  # its result


async def test_a_toolset_ranks_its_own_tools_and_graph_tools_are_always_offered(
    index: CountingIndex,
) -> None:
    big = _toolset([n for n in CATALOGUE if n not in ("calculate", "finish", "read_file")])
    small = _toolset(["calculate", "finish"])
    handoff = _toolset(["read_file"])  # stands in for a graph's handoff tools
    agent = Agent(
        name="helper",
        model=FunctionBackend(lambda request: "ok"),
        toolsets=[big.selecting(ToolSelection(top_k=1)), small],
    )
    ctx = AgentContext(agent, (handoff,))
    request = ModelRequest(messages=(Message.user("How many yen is 250 euros?"),))
    request = request.model_copy(update={"tools": await ctx.tool_specs()})
    chosen = await ToolSelector(ctx).select(request)
    assert [spec.name for spec in chosen.offered] == [
        "convert_currency",
        "calculate",
        "finish",
        "read_file",
    ]


async def test_the_selector_works_as_a_transform_outside_a_run(index: CountingIndex) -> None:
    """Called directly (no graph, so no event stream), it still cuts the request."""
    agent = Agent(
        name="helper",
        model=FunctionBackend(lambda request: "ok"),
        toolsets=[_toolset().selecting(ToolSelection(top_k=1, always=["finish"]))],
    )
    ctx = AgentContext(agent)
    request = ModelRequest(
        messages=(Message.user("How many yen is 250 euros?"),), tools=await ctx.tool_specs()
    )
    cut = await ToolSelector(ctx)(request, DETACHED)
    assert [spec.name for spec in cut.tools] == ["convert_currency", "finish"]
    assert len(cut.other_tools) == len(CATALOGUE) - 2


async def test_an_agent_with_few_tools_is_offered_all_without_ranking(
    index: CountingIndex,
) -> None:
    backend = FunctionBackend(lambda request: "ok")
    agent = Agent(
        name="helper",
        model=backend,
        toolsets=[_toolset(["calculate", "finish"])],
        tool_selection=ToolSelection(top_k=4),
    )
    events = [event async for event in stream(agent, "2+2?")]
    assert [spec.name for spec in backend.requests[0].tools] == ["calculate", "finish"]
    assert not any(isinstance(event, ToolSelectionEvent) for event in events)
    assert index.embedded == []


def _read(path: Path) -> str:
    return path.read_text()


@pytest.fixture
def trace_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "trace.jsonl"
    configure_tracing(jsonl=path)
    yield path
    configure_tracing(jsonl=None)


async def test_the_selection_is_traced_with_scores(index: CountingIndex, trace_file: Path) -> None:
    agent = Agent(
        name="helper",
        model=FunctionBackend(lambda request: "ok"),
        toolsets=[_toolset()],
        tool_selection=ToolSelection(top_k=1),
    )
    _ = [event async for event in stream(agent, "Play some jazz")]
    spans = [json.loads(line) for line in _read(trace_file).splitlines()]
    (span,) = [span for span in spans if span["name"] == "select_tools helper"]
    offered = json.loads(span["attributes"]["interlace.tools.offered"])
    assert [tool["name"] for tool in offered] == ["play_music"]
    assert isinstance(offered[0]["score"], float)
    assert span["attributes"]["interlace.tools.total"] == len(CATALOGUE)


# --- config ------------------------------------------------------------------------------

CONFIG = """\
models: {default: 'scripted:hi'}
agents:
  helper:
    toolsets: [math, files]
    tool_selection: {top_k: 3, always: [calculator]}
toolsets:
  math: {kind: builtin, tools: [calculator, datetime]}
  files:
    kind: builtin
    tools: [read_file, list_files]
    root: .
    tool_selection: {top_k: 1, min_score: 0.2}
"""


async def test_config_sets_the_agent_and_toolset_selections(tmp_path: Path) -> None:
    from interlace.agents.config import load_config
    from interlace.agents.system import build_system

    path = tmp_path / "app.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    system = build_system(load_config(path))
    async with system:
        agent = system.agents["helper"]
        assert agent.tool_selection == ToolSelection(top_k=3, always=("calculator",))
        math, files = agent.toolsets
        assert math.selection_for("calculator") is None
        assert files.selection_for("read_file") == ToolSelection(top_k=1, min_score=0.2)
        assert {spec.name for spec in await files.list_tools()} == {"read_file", "list_files"}


@pytest.mark.parametrize(
    ("block", "message", "where"),
    [
        ("{top_k: 0}", "agents.helper.tool_selection.top_k", ":5:"),
        ("{topk: 3}", "unknown key 'topk' (did you mean 'top_k'?", ":5:"),
    ],
)
def test_a_wrong_selection_is_located_and_explained(
    tmp_path: Path, block: str, message: str, where: str
) -> None:
    from interlace.agents.config import ConfigValidationError, load_config

    path = tmp_path / "app.yaml"
    path.write_text(CONFIG.replace("{top_k: 3, always: [calculator]}", block), encoding="utf-8")
    with pytest.raises(ConfigValidationError) as caught:
        load_config(path)
    assert message in str(caught.value)
    assert f"{path}{where}" in str(caught.value)


def test_a_wrong_toolset_selection_is_located(tmp_path: Path) -> None:
    from interlace.agents.config import ConfigValidationError, load_config

    path = tmp_path / "app.yaml"
    path.write_text(CONFIG.replace("min_score: 0.2", "min_score: 3"), encoding="utf-8")
    with pytest.raises(ConfigValidationError) as caught:
        load_config(path)
    assert "toolsets.files.tool_selection.min_score" in str(caught.value)


# --- backends ------------------------------------------------------------------------------


def test_a_server_reply_calling_an_unoffered_tool_is_valid() -> None:
    from interlace.runtimes.openai.decoding import decode_native

    def reply(name: str) -> dict[str, Any]:
        call = {"id": "c1", "type": "function", "function": {"name": name, "arguments": "{}"}}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        return {"choices": [{"message": message, "finish_reason": "tool_calls"}]}

    request = ModelRequest(
        messages=(Message.user("hi"),), tools=(_spec("a"),), other_tools=(_spec("b"),)
    )
    assert decode_native(request, reply("b")).problems == ()
    (problem,) = decode_native(request, reply("c")).problems
    assert "there is no tool named 'c'" in problem


@pytest.mark.slow
async def test_llamacpp_reuses_the_grammar_across_turns_offering_the_same_tools(
    index: CountingIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real model, grammar-constrained: the offered tools keep the agent's order, so
    two turns offering the same set share one compiled grammar and matcher."""
    import llguidance

    from interlace.agents import Limits
    from interlace.protocols import SamplingSettings
    from interlace.runtimes.llamacpp import grammar

    compiled: list[str] = []
    real = llguidance.LLMatcher

    def counting(tokenizer: Any, source: str, **options: Any) -> Any:
        compiled.append(source)
        return real(tokenizer, source, **options)

    for name in dir(real):  # the class's static helpers (grammar_from_json_schema, ...)
        if not name.startswith("_"):
            setattr(counting, name, getattr(real, name))
    monkeypatch.setattr(llguidance, "LLMatcher", counting)
    agent = Agent(
        name="helper",
        model="llamacpp:default",
        toolsets=[_toolset()],
        tool_selection=ToolSelection(top_k=1, always=("finish",)),
        sampling=SamplingSettings(max_tokens=4, temperature=0),
        limits=Limits(max_steps=1),
    )
    builds = grammar._build.cache_info()
    offered = []
    for question in (
        "Will it rain in Lisbon tomorrow?",
        "What is the weather forecast for Lisbon?",
        "How many yen is 250 euros?",
    ):
        events = [event async for event in stream(agent, question)]
        (selection,) = [event for event in events if isinstance(event, ToolSelectionEvent)]
        offered.append([tool.name for tool in selection.offered])
    assert offered == [
        ["get_weather", "finish"],
        ["get_weather", "finish"],
        ["convert_currency", "finish"],
    ]
    assert len(compiled) == 2
    assert "get_weather" in compiled[0]
    assert "convert_currency" in compiled[1]
    after = grammar._build.cache_info()
    assert (after.misses - builds.misses, after.hits - builds.hits) == (2, 1)


def test_cli_tools_query_shows_what_each_agent_would_be_offered(
    tmp_path: Path, index: CountingIndex
) -> None:
    from typer.testing import CliRunner

    from interlace.agents.cli.app import app

    path = tmp_path / "app.yaml"
    path.write_text(CONFIG.replace("top_k: 3", "top_k: 1"), encoding="utf-8")
    asked = CliRunner().invoke(app, ["tools", str(path), "--query", "What time is it?", "--json"])
    assert asked.exit_code == 0, asked.output
    (helper,) = json.loads(asked.output)["agents"]
    offered = {tool["name"]: tool for tool in helper["offered"]}
    assert helper["total"] == 4
    assert set(offered) == {"calculator", "datetime"}  # no file tool reaches min_score 0.2
    assert offered["calculator"]["reason"] == "always"
    assert offered["datetime"]["reason"] == "top_k"
    files = CliRunner().invoke(app, ["tools", str(path), "-q", "List the files in my folder"])
    assert files.exit_code == 0, files.output
    assert "list_files 0." in files.output
    assert "read_file" not in files.output  # the files toolset offers its top 1
