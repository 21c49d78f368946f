"""Pooled HTTP access to an OpenAI-compatible server: retries, backoff, timeouts, SSE."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import httpx

from interlace.protocols.errors import (
    BackendError,
    BackendUnavailableError,
    surface_offline_refusal,
)

from .failures import error_message, retry_after_seconds, status_error, unreachable
from .settings import OpenAISettings

Json = dict[str, Any]
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
_RETRY_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError)


class HttpTransport:
    """Sends chat requests over one pooled ``httpx.AsyncClient`` per event loop.

    Connection errors, 408/409/429 and 5xx answers are retried with exponential backoff
    (``Retry-After`` honoured, capped by ``max_retry_after``) before any byte of the
    answer is used; a stream that breaks off later raises :class:`BackendError`.
    """

    def __init__(self, settings: OpenAISettings) -> None:
        self.settings = settings
        self.url = settings.base_url
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.sleep: Callable[[float], Awaitable[None]] = anyio.sleep

    def client(self) -> httpx.AsyncClient:
        """The pooled client of the running event loop (a new loop gets a new pool)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop or self._client.is_closed:
            s = self.settings
            self._client = httpx.AsyncClient(
                base_url=s.base_url + "/",
                headers=s.auth_headers(),
                timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
                limits=httpx.Limits(
                    max_connections=s.max_connections, max_keepalive_connections=s.max_connections
                ),
            )
            self._loop = loop
        return self._client

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        s = self.settings
        told = retry_after_seconds(retry_after)
        if told is not None:
            return min(told, s.max_retry_after)
        return min(s.max_backoff, s.backoff * 2.0**attempt) * (0.5 + random.random() / 2)

    async def _send(
        self, method: str, path: str, body: Json | None, stream: bool
    ) -> httpx.Response:
        client = self.client()
        url = f"{self.url}/{path}"
        attempt = 0
        while True:
            request = client.build_request(method, path, json=body)
            try:
                response = await client.send(request, stream=stream)
            except _RETRY_ERRORS as exc:
                surface_offline_refusal(exc)  # retrying cannot help
                if attempt >= self.settings.max_retries:
                    raise unreachable(url, exc) from exc
                await self.sleep(self._delay(attempt, None))
            except httpx.TimeoutException as exc:
                raise BackendUnavailableError(
                    f"{url} did not answer within {self.settings.timeout}s; raise the "
                    "backend's timeout option or check the server's load"
                ) from exc
            except httpx.NetworkError as exc:
                raise unreachable(url, exc) from exc
            except httpx.HTTPError as exc:
                raise BackendError(f"request to {url} failed: {exc!r}") from exc
            else:
                if response.status_code < 400:
                    return response
                text = (await response.aread()).decode("utf-8", "replace")
                await response.aclose()
                status = response.status_code
                told = response.headers.get("retry-after")
                if status not in RETRY_STATUSES or attempt >= self.settings.max_retries:
                    raise status_error(status, text, url, self.settings.model, told)
                await self.sleep(self._delay(attempt, told))
            attempt += 1

    async def get(self, path: str) -> Any:
        """``GET`` a JSON document."""
        response = await self._send("GET", path, None, stream=False)
        return _json(response, f"{self.url}/{path}")

    async def complete(self, body: Json) -> Json:
        """``POST /chat/completions`` without streaming."""
        response = await self._send("POST", "chat/completions", body, stream=False)
        data = _json(response, f"{self.url}/chat/completions")
        if not isinstance(data, dict):
            raise BackendError(f"{self.url}/chat/completions answered a non-object: {data!r:.200}")
        return data

    async def stream(self, body: Json) -> AsyncGenerator[Json, None]:
        """``POST /chat/completions`` with ``stream: true``; yields the chunk objects.

        Closing the iterator (or cancelling its consumer) closes the connection, which
        tells the server to stop generating.
        """
        url = f"{self.url}/chat/completions"
        response = await self._send("POST", "chat/completions", body | {"stream": True}, True)
        finished = False
        try:
            async for data in _sse_data(response, url):
                if data is None:
                    return
                finished = finished or _has_finish_reason(data)
                yield data
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise BackendUnavailableError(
                f"the stream from {url} broke off ({exc!r}); the server may have crashed or "
                "restarted"
            ) from exc
        finally:
            await response.aclose()
        if not finished:
            raise BackendUnavailableError(
                f"the stream from {url} ended before the answer was complete (no finish "
                "reason and no [DONE]); the server closed the connection early"
            )

    async def aclose(self) -> None:
        """Close the pool."""
        if self._client is not None:
            client, self._client = self._client, None
            if self._loop is asyncio.get_running_loop():
                await client.aclose()


def _json(response: httpx.Response, url: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise BackendError(f"{url} answered with invalid JSON: {response.text[:200]!r}") from exc


def _has_finish_reason(chunk: Json) -> bool:
    choices = chunk.get("choices")
    return isinstance(choices, list) and any(
        isinstance(choice, dict) and choice.get("finish_reason") for choice in choices
    )


async def _sse_data(response: httpx.Response, url: str) -> AsyncIterator[Json | None]:
    """The ``data:`` payloads of a server-sent event stream; ``None`` for ``[DONE]``."""
    lines: list[str] = []
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            lines.append(line[5:].removeprefix(" "))
        elif not line and lines:
            payload, lines = "\n".join(lines), []
            yield _event(payload, url)
    if lines:
        yield _event("\n".join(lines), url)


def _event(payload: str, url: str) -> Json | None:
    if payload.strip() == "[DONE]":
        return None
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise BackendError(f"{url} sent an unreadable stream event: {payload[:200]!r}") from exc
    if not isinstance(data, dict):
        raise BackendError(f"{url} sent a stream event that is not an object: {payload[:200]!r}")
    if data.get("error") is not None:
        raise BackendError(f"{url} reported an error mid-stream: {error_message(payload)}")
    return data
