"""The one exception hierarchy of interlace.

Every error the framework raises derives from :class:`InterlaceError`, split three ways:

* :class:`UsageError`: misuse that the caller fixes (bad config, bad arguments, bad input).
* :class:`RunFailure`: something failed while running (a backend, a tool, a server).
* :class:`ControlFlow`: not a failure; a signal that changes the course of a run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'react'?"`` for the known name nearest ``name``, else ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class InterlaceError(Exception):
    """Root of every interlace exception."""


# --- misuse -------------------------------------------------------------------------------


class UsageError(InterlaceError):
    """The caller asked for something invalid; the message says how to fix it."""


class ConfigError(UsageError):
    """A configuration file or option is invalid."""


class ProtocolError(UsageError):
    """Malformed protocol or wire data (e.g. tool arguments that are not JSON)."""


class ModelReferenceError(UsageError):
    """A model reference such as ``llamacpp:default`` cannot be resolved."""


class ModelFileError(UsageError):
    """A model file is missing, unreadable or corrupt."""


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
    """A backend cannot be reached (server down, connection refused)."""


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


class ToolError(RunFailure):
    """A tool failed in a way that cannot be reported back to the model."""


class ScriptError(RunFailure):
    """A scripted test backend was called more or fewer times than scripted."""


# --- control flow -------------------------------------------------------------------------


class ControlFlow(InterlaceError):
    """Signals that change the course of a run; not failures."""


class RetryableError(ControlFlow):
    """The operation may succeed if retried (rate limit, transient server error)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ApprovalRequired(ControlFlow):
    """A tool call needs a human decision before it runs."""


class BudgetExceeded(ControlFlow):
    """A run hit a limit (steps, tokens, time, repeated calls)."""
