"""The one exception hierarchy of interlace.

Every error the framework raises derives from :class:`InterlaceError`, split three ways:

* :class:`UsageError`: misuse that the caller fixes (bad config, bad arguments, bad input).
* :class:`RunFailure`: something failed while running (a backend, a tool, a server).
* :class:`ControlFlow`: not a failure; a signal that changes the course of a run.

The command line maps them to exit codes (docs/cli.md): a :class:`ConfigError` exits 3,
another :class:`UsageError` 2, a :class:`RunFailure` 1, a :class:`ControlFlow` 4.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = [
    "ApprovalRequired",
    "BackendError",
    "BackendUnavailableError",
    "CapabilityError",
    "ConfigError",
    "ContextOverflowError",
    "ControlFlow",
    "InterlaceError",
    "ModelFileError",
    "ModelReferenceError",
    "OfflineViolation",
    "OverloadedError",
    "ProtocolError",
    "RunFailure",
    "RunTimeout",
    "ScriptError",
    "ToolError",
    "UnsupportedSchemaError",
    "UsageError",
    "find_cause",
    "surface_offline_refusal",
]

E = TypeVar("E", bound=BaseException)


class InterlaceError(Exception):
    """Root of every interlace exception."""


# --- misuse -------------------------------------------------------------------------------


class UsageError(InterlaceError):
    """The caller asked for something invalid; the message says how to fix it."""


class ConfigError(UsageError):
    """A configuration file or option is invalid."""


class ProtocolError(UsageError):
    """Malformed protocol or wire data (e.g. tool arguments that are not JSON)."""


class ModelReferenceError(ConfigError):
    """A model reference such as ``llamacpp:default`` cannot be resolved."""


class ModelFileError(ConfigError):
    """A model file is missing, unreadable or corrupt: a configuration problem (exit 3)."""


class UnsupportedSchemaError(UsageError):
    """A JSON Schema uses a feature that a constraint engine cannot express."""


class CapabilityError(UsageError):
    """A backend lacks a capability the configuration needs (e.g. tool calling)."""


# --- run-time failure ---------------------------------------------------------------------


class RunFailure(InterlaceError):
    """Something failed while running; retrying or reconfiguring may help."""


class BackendError(RunFailure):
    """A model backend failed to produce a response."""


class BackendUnavailableError(BackendError):
    """A backend cannot be reached or is failing: server down, connection refused or
    reset, no answer in time, 5xx or 429 after retries, a stream cut off. Another replica
    of the same model may answer, so an endpoint pool fails over on it."""


class ContextOverflowError(BackendError):
    """A prompt does not fit the model's context window."""

    def __init__(self, prompt_tokens: int, context_window: int, detail: str = "") -> None:
        self.prompt_tokens = prompt_tokens
        self.context_window = context_window
        message = (
            f"prompt has {prompt_tokens} tokens but the context window is {context_window}; "
            "shorten the conversation or raise the model's context size (n_ctx)"
        )
        super().__init__(f"{message}. {detail}".strip() if detail else message)


class OfflineViolation(RunFailure, ConnectionRefusedError):
    """A connection or name lookup that ``offline: strict`` refused.

    It is also a ``ConnectionRefusedError``, so libraries that fall back gracefully when
    the network is down do so here too. Libraries often wrap it (``All connection
    attempts failed``); :func:`find_cause` digs it out so the user sees why.
    """


def find_cause(error: BaseException, kind: type[E]) -> E | None:
    """The first ``kind`` in ``error``'s causes, contexts and exception groups, or ``None``."""
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return None


def surface_offline_refusal(error: BaseException) -> None:
    """If ``offline: strict`` caused ``error`` (however deeply wrapped), raise that refusal
    instead: its message names the host and how to allow it."""
    refusal = find_cause(error, OfflineViolation)
    if refusal is not None:
        raise OfflineViolation(str(refusal)) from error


class ToolError(RunFailure):
    """A tool failed in a way that cannot be reported back to the model."""


class ScriptError(RunFailure):
    """A scripted test backend was called more or fewer times than scripted."""


class RunTimeout(RunFailure, TimeoutError):
    """A run (or one server request's run) took longer than its time limit."""


# --- control flow -------------------------------------------------------------------------


class ControlFlow(InterlaceError):
    """Signals that change the course of a run; not failures."""


class OverloadedError(ControlFlow):
    """A shared model (or the server in front of it) is busy: its admission queue is full.

    Nothing ran; send the request again after ``retry_after`` seconds. Servers answer it
    with HTTP 429 and a ``Retry-After`` header.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ApprovalRequired(ControlFlow):
    """A run stopped for a human decision where nobody can give one (for example a
    request to the OpenAI-compatible API); ``pending`` lists the waiting tool calls."""

    def __init__(self, message: str, pending: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.pending = pending
