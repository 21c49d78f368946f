"""Turn HTTP failures of an OpenAI-compatible server into clear interlace errors."""

from __future__ import annotations

import json
import re
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

from interlace.protocols.errors import (
    BackendError,
    BackendUnavailableError,
    CapabilityError,
    ContextOverflowError,
    InterlaceError,
    OverloadedError,
)

# Error texts servers send when tool calling is not switched on, and what to change.
_TOOL_FLAG_HINTS: tuple[tuple[str, str], ...] = (
    (
        "enable-auto-tool-choice",
        "start vLLM with --enable-auto-tool-choice --tool-call-parser PARSER",
    ),
    ("tool-call-parser", "start the server with --tool-call-parser PARSER"),
    ("--jinja", "start llama-server with --jinja"),
    ("does not support tools", "use a model whose chat template supports tools"),
)
_OVERFLOW = (
    re.compile(r"maximum context length is (\d+) tokens.*?(\d+) tokens", re.S),
    re.compile(r"Requested tokens \((\d+)\) exceed context window of (\d+)"),
    re.compile(r"request \((\d+) tokens\) exceeds the available context size \((\d+)"),
)


def error_message(body: str) -> str:
    """The human-readable message of an error body (OpenAI, FastAPI or plain text)."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return body.strip()[:500]
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data.get("message", data)))
        if isinstance(error, dict):
            error = error.get("message", error)
        return str(error)[:500]
    return str(data)[:500]


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) in seconds, if readable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _overflow(message: str) -> ContextOverflowError | None:
    for pattern in _OVERFLOW:
        match = pattern.search(message)
        if match:
            first, second = int(match.group(1)), int(match.group(2))
            # vLLM names the window first; the llama.cpp servers name the prompt first.
            window, prompt = (first, second) if pattern is _OVERFLOW[0] else (second, first)
            return ContextOverflowError(prompt, window, message)
    return None


def status_error(
    status: int, body: str, url: str, model: str | None, retry_after: str | None = None
) -> InterlaceError:
    """The error for a failed response, naming the problem and what to change; a server
    still rate limiting after the retries is an :class:`OverloadedError` (retry later)."""
    message = error_message(body)
    where = f"{url} (model {model!r})" if model else url
    if status == 400:
        overflow = _overflow(message)
        if overflow is not None:
            return overflow
        for needle, hint in _TOOL_FLAG_HINTS:
            if needle in message:
                return CapabilityError(
                    f"{where} refused tool calling: {message}. To fix: {hint}, or set "
                    "tool_strategy: json_schema in the model block"
                )
    if status in (401, 403):
        return BackendError(
            f"{where} rejected the credentials ({status}): {message}. Set api_key_env to "
            "the environment variable holding the key and check that it is exported"
        )
    if status == 404:
        return BackendError(
            f"{where} answered 404: {message}. Check that base_url ends with /v1 and that "
            "the model is served (GET /v1/models lists them)"
        )
    if status == 429:
        return OverloadedError(
            f"{where} is rate limiting (429) after retries: {message}",
            retry_after=retry_after_seconds(retry_after),
        )
    if status >= 500 or status == 408:
        return BackendUnavailableError(f"{where} failed with {status} after retries: {message}")
    return BackendError(f"{where} rejected the request ({status}): {message}")


def unreachable(url: str, detail: object) -> BackendUnavailableError:
    """The error for a server that cannot be reached."""
    return BackendUnavailableError(
        f"cannot reach the model server at {url} ({detail}). Check that the server is "
        "running and listening on that host and port, that base_url is right (it usually "
        "ends with /v1), and that no firewall or proxy is in the way"
    )
