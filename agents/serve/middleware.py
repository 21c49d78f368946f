"""ASGI middleware shared by every server: bearer-token auth, the loopback host check and a
request body limit.

Pure ASGI (no response buffering), so Server-Sent Event streams pass straight through.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .settings import is_loopback, token_matches

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_PATHS = ("/.well-known/agent-card.json", "/.well-known/agent.json", "/healthz")


async def send_json(send: Send, status: int, body: dict[str, Any], **headers: str) -> None:
    """Send a complete JSON response."""
    data = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(name.encode(), value.encode()) for name, value in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


def _error(message: str, kind: str, code: str) -> dict[str, Any]:
    # OpenAI's error shape; MCP and A2A clients read the status and the message.
    return {"error": {"message": message, "type": kind, "code": code}}


class BearerAuth:
    """Reject HTTP requests without ``Authorization: Bearer <token>`` (HTTP 401).

    The agent card stays public so that A2A clients can discover the server.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        header = headers.get(b"authorization", b"").decode("latin-1")
        if token_matches(header, self.token):
            await self.app(scope, receive, send)
            return
        message = "missing or wrong bearer token; send 'Authorization: Bearer <token>'"
        await send_json(
            send,
            401,
            _error(message, "authentication_error", "invalid_api_key"),
            **{"www-authenticate": "Bearer"},
        )


class LoopbackOnly:
    """Answer HTTP 403 to requests whose ``Host`` or ``Origin`` is not this machine.

    Guards a server bound to loopback without a bearer token against DNS rebinding (a web
    page whose host name resolves to 127.0.0.1) and cross-site requests from the browser:
    any page the user visits could otherwise call the agents and their tools.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        problem = _foreign(headers.get(b"host"), "Host") or _foreign(
            headers.get(b"origin"), "Origin", absent_ok=True
        )
        if problem is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": problem[:120]})
        else:
            await send_json(send, 403, _error(problem, "permission_error", "foreign_host"))


def _foreign(raw: bytes | None, header: str, *, absent_ok: bool = False) -> str | None:
    """Why a ``Host``/``Origin`` value names another machine, or None when it is loopback."""
    if raw is None and absent_ok:
        return None
    value = (raw or b"").decode("latin-1").strip()
    name = value.partition("://")[2] if header == "Origin" else value
    name = name[1 : name.find("]")] if name.startswith("[") else name.partition(":")[0]
    if name and is_loopback(name):
        return None
    return (
        f"{header} {value or '(none)'!r} is not this machine: a server on loopback without a "
        "bearer token answers only localhost, 127.0.0.1 and [::1] (DNS rebinding protection); "
        "to serve other host names, start it with --token SECRET"
    )


class BodyLimit:
    """Answer HTTP 413 to request bodies larger than ``max_bytes``.

    The body is read (up to the limit) before the app runs, then replayed to it. Paths
    starting with one of ``own_limit`` are passed through: their handlers stream the body
    and enforce a limit of their own (file uploads).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, own_limit: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.own_limit = own_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") in ("GET", "HEAD", "DELETE")
            or (self.own_limit and str(scope.get("path", "")).startswith(self.own_limit))
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)

    async def _too_large(self, send: Send) -> None:
        message = f"request body exceeds the server's limit of {self.max_bytes} bytes"
        await send_json(send, 413, _error(message, "invalid_request_error", "request_too_large"))


def _replay(chunks: list[bytes], pending: Message | None, receive: Receive) -> Receive:
    """A ``receive`` that hands out the buffered body once, then defers to the real one."""
    queue: list[Message] = []
    if pending is not None:
        queue.append(pending)
    else:
        queue.append({"type": "http.request", "body": b"".join(chunks), "more_body": False})

    async def replay() -> Message:
        if queue:
            return queue.pop(0)
        return await receive()

    return replay
