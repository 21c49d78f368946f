"""Which fields of a chat completion request the server honours, and which it refuses.

Every field is either honoured (``max_tokens``, ``temperature``, ``top_p``, ``stop``,
``seed`` become the run's sampling overrides; ``n`` runs the agent ``n`` times) or
refused with HTTP 400 naming it, never silently dropped. Fields an agent cannot honour
are accepted only at their neutral value (``logprobs: false``, ``tools: []``, ...), which
some clients always send. Unknown fields are refused, as OpenAI does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interlace.protocols.errors import UsageError

MAX_N = 8

# Honoured: the conversation, streaming, sampling, and tags that change nothing.
HONOURED = frozenset(
    {
        "model",
        "messages",
        "stream",
        "stream_options",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "stop",
        "seed",
        "n",
        "user",
        "metadata",
        "prompt_cache_key",
    }
)

# Not honoured: accepted at these values only, refused otherwise (with the reason).
_NEUTRAL: dict[str, tuple[tuple[Any, ...], str]] = {
    "tools": ((None, []), "the agent brings its own tools (client-side tools are not supported)"),
    "tool_choice": ((None, "auto", "none"), "the agent decides which of its tools to call"),
    "parallel_tool_calls": ((None, True, False), ""),
    "functions": ((None, []), "the agent brings its own tools"),
    "function_call": ((None, "auto", "none"), "the agent decides which of its tools to call"),
    "response_format": ((None, {"type": "text"}), "agents answer in text"),
    "logprobs": ((None, False), "agent runs do not report token log probabilities"),
    "top_logprobs": ((None, 0), "agent runs do not report token log probabilities"),
    "logit_bias": ((None, {}), "agent runs do not take logit biases"),
    "presence_penalty": ((None, 0), "the agents' backends take no presence penalty"),
    "frequency_penalty": ((None, 0), "the agents' backends take no frequency penalty"),
    "modalities": ((None, ["text"]), "agents answer in text"),
    "store": ((None, False), "this server does not store completions"),
    "service_tier": ((None, "auto", "default"), "this server has one service tier"),
    "audio": ((None,), "agents answer in text"),
    "prediction": ((None,), "predicted outputs are not supported"),
    "reasoning_effort": ((None,), "agents have no reasoning-effort setting"),
    "verbosity": ((None,), "agents have no verbosity setting"),
    "web_search_options": ((None,), "agents bring their own tools"),
}


class UnsupportedField(UsageError):
    """A request field this server cannot honour; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_fields(body: Mapping[str, Any], agent: str) -> int:
    """Refuse what cannot be honoured (:class:`UnsupportedField`); return ``n``."""
    for name, value in body.items():
        if name in HONOURED:
            continue
        if name not in _NEUTRAL:
            raise UnsupportedField(
                name,
                f"unrecognized request field {name!r}; remove it (this server accepts: "
                f"{', '.join(sorted(HONOURED | set(_NEUTRAL)))})",
            )
        allowed, why = _NEUTRAL[name]
        if value not in allowed:
            raise UnsupportedField(
                name, f"the field {name!r} is not supported by agent {agent!r}: {why}; remove it"
            )
    return _choices(body)


def _choices(body: Mapping[str, Any]) -> int:
    n = body.get("n")
    if n is None:
        return 1
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_N:
        raise UnsupportedField("n", f"'n' must be a whole number from 1 to {MAX_N}, got {n!r}")
    if n > 1 and body.get("stream"):
        raise UnsupportedField(
            "n",
            "'n' above 1 is not supported with 'stream': true; stream one answer per "
            "request or leave out 'stream'",
        )
    return n
