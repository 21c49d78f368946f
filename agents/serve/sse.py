"""A Server-Sent Events response driven by a producer coroutine, not a generator.

Starlette's ``StreamingResponse`` iterates an async generator and leaves it to the
garbage collector when a client disconnects; agent runs hold cancel scopes across their
events, so here the producer runs start to end in the request's own task and a client
disconnect cancels it cleanly. Given ``on_error``, the status line goes out with the first
chunk, so a producer that fails before emitting anything gets a plain error response with
a real status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
from starlette.responses import Response

from .middleware import Receive, Scope, Send

Emit = Callable[[str], Awaitable[None]]
Producer = Callable[[Emit], Awaitable[None]]
_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


class EventStreamResponse(Response):
    """Stream what ``produce(emit)`` emits (formatted ``data: ...`` blocks) as
    ``text/event-stream``. With ``on_error``, the status line waits for the first chunk and
    ``on_error`` answers a failure before it; without, the stream starts at once."""

    def __init__(
        self, produce: Producer, on_error: Callable[[Exception], Response] | None = None
    ) -> None:
        super().__init__(media_type="text/event-stream")
        self.produce = produce
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False
        failure: Exception | None = None
        async with anyio.create_task_group() as group:
            group.start_soon(_cancel_on_disconnect, receive, group.cancel_scope)

            async def emit(chunk: str) -> None:
                nonlocal started
                if not started:
                    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
                    started = True
                body = chunk.encode()
                await send({"type": "http.response.body", "body": body, "more_body": True})

            if self.on_error is None:
                await emit("")
            try:
                await self.produce(emit)
            except Exception as exc:
                if started:
                    raise
                failure = exc
            else:
                if not started:
                    await emit("")
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            group.cancel_scope.cancel()
        if failure is not None and self.on_error is not None:
            await self.on_error(failure)(scope, receive, send)


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()
