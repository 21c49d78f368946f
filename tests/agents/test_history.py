"""The history policy: long conversations keep working, within the model's context."""

from __future__ import annotations

from collections.abc import AsyncIterator

from interlace.agents import Agent, HistoryPolicy, RunResult, run
from interlace.agents.history import estimate_tokens, trim
from interlace.protocols import Message, ModelRequest, SamplingSettings, StreamEvent, ToolResult
from interlace.protocols.errors import ContextOverflowError
from interlace.runtimes.base import Capabilities
from interlace.runtimes.scripted import ScriptedBackend, call

WORDS = "lorem ipsum dolor sit amet " * 20  # about 200 tokens by the estimate


def _chat(turns: int) -> list[Message]:
    messages = [Message.system("Be brief.")]
    for index in range(turns):
        messages += [
            Message.user(f"question {index} {WORDS}"),
            Message.assistant(f"answer {index}"),
        ]
    return messages


def test_trim_drops_whole_old_turns_and_keeps_instructions_and_the_current_turn() -> None:
    tool_call = call("lookup", q="x")
    messages = [
        *_chat(4),
        Message.user("with a tool " + WORDS),
        Message.assistant(None, (tool_call,)),
        ToolResult(tool_call_id=tool_call.id, name="lookup", content="found").to_message(),
        Message.user("latest " + WORDS),
    ]
    budget = estimate_tokens(messages) // 2
    kept, dropped = trim(messages, budget)
    assert estimate_tokens(kept) <= budget
    assert kept[0].text == "Be brief."
    assert kept[-1].text.startswith("latest")
    assert dropped == messages[1 : 1 + len(dropped)]  # the oldest, in order
    assert dropped[0].role == "user"
    assert kept[1].role == "user"  # a turn never starts half-way
    roles = [m.role for m in kept]
    if "tool" in roles:  # a tool result is kept only with its call
        assert roles[roles.index("tool") - 1] == "assistant"


def test_trim_leaves_a_conversation_that_fits_alone() -> None:
    messages = _chat(2)
    assert trim(messages, 10_000) == (messages, [])


def _agent(backend: ScriptedBackend, **history: object) -> Agent:
    return Agent(
        name="chatty",
        model=backend,
        instructions="Be brief.",
        sampling=SamplingSettings(max_tokens=50),
        history=HistoryPolicy.model_validate(history),
    )


def _small_window(window: int) -> Capabilities:
    return Capabilities(native_tools=True, context_window=window)


async def _converse(agent: Agent, turns: int, thread: str) -> RunResult:
    """``turns`` long questions on one thread, each answered; the last result."""
    for index in range(turns):
        result = await run(agent, f"question {index} {WORDS}", thread_id=thread)
        assert result.stop_reason == "final", result.detail
    return result


async def test_a_chat_longer_than_the_window_keeps_answering() -> None:
    backend = ScriptedBackend(["ok"], repeat=True, capabilities=_small_window(1000))
    result = await _converse(_agent(backend), 12, "long")
    prompt = backend.requests[-1].messages
    assert estimate_tokens(prompt) <= 1000 - 50
    assert prompt[-1].text.startswith("question 11")
    assert not any(m.text.startswith("question 0 ") for m in prompt)
    # the thread itself keeps every turn; only the prompt is fitted
    assert len(result.messages) == 24


class _Counting(ScriptedBackend):
    """Overflows like a real backend whose tokenizer counts twice what the estimate does."""

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        real = 2 * estimate_tokens(request.messages)
        window = self.capabilities.context_window or 0
        if real > window:
            raise ContextOverflowError(real, window, "model counting")
        return super().stream(request)


async def test_an_overflow_reported_by_the_backend_rescales_and_retries_once() -> None:
    backend = _Counting(["ok"], repeat=True, capabilities=_small_window(1500))
    await _converse(_agent(backend), 8, "counted")
    assert 2 * estimate_tokens(backend.requests[-1].messages) <= 1500


async def test_a_latest_message_too_long_alone_says_so() -> None:
    overflowing = _Counting(["ok"], repeat=True, capabilities=_small_window(1000))
    agent = _agent(overflowing)
    await run(agent, "hi", thread_id="t")
    result = await run(agent, WORDS * 5, thread_id="t")
    assert result.stop_reason == "error"
    assert result.error is not None
    assert result.error.type == "ContextOverflowError"
    assert "latest message alone" in result.error.message


async def test_summarize_replaces_dropped_turns_with_one_summary() -> None:
    backend = ScriptedBackend(["ok"], repeat=True, capabilities=_small_window(1000))
    await _converse(_agent(backend, strategy="summarize"), 10, "summed")
    summary_calls = [r for r in backend.requests if r.cache_key == "chatty:summary"]
    answer_calls = [r for r in backend.requests if r.cache_key == "chatty:summed"]  # agent:thread
    assert summary_calls, "nothing was summarized"
    # each dropped turn is summarized about once, not once per later call
    assert len(summary_calls) < len(answer_calls)
    last = answer_calls[-1].messages
    notes = [m for m in last if m.role == "system" and m.text.startswith("Summary of the")]
    assert len(notes) == 1
    assert "ok" in notes[0].text  # the scripted model's summary


async def test_keep_sends_everything() -> None:
    backend = ScriptedBackend(["ok"], repeat=True, capabilities=_small_window(1000))
    await _converse(_agent(backend, strategy="keep"), 6, "kept")
    assert backend.requests[-1].messages[1].text.startswith("question 0")
