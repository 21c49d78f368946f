"""Cancelling llama.cpp generations on the real packaged model: never a crash, never a
stuck model, and a full admission line refused at once."""

from __future__ import annotations

import threading

import anyio

from interlace.protocols import Message, ModelRequest, SamplingSettings
from interlace.protocols.errors import OverloadedError
from interlace.runtimes.llamacpp import LlamaCppBackend

COUNT = ModelRequest(
    messages=(Message.user("Count from one to one hundred: one, two, three,"),),
    settings=SamplingSettings(temperature=0.0, max_tokens=16),
    cache_key="counting",
)


async def test_cancelled_generations_leave_the_model_whole(backend: LlamaCppBackend) -> None:
    expected = await backend.complete(COUNT)
    # cancel at many points: waiting, prompt evaluation, decoding
    for delay in (0.0, 0.005, 0.02, 0.05, 0.1, 0.3):
        with anyio.move_on_after(delay):
            async for _event in backend.stream(COUNT):
                pass
        model = backend.load()
        assert not model.admission.busy, f"the model is still held after a cancel at {delay}s"
        alive = [thread for thread in threading.enumerate() if thread.name == "interlace-model"]
        assert not alive, "a generation thread outlived its call"
    again = await backend.complete(COUNT)
    assert again.message.text == expected.message.text


async def test_a_full_queue_is_refused_and_the_rest_are_served(backend: LlamaCppBackend) -> None:
    model = await anyio.to_thread.run_sync(backend.load)
    saved = model.admission.max_queue
    model.admission.max_queue = 1  # the model is shared with the other tests' backend
    answers: list[str] = []
    refused: list[OverloadedError] = []

    async def ask() -> None:
        try:
            answers.append((await backend.complete(COUNT)).message.text)
        except OverloadedError as exc:
            refused.append(exc)

    try:
        async with anyio.create_task_group() as group:
            for _ in range(4):
                group.start_soon(ask)
    finally:
        model.admission.max_queue = saved
    assert len(answers) == 2  # one generating, one waiting
    assert len(refused) == 2
    assert all((exc.retry_after or 0) >= 1 for exc in refused)
    assert "max_queue=1" in str(refused[0])
    assert not model.admission.busy


async def test_a_timed_out_caller_returns_only_after_the_model_is_free(
    backend: LlamaCppBackend,
) -> None:
    long = COUNT.model_copy(update={"settings": SamplingSettings(temperature=0.0, max_tokens=400)})
    with anyio.move_on_after(0.3):
        await backend.complete(long)
    assert not backend.load().admission.busy
