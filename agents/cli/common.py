"""Exit codes, output helpers and the error boundary shared by every command."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from rich.console import Console

    from interlace.agents.config import Config


class Exit(IntEnum):
    """Exit codes of ``interlace`` (documented in docs/cli.md)."""

    OK = 0
    FAILURE = 1
    """A run failed: a backend, tool or server error, or an unexpected error."""
    USAGE = 2
    """Bad command line: unknown option, missing argument, unknown agent name."""
    CONFIG = 3
    """The configuration is invalid (file, line and key path are printed)."""
    STOPPED = 4
    """A run ended without a final answer (max_steps, max_tokens, timeout, loop, interrupted)."""
    CHECK = 5
    """A check failed: ``models`` found an unreachable model, ``doctor`` found a problem."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C."""


class Teardown:
    """Whether the ``interlace`` script may end without the interpreter's teardown."""

    skip = False


def skip_teardown() -> None:
    """Let the ``interlace`` script end this process as soon as the command returns:
    what a normal exit does first still runs (non-daemon threads are joined, atexit
    handlers flush traces and logs), but not the teardown that frees every module, model
    and store one by one (a second or more; the operating system reclaims it all at
    once). For a one-shot command, once everything it wrote is closed; commands run
    in-process (tests, ``CliRunner``) are unaffected."""
    Teardown.skip = True


def end_process(stop: SystemExit) -> None:
    """End the process with ``stop``'s code without the interpreter's teardown, when the
    command asked for it (:func:`skip_teardown`); otherwise return (a normal exit follows)."""
    import atexit
    import contextlib
    import os
    import threading

    code = stop.code
    if not Teardown.skip or not (code is None or isinstance(code, int)):
        return
    for thread in threading.enumerate():
        if not thread.daemon and thread is not threading.current_thread():
            thread.join()
    loader = sys.modules.get("interlace.runtimes.llamacpp.loader")
    if loader is not None:  # freeing the models is the operating system's job now
        atexit.unregister(loader.release_models)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to write
            stream.flush()
    os._exit(code or 0)


def stdout() -> Console:
    """Rich console on stdout."""
    from rich.console import Console

    return Console(soft_wrap=True, highlight=False)


def stderr() -> Console:
    """Rich console on stderr (progress, tool calls, errors)."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True, highlight=False)


def print_json(data: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def fail(code: Exit, message: str, *, as_json: bool = False, **extra: Any) -> NoReturn:
    """Report an error (stderr, or a JSON object on stdout) and exit with ``code``."""
    import typer

    if as_json:
        print_json({"ok": False, "exit_code": int(code), "error": message, **extra})
    else:
        stderr().print(f"[bold red]error:[/] {_escape(message)}")
    raise typer.Exit(int(code))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def exit_code_for(error: BaseException) -> Exit:
    """The exit code of an error: docs/cli.md's table, for every entry point."""
    from interlace.protocols.errors import ConfigError, ControlFlow, UsageError

    if isinstance(error, KeyboardInterrupt):
        return Exit.INTERRUPTED
    if isinstance(error, ConfigError):
        return Exit.CONFIG
    if isinstance(error, UsageError):
        return Exit.USAGE
    if isinstance(error, ControlFlow):
        return Exit.STOPPED
    return Exit.FAILURE


def error_message(error: BaseException) -> str:
    """How an error is reported: usage errors as written, failures with their type."""
    from interlace.protocols.errors import ControlFlow, UsageError

    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    if isinstance(error, UsageError | ControlFlow):
        return str(error)
    return f"{type(error).__name__}: {error}"


@contextmanager
def errors_to_exit(as_json: bool = False) -> Iterator[None]:
    """Turn interlace errors into a message and the matching exit code."""
    from interlace.agents.config import ConfigValidationError
    from interlace.protocols.errors import InterlaceError

    try:
        yield
    except (InterlaceError, KeyboardInterrupt) as error:
        extra: dict[str, Any] = {}
        if isinstance(error, ConfigValidationError):
            extra["issues"] = [issue.to_dict() for issue in error.issues]
        fail(exit_code_for(error), error_message(error), as_json=as_json, **extra)


def load(config_path: str, overrides: Sequence[str], *, require_agents: bool = True) -> Config:
    """Load a config for a command (errors propagate to :func:`errors_to_exit`)."""
    from interlace.agents.config import load_config

    return load_config(config_path, list(overrides), require_agents=require_agents)


def run_async(function: Callable[..., Any], *args: Any) -> Any:
    """Run a coroutine function on anyio (asyncio)."""
    import anyio

    return anyio.run(function, *args)
