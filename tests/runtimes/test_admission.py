"""The admission line in front of a shared model, and blocking work that owns it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import anyio
import pytest

from interlace.protocols.errors import OverloadedError
from interlace.runtimes.admission import Admission
from interlace.runtimes.worker import held_work


async def test_waiters_get_the_model_in_arrival_order() -> None:
    admission = Admission("the model", max_queue=5)
    order: list[int] = []

    async def user(index: int) -> None:
        await admission.acquire()
        order.append(index)
        await anyio.sleep(0.01)
        admission.release()

    await admission.acquire()
    async with anyio.create_task_group() as group:
        for index in range(4):
            group.start_soon(user, index)
            await anyio.sleep(0.01)  # arrive one after another
        assert admission.waiting == 4
        admission.release()
    assert order == [0, 1, 2, 3]
    assert not admission.busy


async def test_a_full_line_refuses_at_once_with_a_retry_hint() -> None:
    admission = Admission("the model gemma.gguf", max_queue=1)
    await admission.acquire()
    async with anyio.create_task_group() as group:
        group.start_soon(admission.acquire)
        await anyio.sleep(0.01)
        with pytest.raises(OverloadedError, match=r"gemma\.gguf is busy.*max_queue=1") as caught:
            await admission.acquire()
        assert (caught.value.retry_after or 0) >= 1
        admission.release()  # to the waiter
    admission.release()
    assert not admission.busy


async def test_a_cancelled_waiter_leaves_the_line() -> None:
    admission = Admission("m", max_queue=3)
    await admission.acquire()
    with anyio.move_on_after(0.05):
        await admission.acquire()
    assert admission.waiting == 0
    admission.release()
    assert not admission.busy
    await admission.acquire()  # free again
    admission.release()


async def test_a_waiter_cancelled_as_it_is_granted_passes_the_model_on() -> None:
    admission = Admission("m", max_queue=3)
    await admission.acquire()
    got: list[str] = []

    async def second() -> None:
        await admission.acquire()
        got.append("second")
        admission.release()

    async with anyio.create_task_group() as group:
        first = anyio.CancelScope()

        async def doomed() -> None:
            with first:
                await admission.acquire()
                got.append("doomed")  # pragma: no cover - cancelled before it runs

        group.start_soon(doomed)
        await anyio.sleep(0.01)
        group.start_soon(second)
        await anyio.sleep(0.01)
        admission.release()  # granted to ``doomed`` ...
        first.cancel()  # ... which is cancelled before it wakes up
    assert got == ["second"]
    assert not admission.busy


async def test_release_from_another_thread_wakes_an_async_waiter() -> None:
    admission = Admission("m")
    await admission.acquire()
    threading.Timer(0.05, admission.release).start()
    with anyio.fail_after(5):
        await admission.acquire()
    admission.release()


async def test_blocking_acquire_waits_its_turn_or_times_out() -> None:
    admission = Admission("m", max_queue=0)
    await admission.acquire()
    assert not await anyio.to_thread.run_sync(admission.acquire_blocking, 0.05)
    threading.Timer(0.05, admission.release).start()
    assert await anyio.to_thread.run_sync(admission.acquire_blocking, 5.0)
    admission.release()
    assert not admission.busy


def _steps(log: list[str], step_s: float) -> Callable[..., int]:
    def work(cancel: threading.Event, send: Callable[[int], None]) -> int:
        count = 0
        try:
            while not cancel.is_set() and count < 1000:
                time.sleep(step_s)  # one "token": never interrupted half-way
                count += 1
                send(count)
            return count
        finally:
            log.append("cleaned up")

    return work


async def test_held_work_streams_items_and_returns_the_result() -> None:
    admission, log = Admission("m"), []
    items = []
    async with held_work(admission, _steps(log, 0.001)) as job:
        async for item in job:
            items.append(item)
    assert items == list(range(1, 1001))
    assert job.result == 1000
    assert log == ["cleaned up"]
    assert not admission.busy


async def test_a_cancelled_consumer_stops_the_thread_before_the_model_is_free() -> None:
    admission, log = Admission("m"), []
    with anyio.move_on_after(0.2):
        async with held_work(admission, _steps(log, 0.05)) as job:
            async for _item in job:
                pass
    # the thread finished its step, cleaned up and released before the block was left
    assert log == ["cleaned up"]
    assert not admission.busy
    assert not [thread for thread in threading.enumerate() if thread.name == "interlace-model"]
    assert job.cancel.is_set()


async def test_work_that_fails_releases_and_raises_in_the_consumer() -> None:
    admission = Admission("m")

    def broken(cancel: threading.Event, send: Callable[[str], None]) -> None:
        send("partial")
        raise ValueError("decoder exploded")

    seen: list[str] = []

    async def consume() -> None:
        async with held_work(admission, broken) as job:
            async for item in job:
                seen.append(item)

    with pytest.raises(ValueError, match="decoder exploded"):
        await consume()
    assert seen == ["partial"]
    assert not admission.busy
